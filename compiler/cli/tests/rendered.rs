//! The errors of the input and output stage as a user reads them: each scenario's files, the
//! command, and what `virtc` printed with its exit code, in one snapshot (the codes V0061, V0063,
//! V0070–V0072, V0076 and V0078; V0073–V0075 and V0077 report failures of virtc's own
//! composition or of wasmtime on a component virtc produced, which no input reaches).

use std::fmt::Write;
use std::path::Path;
use std::process::Command;

/// The component binary magic with no sections: a component with no imports and no exports.
const EMPTY_COMPONENT: &[u8] = b"\0asm\x0d\0\x01\0";

/// One scenario: files (`name`, contents; a name ending in `/` is a directory) and a command.
struct Scenario {
    title: &'static str,
    files: &'static [(&'static str, &'static [u8])],
    args: &'static [&'static str],
}

fn render(scenarios: &[Scenario]) -> String {
    let mut out = String::new();
    for s in scenarios {
        let dir = tempfile::tempdir().unwrap();
        writeln!(out, "## {}", s.title).unwrap();
        for (name, contents) in s.files {
            let path = dir.path().join(name);
            if name.ends_with('/') {
                std::fs::create_dir_all(&path).unwrap();
                writeln!(out, "{name}").unwrap();
                continue;
            }
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, contents).unwrap();
            match std::str::from_utf8(contents) {
                Ok(text) if !text.contains('\0') => {
                    writeln!(out, "{name}:\n{}", indent(text)).unwrap()
                }
                _ => writeln!(out, "{name}: {} bytes", contents.len()).unwrap(),
            }
        }
        let before = listing(dir.path());
        let output = Command::new(env!("CARGO_BIN_EXE_virtc"))
            .args(s.args)
            .current_dir(dir.path())
            .output()
            .expect("virtc starts");
        writeln!(out, "$ virtc {}", s.args.join(" ")).unwrap();
        out.push_str(&indent(&String::from_utf8_lossy(&output.stderr)));
        writeln!(out, "exit {}", output.status.code().unwrap_or(-1)).unwrap();
        assert_eq!(listing(dir.path()), before, "{}: files changed", s.title);
        out.push('\n');
    }
    out
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| match l {
            "" => "\n".to_string(),
            _ => format!("    {l}\n"),
        })
        .collect()
}

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = walk(dir)
        .into_iter()
        .map(|p| p.strip_prefix(dir).unwrap().display().to_string())
        .collect();
    names.sort();
    names
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        }
        out.push(path);
    }
    out
}

#[test]
fn input_and_output_errors() {
    const GOOD: (&str, &[u8]) = ("good.virt", b"stdout allow;\n");
    let rendered = render(&[
        Scenario {
            title: "V0063: a tmpfs where the mounted tree already has a directory",
            files: &[
                (
                    "policy.virt",
                    b"mount \"/\" from \"./tree\";\ntmpfs \"/cache\" limit \"1MiB\";\n",
                ),
                ("tree/cache/old.txt", b"old\n"),
            ],
            args: &["check", "policy.virt"],
        },
        Scenario {
            title: "V0063: a file inside a tmpfs",
            files: &[(
                "policy.virt",
                b"tmpfs \"/tmp\";\nfile \"/tmp/seed.txt\" = \"42\";\n",
            )],
            args: &["check", "policy.virt"],
        },
        Scenario {
            title: "V0061: one guest path both embedded and a host directory",
            files: &[
                (
                    "policy.virt",
                    b"mount \"/data\" from \"./tree\";\npreopen \"/data\" from host \"./host\";\n",
                ),
                ("tree/a.txt", b"a\n"),
                ("host/", b""),
            ],
            args: &["check", "policy.virt"],
        },
        Scenario {
            title: "V0070: the policy file is missing",
            files: &[],
            args: &["check", "missing.virt"],
        },
        Scenario {
            title: "V0070: the policy file is a directory",
            files: &[("policy.virt/", b"")],
            args: &["compile", "policy.virt", "-o", "out.wasm"],
        },
        Scenario {
            title: "V0071: the component file is missing",
            files: &[GOOD],
            args: &[
                "compile",
                "good.virt",
                "-c",
                "missing.wasm",
                "-o",
                "out.wasm",
            ],
        },
        Scenario {
            title: "V0072: the component is not WebAssembly",
            files: &[GOOD, ("x.wasm", b"hello")],
            args: &["check", "good.virt", "--component", "x.wasm"],
        },
        Scenario {
            title: "V0072: the component is a core module",
            files: &[GOOD, ("core.wasm", b"\0asm\x01\0\0\0")],
            args: &["run", "good.virt", "core.wasm"],
        },
        Scenario {
            title: "V0076: the output's directory is missing",
            files: &[GOOD],
            args: &["compile", "good.virt", "-o", "nodir/out.wasm"],
        },
        Scenario {
            title: "V0076: the output is a directory",
            files: &[GOOD, ("out.wasm/", b"")],
            args: &["compile", "good.virt", "-o", "out.wasm"],
        },
        Scenario {
            title: "V0078: a component with no `wasi:cli/run` to run",
            files: &[GOOD, ("empty.wasm", EMPTY_COMPONENT)],
            args: &["run", "good.virt", "empty.wasm"],
        },
    ]);
    insta::assert_snapshot!(rendered);
}
