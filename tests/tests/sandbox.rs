//! `use std::sandbox;` leaves a component that only computes with no WASI imports at all.

use virtc_run::Status;
use virtc_tests::*;

#[test]
fn sandboxed_compute_has_no_imports() {
    let compiled = compile_ok(
        "use std::sandbox; env PROBE = \"compute\";",
        &guest("probe"),
    );
    let composed = compiled.composed.as_ref().unwrap();
    assert_eq!(imports(composed), Vec::<String>::new());
    assert!(
        exports(composed)
            .iter()
            .any(|e| e.starts_with("wasi:cli/run@"))
    );
    let out = run(&compiled, &[], &[("SECRET", "x")], "");
    assert_eq!(out.status, Status::Exited(0));
    assert_eq!(text(&out.stdout), "", "stdout is ignored");
}

#[test]
fn sandbox_with_stdout_imports_only_stdout() {
    let compiled = compile_ok(
        "use std::sandbox; stdout allow; env PROBE = \"compute\";",
        &guest("probe"),
    );
    let imports = imports(compiled.composed.as_ref().unwrap());
    assert!(
        imports.iter().all(|i| [
            "wasi:cli/stdout@",
            "wasi:cli/terminal-stdout@",
            "wasi:cli/terminal-output@",
            "wasi:io/"
        ]
        .iter()
        .any(|p| i.starts_with(p))),
        "{imports:?}"
    );
    let out = run(&compiled, &[], &[], "");
    assert_eq!(text(&out.stdout), "fib: 12586269025\n");
}

#[test]
fn output_is_deterministic() {
    let a = compile_ok("use std::sandbox; stdout allow;", &guest("probe"));
    let b = compile_ok("use std::sandbox; stdout allow;", &guest("probe"));
    assert_eq!(a.composed, b.composed);
    assert_eq!(a.adapter.bytes, b.adapter.bytes);
}
