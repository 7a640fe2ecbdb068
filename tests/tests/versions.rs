//! The output keeps the component's own WASI versions: guests importing 0.2.0, 0.2.3 and 0.2.6
//! all compose, import nothing newer, and run.

use virtc_run::Status;
use virtc_tests::*;

fn check(version: &str) {
    let original = guest("probe");
    let guest = if version == "0.2.6" {
        original
    } else {
        retarget_imports(&original, "0.2.6", version)
    };
    assert!(
        imports(&guest)
            .iter()
            .filter(|i| i.starts_with("wasi:"))
            .all(|i| i.ends_with(&format!("@{version}")))
    );
    let compiled = compile_ok(
        r#"env PROBE = "env"; env V = "x"; stdout allow; stderr ignore; allow random;"#,
        &guest,
    );
    let composed = compiled.composed.as_ref().unwrap();
    let imports = imports(composed);
    assert!(!imports.is_empty());
    for i in &imports {
        assert!(
            i.ends_with(&format!("@{version}")),
            "{i} is not at {version}"
        );
    }
    let out = run(&compiled, &[], &[], "");
    assert_eq!(out.status, Status::Exited(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "var: PROBE=env\nvar: V=x\nargs: []\ncwd: Some(\"/\")\n"
    );
}

#[test]
fn wasi_0_2_0() {
    check("0.2.0");
}

#[test]
fn wasi_0_2_3() {
    check("0.2.3");
}

#[test]
fn wasi_0_2_6() {
    check("0.2.6");
}

#[test]
fn standalone_adapter_at_a_chosen_version() {
    let compiled = compile("env A = \"b\";", None).ok().unwrap();
    assert!(compiled.composed.is_none());
    let exports = exports(&compiled.adapter.bytes);
    assert!(
        exports.contains(&"wasi:cli/environment@0.2.6".to_string()),
        "{exports:?}"
    );
    assert!(
        imports(&compiled.adapter.bytes).is_empty(),
        "a fully virtual adapter imports nothing"
    );
}
