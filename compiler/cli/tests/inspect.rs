//! `virtc inspect` with the real binary: the pong example compiled, inspected, the printed policy
//! checked, formatted and compiled again into an output that inspects the same; `--format json`;
//! a serving component; then every refusal — not a component, a component virtc did not make, an
//! `allow all;` output, a truncated or damaged one, a missing file — one error line each, exit
//! code 1, nothing on stdout.

use std::path::Path;

use crate::common::{self, Run};

fn virtc(dir: &Path, args: &[&str]) -> Run {
    common::virtc(dir, args, &[])
}

/// Copies a directory tree.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The pong example's policy and files in a fresh directory, with the pong component beside.
fn pong_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let example = virtc_tests::repo().join("examples/pong");
    std::fs::copy(example.join("pong.virt"), dir.path().join("pong.virt")).unwrap();
    copy_tree(&example.join("dir"), &dir.path().join("dir"));
    std::fs::copy(virtc_tests::pong_path(), dir.path().join("pong.wasm")).unwrap();
    dir
}

fn compile(dir: &Path, policy: &str, component: &str, output: &str) {
    virtc(
        dir,
        &["compile", policy, "--component", component, "-o", output],
    )
    .expect(0);
}

#[test]
fn pong_inspected_compiled_again_and_inspected_the_same() {
    let dir = pong_dir();
    let d = dir.path();
    compile(d, "pong.virt", "pong.wasm", "pong.virt.wasm");
    let first = virtc(d, &["inspect", "pong.virt.wasm"]).expect(0);
    assert_eq!(first.stderr, "");
    let text = first.stdout;
    for statement in [
        "env PONG = \"demo\";",
        "mount \"/\" from \"./dir\";",
        "stdout allow;",
        "stderr ignore;",
        "allow random;",
        "clocks fixed \"2026-01-01T00:00:00Z\";",
        "deny sockets;",
    ] {
        assert!(text.contains(statement), "{statement} in\n{text}");
    }
    // The embedded greeting, with its size and digest.
    let greeting = std::fs::read(d.join("dir/greeting.txt")).unwrap();
    let line = text
        .lines()
        .find(|l| l.contains("/greeting.txt"))
        .unwrap_or_else(|| panic!("no greeting in\n{text}"));
    assert!(
        line.contains(&format!("{} bytes", greeting.len())),
        "{line}"
    );
    assert!(
        line.split_whitespace()
            .any(|w| w.len() == 64 && w.bytes().all(|b| b.is_ascii_hexdigit()))
    );
    // The output's interfaces, as comments.
    assert!(text.contains("//   wasi:cli/run@"), "{text}");
    assert!(text.lines().all(|l| l.is_empty() || !l.starts_with(' ')));

    std::fs::write(d.join("inspected.virt"), &text).unwrap();
    virtc(d, &["fmt", "--check", "inspected.virt"]).expect(0);
    let check = virtc(d, &["check", "inspected.virt", "--component", "pong.wasm"]).expect(0);
    assert!(!check.stderr.contains("error["), "{}", check.stderr);
    compile(d, "inspected.virt", "pong.wasm", "again.wasm");
    let second = virtc(d, &["inspect", "again.wasm"]).expect(0);
    // The same but for the file it was built from (and so the size of the policy data).
    let sourceless = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| !l.starts_with("// Built from:") && !l.starts_with("// Policy format"))
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(sourceless(&second.stdout), sourceless(&text));
    assert!(
        second
            .stdout
            .contains("// Built from: ./inspected.virt, ./dir\n"),
        "{}",
        second.stdout
    );
    // And the output behaves the same.
    let run = |output: &str| {
        virtc(d, &["run", "inspected.virt", output])
            .expect(0)
            .stdout
    };
    assert_eq!(
        run("pong.wasm"),
        "ping -> pong demo\npong says hello from an embedded file\n"
    );
}

#[test]
fn json_is_the_same_in_one_document() {
    let dir = pong_dir();
    let d = dir.path();
    compile(d, "pong.virt", "pong.wasm", "out.wasm");
    let text = virtc(d, &["inspect", "out.wasm"]).expect(0).stdout;
    let json = virtc(d, &["inspect", "--format", "json", "out.wasm"])
        .expect(0)
        .stdout;
    let doc: serde_json::Value = serde_json::from_str(&json).expect("one JSON document");
    assert_eq!(doc["policy"], text.as_str());
    assert_eq!(doc["component"], "out.wasm");
    assert!(doc["policy_bytes"].as_u64().unwrap() > 0);
    let files = doc["files"].as_array().unwrap();
    let greeting = files
        .iter()
        .find(|f| f["path"] == "/greeting.txt")
        .unwrap_or_else(|| panic!("{files:?}"));
    assert_eq!(greeting["kind"], "file");
    assert_eq!(greeting["sha256"].as_str().unwrap().len(), 64);
    let imports: Vec<&str> = doc["imports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i.as_str().unwrap())
        .collect();
    assert!(imports.iter().any(|i| i.starts_with("wasi:cli/stdout@")));
    assert!(
        !imports
            .iter()
            .any(|i| i.starts_with("wasi:cli/environment@"))
    );
    assert!(
        doc["exports"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e.as_str().unwrap().starts_with("wasi:cli/run@"))
    );
}

#[test]
fn a_serving_component_and_a_standalone_adapter() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("server.wasm"), virtc_tests::guest("http_server")).unwrap();
    std::fs::write(
        d.join("serve.virt"),
        "env GREETING = \"hi\";\nhttp allow \"https://api.example.com/v1/**\";\n",
    )
    .unwrap();
    compile(d, "serve.virt", "server.wasm", "served.wasm");
    let text = virtc(d, &["inspect", "served.wasm"]).expect(0).stdout;
    assert!(
        text.contains("http allow \"https://api.example.com/v1/**\";"),
        "{text}"
    );
    assert!(text.contains("//   wasi:http/incoming-handler@"), "{text}");
    // The adapter alone.
    virtc(d, &["compile", "serve.virt", "-o", "adapter.wasm"]).expect(0);
    let alone = virtc(d, &["inspect", "adapter.wasm"]).expect(0).stdout;
    assert!(alone.contains("env GREETING = \"hi\";"), "{alone}");
}

/// `virtc inspect FILE` fails with `code`, one line naming the file, nothing on stdout.
fn refused(dir: &Path, file: &str, code: &str) -> String {
    let run = virtc(dir, &["inspect", file]).expect(1);
    assert_eq!(run.stdout, "");
    let line = run.one_error_line().to_owned();
    assert!(line.starts_with(&format!("error[{code}]: ")), "{line}");
    assert!(line.contains(file), "{line}");
    line
}

#[test]
fn what_carries_no_readable_policy_is_refused() {
    let dir = pong_dir();
    let d = dir.path();
    std::fs::write(d.join("notes.txt"), "not wasm").unwrap();
    refused(d, "notes.txt", "V0072");
    refused(d, "missing.wasm", "V0071");
    let line = refused(d, "pong.wasm", "V0098");
    assert!(line.contains("no virtc adapter"), "{line}");
    // `allow all;` leaves the component as it was.
    std::fs::write(d.join("all.virt"), "allow all;\n").unwrap();
    compile(d, "all.virt", "pong.wasm", "all.wasm");
    refused(d, "all.wasm", "V0098");

    compile(d, "pong.virt", "pong.wasm", "out.wasm");
    let bytes = std::fs::read(d.join("out.wasm")).unwrap();
    std::fs::write(d.join("half.wasm"), &bytes[..bytes.len() / 2]).unwrap();
    refused(d, "half.wasm", "V0072");
    // The policy's format version, changed in place: the component still validates, the
    // policy data does not decode.
    let at = bytes
        .windows(4)
        .position(|w| w == b"VPOL")
        .expect("the policy's magic");
    let mut damaged = bytes.clone();
    damaged[at + 4] ^= 0x40;
    std::fs::write(d.join("damaged.wasm"), &damaged).unwrap();
    let line = refused(d, "damaged.wasm", "V0099");
    assert!(line.contains("unsupported policy format"), "{line}");
}
