//! Writes the seed corpora the committed ones are minimized from (see `seeds.sh`): policy data
//! and images of real policies, and components (small built ones, the given real components,
//! their compiled outputs and truncations of them).
//!
//! Usage: cargo run --example seeds -- OUT_DIR REPO_DIR [COMPONENT.wasm...]

use std::path::{Path, PathBuf};

use virtc_fuzz::component::{Import, ImportType, Imports, Name, POLICIES, Signature};
use virtc_fuzz::structured::Version;

fn main() {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [out, repo, components @ ..] = &args[..] else {
        panic!("usage: seeds OUT_DIR REPO_DIR [COMPONENT.wasm...]");
    };
    let mut seeds = Seeds { out: out.clone() };
    // Policy data and images, from the policies components are compiled against and pong's.
    let pong = std::fs::read_to_string(repo.join("examples/pong/pong.virt")).unwrap();
    let mut policies: Vec<(String, PathBuf)> = POLICIES
        .iter()
        .map(|p| (p.to_string(), PathBuf::from("/virtc-fuzz")))
        .collect();
    policies.push((pong, repo.join("examples/pong")));
    policies.push((
        "file \"/a/b/c.txt\" = \"x\";\nfile \"/a/d\" = \"\";\nfile \"/e\" from host \"/etc/hostname\";\n\
         tmpfs \"/tmp\";\npreopen \"/data\" from host \"/srv\" readonly;\n"
            .into(),
        PathBuf::from("/virtc-fuzz"),
    ));
    let mut built = Vec::new();
    for (text, dir) in &policies {
        let policy = virtc::Policy::from_text(text.as_str(), dir);
        let Ok(adapter) = policy.adapter(None) else {
            eprintln!("skipped (does not compile): {text}");
            continue;
        };
        let data = adapter.policy.runtime.encode();
        seeds.write("policy_codec", &data);
        seeds.write("inspect_policy", &data);
        if !adapter.policy.runtime.files.image.is_empty() {
            seeds.write("image", &adapter.policy.runtime.files.image.to_vec());
        }
        seeds.write("component", &adapter.bytes);
        built.push(policy);
    }
    // Small components, then the real ones given, each compiled and truncated.
    let mut inputs: Vec<Vec<u8>> = small().iter().map(Imports::encode).collect();
    for path in components {
        inputs.push(std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())));
    }
    for input in &inputs {
        seeds.write("component", input);
        for cut in [8, 9, 16, 64, input.len() / 2, input.len() - 1] {
            if cut < input.len() {
                seeds.write("component", &input[..cut]);
            }
        }
        for policy in &built {
            if let Ok(output) = policy.compile(input)
                && output.bytes != *input
            {
                seeds.write("component", &output.bytes);
            }
        }
    }
}

struct Seeds {
    out: PathBuf,
}

impl Seeds {
    /// Writes `bytes` into the corpus of `target`, named by their hash as libFuzzer does.
    fn write(&mut self, target: &str, bytes: &[u8]) {
        use std::hash::{DefaultHasher, Hash, Hasher};
        let dir = self.out.join(target);
        std::fs::create_dir_all(&dir).unwrap();
        let mut h = DefaultHasher::new();
        bytes.hash(&mut h);
        let path: PathBuf = dir.join(format!("seed-{:016x}", h.finish()));
        write(&path, bytes);
    }
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::write(path, bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

/// Components importing a few WASI interfaces with the right function types, the way the
/// standard library's adapter does, at several versions.
fn small() -> Vec<Imports> {
    let interface = |package: u8, interface: u8, patch: u64| Name::Interface {
        namespace: 0,
        package,
        interface,
        version: Some(Version::new(0, 2, patch)),
    };
    let instance = |name: Name, functions: Vec<(u8, Signature)>| Import {
        name,
        ty: ImportType::Instance(functions),
    };
    vec![
        Imports {
            imports: vec![instance(
                interface(0, 0, 6),
                vec![(0, Signature::U64), (1, Signature::Bytes)],
            )],
            exports: vec![],
            policy: 0,
        },
        Imports {
            imports: vec![
                instance(
                    interface(1, 3, 3),
                    vec![(2, Signature::Environment), (3, Signature::Strings)],
                ),
                instance(interface(2, 10, 0), vec![(6, Signature::U64)]),
                instance(interface(1, 4, 0), vec![(5, Signature::Unit)]),
            ],
            exports: vec![],
            policy: 2,
        },
        Imports {
            imports: vec![instance(interface(8, 25, 0), vec![(10, Signature::Odd)])],
            exports: vec![],
            policy: 2,
        },
        Imports {
            imports: vec![instance(interface(5, 21, 6), vec![(11, Signature::Unit)])],
            exports: vec![(interface(5, 21, 6), 0)],
            policy: 3,
        },
    ]
}
