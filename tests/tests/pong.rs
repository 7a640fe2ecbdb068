//! The pong example end to end: the policy compiles, the composed component prints the
//! virtualized value, and it imports nothing the policy virtualized.

use virtc_tests::*;

#[test]
fn pong_prints_the_virtual_value() {
    let policy = std::fs::read_to_string(repo().join("examples/pong/pong.virt")).unwrap();
    let compiled = compile_ok(&policy, &pong());
    let composed = compiled.composed.as_ref().unwrap();
    let imports = imports(composed);
    for denied in [
        "wasi:cli/environment",
        "wasi:cli/stdin",
        "wasi:cli/stderr",
        "wasi:filesystem",
    ] {
        assert!(
            !imports.iter().any(|i| i.starts_with(denied)),
            "{denied} is imported: {imports:?}"
        );
    }
    assert!(imports.iter().all(|i| i.ends_with("@0.2.6")), "{imports:?}");
    let out = run(
        &compiled,
        &[],
        &[("PONG", "from-host"), ("HOME", "/root")],
        "",
    );
    assert_eq!(
        out.status,
        virtc::run::Status::Exited(0),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(text(&out.stdout), "ping -> pong demo\n");
}
