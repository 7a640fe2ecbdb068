//! Components for tests: wit-component's wrapping of a module with the imports and exports of a
//! world over WASI, and a component's type printed as WIT.

use super::compact::without_initialize;
use super::wasi_wit;
use crate::versions::Versions;
use wit_component::{ComponentEncoder, StringEncoding, embed_component_metadata};
use wit_parser::LiftLowerAbi;
pub use wit_parser::ManglingAndAbi;

/// The names wit-bindgen gives, as the adapter has them.
pub const LEGACY: ManglingAndAbi = ManglingAndAbi::Legacy(LiftLowerAbi::Sync);

/// wit-component's component for a module with the imports and exports of `world` (WIT
/// items over WASI 0.2.6), each function a trap.
pub fn wrapped(world: &str, mangling: ManglingAndAbi) -> Vec<u8> {
    let versions = Versions::uniform(semver::Version::new(0, 2, 6));
    let mut resolve = wasi_wit::resolve(&versions).unwrap();
    let text = format!("package virtc:test;\n\nworld w {{\n{world}\n}}\n");
    let pkg = resolve.push_source("w.wit", &text).unwrap();
    let world = resolve.select_world(&[pkg], Some("w")).unwrap();
    let mut module = wit_component::dummy_module(&resolve, world, mangling);
    if mangling == LEGACY {
        module = without_initialize(&module).unwrap();
    }
    embed_component_metadata(&mut module, &resolve, world, StringEncoding::UTF8, false).unwrap();
    ComponentEncoder::default()
        .module(&module)
        .unwrap()
        .validate(true)
        .encode()
        .unwrap()
}

/// The component's type, printed as WIT.
pub fn wit(component: &[u8]) -> String {
    let wit_component::DecodedWasm::Component(resolve, world) =
        wit_component::decode(component).unwrap()
    else {
        panic!("not a component");
    };
    let main = resolve.worlds[world].package.unwrap();
    let others: Vec<_> = resolve
        .packages
        .iter()
        .map(|(id, _)| id)
        .filter(|id| *id != main)
        .collect();
    let mut printer = wit_component::WitPrinter::default();
    printer.print(&resolve, main, &others).unwrap();
    printer.output.to_string()
}
