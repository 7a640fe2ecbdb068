//! `virtc explain` as a user meets it: a code's explanation on stdout (exit code 0), whether
//! written `V0020`, `v0020` or `20`; an unknown code named on stderr with a hint (exit code 1,
//! nothing on stdout); `--list`; `--help` with examples. That each explanation's policies get
//! what they say is checked in the library (`virtc::codes`).

use std::process::{Command, Output};

fn virtc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_virtc"))
        .args(args)
        .output()
        .expect("virtc runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn explains_a_code_with_a_wrong_and_a_fixed_policy() {
    let run = virtc(&["explain", "V0020"]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    assert_eq!(text(&run.stderr), "");
    let out = text(&run.stdout);
    assert!(
        out.starts_with("V0020: two statements that contradict each other\n\n"),
        "{out}"
    );
    // The policies are indented, not fenced.
    assert!(
        out.contains("\n    allow random;\n    stdout allow;\n    deny random;\n"),
        "{out}"
    );
    assert!(!out.contains("```"), "{out}");
}

#[test]
fn case_and_leading_zeros_do_not_matter() {
    let upper = virtc(&["explain", "V0020"]);
    for written in ["v0020", "0020", "20", "v20"] {
        let run = virtc(&["explain", written]);
        assert_eq!(
            run.status.code(),
            Some(0),
            "{written}: {}",
            text(&run.stderr)
        );
        assert_eq!(run.stdout, upper.stdout, "{written}");
    }
}

#[test]
fn every_code_is_explained() {
    for (code, meaning) in virtc::codes::CODES {
        let run = virtc(&["explain", code]);
        assert_eq!(run.status.code(), Some(0), "{code}: {}", text(&run.stderr));
        let out = text(&run.stdout);
        assert!(out.starts_with(&format!("{code}: {meaning}\n\n")), "{out}");
        assert!(!out.contains("```"), "{code}: a fence is left:\n{out}");
    }
}

#[test]
fn an_unknown_code_is_an_error_naming_it() {
    for (written, named) in [
        ("V9999", "`V9999`"),
        ("E0308", "`E0308`"),
        ("banana", "`banana`"),
    ] {
        let run = virtc(&["explain", written]);
        assert_eq!(run.status.code(), Some(1), "{written}");
        assert_eq!(text(&run.stdout), "", "{written}");
        let err = text(&run.stderr);
        assert!(
            err.contains(named) && err.contains("not a virtc diagnostic code"),
            "{err}"
        );
        assert!(err.contains("virtc explain --list"), "{err}");
    }
}

#[test]
fn lists_every_code() {
    let run = virtc(&["explain", "--list"]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    let out = text(&run.stdout);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), virtc::codes::CODES.len());
    assert_eq!(lines[0], "V0001  syntax: an unexpected token");
}

#[test]
fn a_code_is_required_without_list() {
    let run = virtc(&["explain"]);
    assert_eq!(run.status.code(), Some(2));
    assert_eq!(text(&run.stdout), "");
    let both = virtc(&["explain", "--list", "V0020"]);
    assert_eq!(both.status.code(), Some(2));
}

#[test]
fn help_shows_examples() {
    let run = virtc(&["explain", "--help"]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    let out = text(&run.stdout);
    for expected in ["CODE", "--list", "virtc explain V0020", "virtc explain v20"] {
        assert!(out.contains(expected), "{expected} missing from:\n{out}");
    }
}
