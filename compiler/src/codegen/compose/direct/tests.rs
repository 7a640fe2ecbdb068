//! The direct composition: valid, of the component type wac's composition has, smaller; what it
//! does not compose is left to wac, and a misfit is still named.

use super::*;
use crate::codegen::compact::{compact, without_initialize};
use crate::codegen::compose::compose as compose_any;
use crate::codegen::error::ComposeError;
use crate::codegen::testing::{LEGACY, wit, wrapped};
use wit_component::{ComponentEncoder, StringEncoding, embed_component_metadata};

/// A plug as the adapter is made: host interfaces imported, virtual ones exported (resources,
/// methods and `use`s among them), compacted.
fn plug() -> Vec<u8> {
    compact(&wrapped(
        "import wasi:cli/stdout@0.2.6; import wasi:cli/exit@0.2.6;
         export wasi:cli/environment@0.2.6; export wasi:cli/stdout@0.2.6;
         export wasi:filesystem/types@0.2.6; export wasi:filesystem/preopens@0.2.6;",
        LEGACY,
    ))
    .unwrap()
}

/// The imports and exports of a component's world, sorted.
fn items(component: &[u8]) -> Vec<String> {
    let text = wit(component);
    let mut items: Vec<String> = text
        .lines()
        .filter(|l| l.starts_with("  import ") || l.starts_with("  export "))
        .map(str::to_owned)
        .collect();
    items.sort();
    items
}

fn valid(component: &[u8]) {
    wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
        .validate_all(component)
        .unwrap();
}

/// The component's imports: from the plug (environment, stdout, preopens and the filesystem
/// types they use), the host interface the plug imports too (exit), and one only it imports
/// (random, by its own type). Composed directly, the result is valid, has wac's imports and
/// exports, and is smaller.
#[test]
fn composes_what_wac_composes_in_fewer_bytes() {
    let guest = wrapped(
        "import wasi:cli/environment@0.2.6; import wasi:cli/stdout@0.2.6;
         import wasi:filesystem/preopens@0.2.6; import wasi:cli/exit@0.2.6;
         import wasi:random/random@0.2.6; export wasi:cli/run@0.2.6;",
        LEGACY,
    );
    let plug = plug();
    let direct = compose(&guest, &plug).unwrap().expect("composed directly");
    valid(&direct.bytes);
    // What `compose` gives is this composition.
    assert_eq!(compose_any(&guest, &plug).unwrap(), direct.bytes);
    // wac's, by the path taken when the direct one does not apply.
    let wac = wac_composition(&guest, &plug);
    valid(&wac);
    assert_eq!(items(&direct.bytes), items(&wac));
    let imports: Vec<String> = items(&direct.bytes)
        .into_iter()
        .filter(|i| i.starts_with("  import"))
        .collect();
    assert!(imports.iter().any(|i| i.contains("wasi:random/random")));
    assert!(imports.iter().any(|i| i.contains("wasi:cli/exit")));
    assert!(!imports.iter().any(|i| i.contains("environment")));
    assert!(
        direct.bytes.len() + 300 < wac.len(),
        "{} vs {} bytes",
        direct.bytes.len(),
        wac.len()
    );
    // The component's code is trusted where it was copied as it was.
    assert!(!direct.trusted.is_empty());
    for r in &direct.trusted {
        let part = &direct.bytes[r.clone()];
        assert!(guest.windows(part.len()).any(|w| w == part));
    }
}

/// wac's composition of `plug` into `guest`.
fn wac_composition(guest: &[u8], plug: &[u8]) -> Vec<u8> {
    // A plug with a custom section first is not of the direct shape (its imports do not
    // come first): the wac path composes it.
    let mut shifted = plug[..8].to_vec();
    let custom = wasm_encoder::CustomSection {
        name: "virtc-test".into(),
        data: b"".into(),
    };
    shifted.push(ComponentSectionId::CoreCustom as u8);
    custom.encode(&mut shifted);
    shifted.extend_from_slice(&plug[8..]);
    assert!(compose(guest, &shifted).unwrap().is_none());
    compose_any(guest, &shifted).unwrap()
}

/// A component that imports a function, or an interface the plug does not export by a type
/// that names the types of another, is composed by wac.
#[test]
fn leaves_other_shapes_to_wac() {
    let plug = plug();
    for world in [
        "import wasi:cli/environment@0.2.6; import f: func(); export wasi:cli/run@0.2.6;",
        "import wasi:cli/environment@0.2.6; import wasi:cli/stderr@0.2.6;
         export wasi:cli/run@0.2.6;",
    ] {
        let guest = wrapped(world, LEGACY);
        assert!(compose(&guest, &plug).unwrap().is_none(), "{world}");
    }
    let guest = wrapped(
        "import wasi:cli/environment@0.2.6; import f: func(); export wasi:cli/run@0.2.6;",
        LEGACY,
    );
    let composed = compose_any(&guest, &plug).unwrap();
    valid(&composed);
    assert!(items(&composed).iter().any(|i| i == "  import f: func();"));
}

/// A component whose `wasi:cli/environment` is not WASI's: the direct composition does not
/// validate, and wac's path names the misfit.
#[test]
fn a_misfit_is_named() {
    let fake = "package wasi:cli@0.2.6;
        interface environment { get-environment: func() -> list<tuple<string, u32>>; }
        interface runner { run: func(); }
        world w { import environment; export runner; }";
    let mut resolve = wit_parser::Resolve::default();
    let pkg = resolve.push_str("fake.wit", fake).unwrap();
    let world = resolve.select_world(&[pkg], Some("w")).unwrap();
    let mut module = wit_component::dummy_module(&resolve, world, LEGACY);
    module = without_initialize(&module).unwrap();
    embed_component_metadata(&mut module, &resolve, world, StringEncoding::UTF8, false).unwrap();
    let guest = ComponentEncoder::default()
        .module(&module)
        .unwrap()
        .validate(true)
        .encode()
        .unwrap();
    let direct = compose(&guest, &plug())
        .unwrap()
        .expect("of the direct shape");
    assert!(
        wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
            .validate_all(&direct.bytes)
            .is_err()
    );
    match compose_any(&guest, &plug()) {
        Err(ComposeError::Misfit { interface, .. }) => {
            assert_eq!(interface, "wasi:cli/environment@0.2.6")
        }
        other => panic!("{:?}", other.map(|b| b.len())),
    }
}
