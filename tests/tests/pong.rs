//! The pong example end to end: the policy compiles, the composed component prints the
//! virtualized value and the embedded greeting, and it imports nothing the policy virtualized.

use virtc::db::Database;
use virtc::driver::{self, Input};
use virtc_tests::*;

#[test]
fn pong_prints_the_virtual_value() {
    let db = Database::default();
    let root = driver::load_policy(&db, &repo().join("examples/pong/pong.virt"))
        .ok()
        .unwrap();
    let component = pong();
    let input = Input {
        name: "pong.wasm",
        bytes: &component,
    };
    let compiled = match driver::compile(&db, root, Some(&input), None) {
        Ok(c) => c,
        Err(e) => panic!("{e:?}"),
    };
    // Rust's std imports wall-clock with the file system; the policy denies clocks, which the
    // checker points out as a warning, nothing else.
    let codes: Vec<_> = compiled.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["V0040"], "{:?}", compiled.diagnostics);
    let composed = compiled.composed.as_ref().unwrap();
    let imports = imports(composed);
    for denied in [
        "wasi:cli/environment",
        "wasi:cli/stdin",
        "wasi:cli/stderr",
        "wasi:filesystem",
        "wasi:clocks",
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
