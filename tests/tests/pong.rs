//! The pong example end to end: the policy compiles, the composed component prints the
//! virtualized value and the embedded greeting, and it imports nothing the policy virtualized.

use virtc_tests::*;

#[test]
fn pong_prints_the_virtual_value() {
    let component = pong();
    // `compile_at` also checks that `virtc inspect` reads the example's policy back.
    let compiled = match compile_at(&repo().join("examples/pong/pong.virt"), Some(&component)) {
        Ok(c) => c,
        Err(e) => panic!("{e:?}"),
    };
    // Rust's std imports wall-clock with the file system; the policy's virtual time answers it,
    // so the checker has nothing to say.
    let codes: Vec<_> = compiled.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, Vec::<&str>::new(), "{:?}", compiled.diagnostics);
    let composed = compiled.composed.as_ref().unwrap();
    let imports = imports(composed);
    for denied in [
        "wasi:cli/environment",
        "wasi:cli/stdin",
        "wasi:cli/stderr",
        "wasi:filesystem",
        "wasi:clocks/wall-clock",
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
        virtc_run::Status::Exited(0),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        text(&out.stdout),
        "ping -> pong demo\npong says hello from an embedded file\n"
    );
}
