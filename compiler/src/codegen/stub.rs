//! `deny import`: a component that exports the denied interfaces with every function trapping,
//! plugged into the output so that it no longer imports them. The interfaces' types come from
//! the component itself (decoded with wit-component), since virtc has no WIT of its own for
//! interfaces outside the registry.

use anyhow::{Context, Result, anyhow, bail};
use wit_component::{ComponentEncoder, DecodedWasm, StringEncoding, embed_component_metadata};
use wit_parser::{ManglingAndAbi, WorldItem};

/// A component exporting `denied` (import names of `component`, with versions), each function
/// a trap.
pub fn build(component: &[u8], denied: &[String]) -> Result<Vec<u8>> {
    let decoded = wit_component::decode(component)
        .context("the component's interfaces cannot be read to stub them")?;
    let DecodedWasm::Component(mut resolve, guest_world) = decoded else {
        bail!("the input is not a component");
    };
    let mut world = String::from("package virtc:stub;\n\nworld stub {\n");
    for (key, item) in &resolve.worlds[guest_world].imports {
        let name = resolve.name_world_key(key);
        if !denied.contains(&name) {
            continue;
        }
        match item {
            WorldItem::Interface { .. } => world.push_str(&format!("  export {name};\n")),
            _ => bail!("`{name}` is not an interface; only interfaces can be stubbed out"),
        }
    }
    world.push_str("}\n");
    let pkg = resolve
        .push_source("virtc-stub.wit", &world)
        .with_context(|| format!("the stub world does not resolve:\n{world}"))?;
    let world_id = resolve.select_world(&[pkg], Some("stub"))?;
    let mut module = wit_component::dummy_module(&resolve, world_id, ManglingAndAbi::Standard32);
    embed_component_metadata(&mut module, &resolve, world_id, StringEncoding::UTF8, false)?;
    ComponentEncoder::default()
        .module(&module)
        .map_err(|e| anyhow!("the stub module is not a valid component core: {e:#}"))?
        .validate(true)
        .encode()
        .context("encoding the stub component failed")
}
