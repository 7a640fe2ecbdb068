//! Interfaces without an error channel (random, clocks, exit): allowed they work, denied they
//! trap, and the checker warns when the component imports them.

use virtc_run::Status;
use virtc_tests::*;

fn probe(scenario: &str, policy: &str) -> (virtc::driver::Compiled, virtc_run::Outcome) {
    let compiled = compile_ok(
        &format!("env PROBE = \"{scenario}\"; stdout allow; {policy}"),
        &guest("probe"),
    );
    let out = run(&compiled, &[], &[], "");
    (compiled, out)
}

fn trapped(out: &virtc_run::Outcome) -> String {
    match &out.status {
        Status::Trapped(message) => message.clone(),
        other => panic!("expected a trap, got {other:?}: {}", text(&out.stdout)),
    }
}

#[test]
fn random_allowed_and_denied() {
    let (compiled, out) = probe("random", "allow random;");
    assert_eq!(text(&out.stdout), "hashmap: 1\n");
    assert!(
        imports(compiled.composed.as_ref().unwrap())
            .iter()
            .any(|i| i.starts_with("wasi:random/insecure-seed"))
    );

    let (compiled, out) = probe("random", "deny random;");
    assert!(trapped(&out).contains("unreachable"), "{}", trapped(&out));
    assert!(
        !imports(compiled.composed.as_ref().unwrap())
            .iter()
            .any(|i| i.starts_with("wasi:random"))
    );
    let warning = compiled
        .diagnostics
        .iter()
        .find(|d| d.code == "V0040" && d.message.contains("wasi:random"))
        .expect("a trap warning");
    assert!(
        warning.message.contains("wasi:random/insecure-seed"),
        "{}",
        warning.message
    );
}

#[test]
fn clocks_allowed_and_denied() {
    let (compiled, out) = probe("clocks", "allow clocks;");
    assert_eq!(text(&out.stdout), "monotonic: true\nwall: true\n");
    let imports_allowed = imports(compiled.composed.as_ref().unwrap());
    assert!(
        imports_allowed
            .iter()
            .any(|i| i.starts_with("wasi:clocks/monotonic-clock")),
        "{imports_allowed:?}"
    );

    let (compiled, out) = probe("clocks", "");
    trapped(&out);
    let imports_denied = imports(compiled.composed.as_ref().unwrap());
    assert!(
        !imports_denied.iter().any(|i| i.starts_with("wasi:clocks")),
        "{imports_denied:?}"
    );
    assert!(
        compiled
            .diagnostics
            .iter()
            .any(|d| d.code == "V0040" && d.message.contains("wasi:clocks"))
    );
}

#[test]
fn exit_allowed_and_denied() {
    // Rust's std reports `exit(7)` through wasi:cli/exit as a failure, which hosts turn into 1;
    // what matters is that the host's exit is called, not a trap.
    let (_, out) = probe("exit", "allow exit;");
    assert_eq!(out.status, Status::Exited(1));
    let (compiled, out) = probe("exit", "deny exit;");
    trapped(&out);
    assert!(
        !imports(compiled.composed.as_ref().unwrap())
            .iter()
            .any(|i| i.starts_with("wasi:cli/exit"))
    );
}

#[test]
fn denied_files_are_a_wasi_error_not_a_trap() {
    let (compiled, out) = probe("fs", "deny fs;");
    assert_eq!(out.status, Status::Exited(0));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("read_dir /: error"), "{stdout}");
    assert!(stdout.contains("read /etc/passwd: error"), "{stdout}");
    assert!(stdout.contains("write /tmp/x: error"), "{stdout}");
    assert!(
        !imports(compiled.composed.as_ref().unwrap())
            .iter()
            .any(|i| i.starts_with("wasi:filesystem"))
    );
}
