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
    assert!(composed_directly(composed), "composed by wac, not directly");
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

/// The adapter composed into pong exports, of each interface, only the functions pong imports
/// (and those it imports itself from the host under the same name, which an interface both
/// imported and exported must declare): the rest of each interface and its code are left out.
#[test]
fn pongs_adapter_exports_only_what_pong_calls() {
    use virtc::codegen::component_info::ComponentInfo;
    let component = pong();
    let compiled = match compile_plain(&repo().join("examples/pong/pong.virt"), Some(&component)) {
        Ok(c) => c,
        Err(e) => panic!("{e:?}"),
    };
    let pong = ComponentInfo::read(&component).unwrap();
    let host = ComponentInfo::read(&compiled.adapter.bytes).unwrap();
    let types = wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
        .validate_all(&compiled.adapter.bytes)
        .unwrap();
    let none = Default::default();
    for name in &compiled.adapter.exports {
        let item = types.as_ref().component_item_for_export(name).unwrap();
        let wasmparser::component_types::ComponentEntityType::Instance(id) = item.ty else {
            panic!("{name} is not an instance");
        };
        let called = pong.import_functions.get(name).unwrap_or(&none);
        let imported = host.import_functions.get(name).unwrap_or(&none);
        for (function, item) in &types[id].exports {
            if matches!(
                item.ty,
                wasmparser::component_types::ComponentEntityType::Func(_)
            ) {
                assert!(
                    called.contains(function) || imported.contains(function),
                    "{name} exports {function}, which pong does not import"
                );
            }
        }
    }
    // Descriptors are the embedded tree's: exactly pong's seven methods and nothing else.
    let files = "wasi:filesystem/types@0.2.6";
    let exported = types.as_ref().component_item_for_export(files).unwrap();
    let wasmparser::component_types::ComponentEntityType::Instance(id) = exported.ty else {
        panic!("{files} is not an instance");
    };
    let functions = types[id]
        .exports
        .values()
        .filter(|item| {
            matches!(
                item.ty,
                wasmparser::component_types::ComponentEntityType::Func(_)
            )
        })
        .count();
    assert_eq!(functions, pong.import_functions[files].len());
    assert!(functions < 12, "{functions} functions");
}
