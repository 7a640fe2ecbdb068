//! `deny import`: a component that exports the denied interfaces with every function trapping,
//! plugged into the output so that it no longer imports them. The interfaces' types come from
//! the component itself (decoded with wit-component), since virtc has no WIT of its own for
//! interfaces outside the registry.

use super::error::{StubError, why};
use wit_component::{ComponentEncoder, DecodedWasm, StringEncoding, embed_component_metadata};
use wit_parser::{ManglingAndAbi, WorldItem};

/// A component exporting `denied` (import names of `component`, with versions), each function
/// a trap.
pub fn build(component: &[u8], denied: &[String]) -> Result<Vec<u8>, StubError> {
    let decoded =
        wit_component::decode(component).map_err(|e| StubError::Decode { why: why(e) })?;
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
