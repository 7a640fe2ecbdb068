//! The crates a user installs (`cargo install virtc-cli`) must package on their own: a file one
//! of them includes at build time (`include_str!`, `include_bytes!`) must lie inside that crate's
//! directory, or the published crate would not build. `cargo package` proves it for a release;
//! this test keeps it true between releases, cheaply.

use std::path::{Component, Path, PathBuf};

/// The published crates, by directory under the repository root.
const PUBLISHED: &[&str] = &[
    "grammar",
    "adapter/policy",
    "compiler",
    "compiler/run",
    "compiler/cli",
    "lsp",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            // Another crate inside this one is checked as itself.
            if !path.join("Cargo.toml").exists() {
                rust_files(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `a/b/../c` → `a/c`, without touching the disk.
fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

#[test]
fn included_files_lie_inside_their_crate() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let root = lexical(&root);
    let mut checked = 0;
    for krate in PUBLISHED {
        let dir = root.join(krate);
        let mut files = Vec::new();
        for sub in ["src", "build.rs"] {
            let p = dir.join(sub);
            if p.is_dir() {
                rust_files(&p, &mut files);
            } else if p.exists() {
                files.push(p);
            }
        }
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for macro_name in ["include_str!(\"", "include_bytes!(\""] {
                for (at, _) in text.match_indices(macro_name) {
                    let rest = &text[at + macro_name.len()..];
                    let Some(end) = rest.find('"') else { continue };
                    let included = lexical(&file.parent().unwrap().join(&rest[..end]));
                    assert!(
                        included.starts_with(&dir),
                        "{} includes {}, outside its crate {krate}",
                        file.display(),
                        included.display()
                    );
                    assert!(included.exists(), "{} is missing", included.display());
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 10, "only {checked} includes found");
}
