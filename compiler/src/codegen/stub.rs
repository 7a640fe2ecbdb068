//! `deny import`: a component that exports the denied interfaces with every function trapping,
//! plugged into the output so that it no longer imports them. The interfaces' types come from
//! the component itself (decoded with wit-component), since virtc has no WIT of its own for
//! interfaces outside the registry.

use super::error::{StubError, why};
use wit_component::{ComponentEncoder, DecodedWasm, StringEncoding, embed_component_metadata};
use wit_parser::{LiftLowerAbi, ManglingAndAbi, WorldItem};

use super::compact;

const STUB_MANGLING: ManglingAndAbi = ManglingAndAbi::Legacy(LiftLowerAbi::Sync);

/// A function imported or exported at the top of `component` under an interface's name
/// (`x:y/z`), which the component model allows and wit-component's decoder panics on.
fn interface_named_function(component: &[u8]) -> Option<String> {
    use wasmparser::{ComponentExternalKind, ComponentTypeRef, Parser, Payload};
    let mut depth = 0usize;
    for payload in Parser::new(0).parse_all(component) {
        match payload.ok()? {
            Payload::Version { .. } => depth += 1,
            Payload::End(_) => depth = depth.saturating_sub(1),
            Payload::ComponentImportSection(imports) if depth == 1 => {
                for import in imports.into_iter().flatten() {
                    if matches!(import.ty, ComponentTypeRef::Func(_))
                        && import.name.name.contains(':')
                    {
                        return Some(import.name.name.to_owned());
                    }
                }
            }
            Payload::ComponentExportSection(exports) if depth == 1 => {
                for export in exports.into_iter().flatten() {
                    if export.kind == ComponentExternalKind::Func && export.name.name.contains(':')
                    {
                        return Some(export.name.name.to_owned());
                    }
                }
            }
            _ => {}
        }
    }
    None
}

/// A component exporting `denied` (import names of `component`, with versions), each function
/// a trap.
pub fn build(component: &[u8], denied: &[String]) -> Result<Vec<u8>, StubError> {
    if let Some(name) = interface_named_function(component) {
        return Err(StubError::Decode {
            why: format!(
                "the function `{name}` has an interface's name, which wit-component cannot decode"
            ),
        });
    }
    // wit-component's decoder trusts what validation leaves open; a panic it still has is
    // this component's error, not the end of virtc.
    let decoded = catch_quietly(|| wit_component::decode(component))
        .map_err(|panic| StubError::Decode {
            why: format!("wit-component's decoder failed on it ({panic})"),
        })?
        .map_err(|e| StubError::Decode { why: why(e) })?;
    let DecodedWasm::Component(mut resolve, guest_world) = decoded else {
        return Err(StubError::Decode {
            why: "it is a WIT package, not a component".into(),
        });
    };
    let mut world = String::from("package virtc:stub;\n\nworld stub {\n");
    for (key, item) in &resolve.worlds[guest_world].imports {
        let name = resolve.name_world_key(key);
        if !denied.contains(&name) {
            continue;
        }
        match item {
            WorldItem::Interface { .. } => world.push_str(&format!("  export {name};\n")),
            _ => return Err(StubError::NotAnInterface { name }),
        }
    }
    world.push_str("}\n");
    let world_id = resolve
        .push_source("virtc-stub.wit", &world)
        .and_then(|pkg| resolve.select_world(&[pkg], Some("stub")))
        .map_err(|e| StubError::World {
            world: world.clone(),
            why: why(e),
        })?;
    // wit-bindgen's names (those the adapter has) and no `_initialize`: then the wrapper's
    // core names can be shortened (a stub for all of `wasi:sockets`, which componentize-py
    // imports: 58.7 → 25.7 KB).
    let module = wit_component::dummy_module(&resolve, world_id, STUB_MANGLING);
    let mut module =
        compact::without_initialize(&module).map_err(|e| StubError::Encode { why: why(e) })?;
    embed_component_metadata(&mut module, &resolve, world_id, StringEncoding::UTF8, false)
        .and_then(|()| {
            ComponentEncoder::default()
                .module(&module)?
                .validate(true)
                .encode()
        })
        .map_err(|e| StubError::Encode { why: why(e) })
        .and_then(|bytes| compact::compact(&bytes).map_err(|e| StubError::Encode { why: why(e) }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_encoder::{
        Component, ComponentImportSection, ComponentTypeRef, ComponentTypeSection, InstanceType,
        PrimitiveValType,
    };

    /// A component importing the instance `my:pkg/iface` (one function) and, when `odd`, a
    /// function named `x:pkg/f` as if it were an interface.
    fn component(odd: bool) -> Vec<u8> {
        let mut types = ComponentTypeSection::new();
        types
            .function()
            .params::<[(&str, wasm_encoder::ComponentValType); 0], _>([])
            .result(Some(PrimitiveValType::U32.into()));
        let mut instance = InstanceType::new();
        instance
            .ty()
            .function()
            .params::<[(&str, wasm_encoder::ComponentValType); 0], _>([])
            .result(Some(PrimitiveValType::U32.into()));
        instance.export("get", wasm_encoder::ComponentTypeRef::Func(0));
        types.instance(&instance);
        let mut imports = ComponentImportSection::new();
        if odd {
            imports.import("x:pkg/f", ComponentTypeRef::Func(0));
        }
        imports.import("my:pkg/iface", ComponentTypeRef::Instance(1));
        let mut c = Component::new();
        c.section(&types);
        c.section(&imports);
        c.finish()
    }

    /// Found by fuzzing (`component_imports`): wit-component's decoder panicked on a function
    /// imported under an interface's name, which validation allows.
    #[test]
    fn a_function_with_an_interface_name_is_an_error_not_a_panic() {
        let denied = ["my:pkg/iface".to_owned()];
        let odd = component(true);
        wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
            .validate_all(&odd)
            .expect("the component model allows it");
        let error = build(&odd, &denied).unwrap_err();
        assert_eq!(
            error.to_string(),
            "the component's interfaces cannot be read: the function `x:pkg/f` has an interface's name, which wit-component cannot decode"
        );
        // Without it, the stub builds.
        build(&component(false), &denied).unwrap();
    }
}

thread_local! {
    /// Whether a panic on this thread is being caught by [`catch_quietly`].
    static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f`, turning a panic into its message, which the panic hook does not print (the caller
/// reports it as an error of its own). The hook in place before the first call keeps handling
/// every other panic.
fn catch_quietly<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(std::cell::Cell::get) {
                previous(info);
            }
        }));
    });
    let was = QUIET.with(|quiet| quiet.replace(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    QUIET.with(|quiet| quiet.set(was));
    result.map_err(|payload| {
        payload
            .downcast_ref::<&str>()
            .map(|message| (*message).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic without a message".to_owned())
    })
}

#[cfg(test)]
mod quiet_tests {
    use super::catch_quietly;

    #[test]
    fn a_caught_panic_is_its_message() {
        assert_eq!(catch_quietly(|| 7), Ok(7));
        let caught = catch_quietly(|| -> u8 { panic!("decoder gave up at {}", 3) });
        assert_eq!(caught, Err("decoder gave up at 3".to_owned()));
        let caught = catch_quietly(|| -> u8 { std::panic::panic_any(5_u32) });
        assert_eq!(caught, Err("a panic without a message".to_owned()));
        // Outside, panics are as they were: still caught by catch_unwind, hook and all.
        assert!(std::panic::catch_unwind(|| panic!("outside")).is_err());
    }
}
