//! `virtc fmt` as a user meets it: files formatted in place, `--check` listing the files that
//! would change (exit code 1), a file with syntax errors refused and named (exit code 1),
//! directories searched, `-` for standard input.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn virtc(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_virtc"))
        .args(args)
        .args(["--color", "never"])
        .current_dir(dir)
        .output()
        .expect("virtc runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const MESSY: &str = "allow   random;deny clocks;\nenv A=\"x\";\n";
const TIDY: &str = "allow random;\ndeny clocks;\nenv A = \"x\";\n";

#[test]
fn formats_in_place_and_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.virt"), MESSY).unwrap();
    std::fs::write(dir.path().join("b.virt"), TIDY).unwrap();
    let run = virtc(dir.path(), &["fmt", "a.virt", "b.virt"]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("a.virt")).unwrap(),
        TIDY
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("b.virt")).unwrap(),
        TIDY
    );
    let again = virtc(dir.path(), &["fmt", "--check", "a.virt", "b.virt"]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stderr));
    assert_eq!(text(&again.stdout), "");
}

#[test]
fn check_lists_the_files_that_would_change() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("policies/nested")).unwrap();
    std::fs::write(dir.path().join("policies/a.virt"), MESSY).unwrap();
    std::fs::write(dir.path().join("policies/nested/b.virt"), MESSY).unwrap();
    std::fs::write(dir.path().join("policies/c.virt"), TIDY).unwrap();
    std::fs::write(dir.path().join("policies/notes.txt"), "allow  x;").unwrap();
    let run = virtc(dir.path(), &["fmt", "--check", "policies"]);
    assert_eq!(run.status.code(), Some(1));
    assert_eq!(
        text(&run.stdout),
        "policies/a.virt\npolicies/nested/b.virt\n",
        "{}",
        text(&run.stderr)
    );
    assert!(text(&run.stderr).contains("2 files would be reformatted"));
    // Nothing was written.
    assert_eq!(
        std::fs::read_to_string(dir.path().join("policies/a.virt")).unwrap(),
        MESSY
    );
}

#[test]
fn a_file_with_syntax_errors_is_refused_and_named() {
    let dir = tempfile::tempdir().unwrap();
    let broken = "allow random\nderp";
    std::fs::write(dir.path().join("broken.virt"), broken).unwrap();
    std::fs::write(dir.path().join("ok.virt"), MESSY).unwrap();
    let run = virtc(dir.path(), &["fmt", "broken.virt", "ok.virt"]);
    assert_eq!(run.status.code(), Some(1));
    let stderr = text(&run.stderr);
    assert!(stderr.contains("error[V0001]"), "{stderr}");
    assert!(
        stderr.contains("cannot format `broken.virt`: it has 1 syntax error"),
        "{stderr}"
    );
    // The broken file is untouched; the other one is formatted.
    assert_eq!(
        std::fs::read_to_string(dir.path().join("broken.virt")).unwrap(),
        broken
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("ok.virt")).unwrap(),
        TIDY
    );
    let missing = virtc(dir.path(), &["fmt", "missing.virt"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(text(&missing.stderr).contains("cannot read `missing.virt`"));
}

#[test]
fn standard_input_to_standard_output() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_virtc"))
        .args(["fmt", "-"])
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(MESSY.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), TIDY);
}

#[test]
fn usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let run = virtc(dir.path(), &["fmt"]);
    assert_eq!(run.status.code(), Some(2));
    let help = virtc(dir.path(), &["fmt", "--help"]);
    assert!(text(&help.stdout).contains("--check"));
}
