//! `deny import`: a component that exports the denied interfaces with every function trapping,
//! plugged into the output so that it no longer imports them. The interfaces' types come from
//! the component itself (decoded with wit-component), since virtc has no WIT of its own for
//! interfaces outside the registry.

use super::error::{StubError, why};
use wit_component::{ComponentEncoder, DecodedWasm, StringEncoding, embed_component_metadata};
use wit_parser::{ManglingAndAbi, WorldItem};

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
    let decoded = std::panic::catch_unwind(|| wit_component::decode(component))
        .map_err(|_| StubError::Decode {
            why: "wit-component's decoder failed on it".into(),
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
    let mut module = wit_component::dummy_module(&resolve, world_id, ManglingAndAbi::Standard32);
    embed_component_metadata(&mut module, &resolve, world_id, StringEncoding::UTF8, false)
        .and_then(|()| {
            ComponentEncoder::default()
                .module(&module)?
                .validate(true)
                .encode()
        })
        .map_err(|e| StubError::Encode { why: why(e) })
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
