//! Compacting keeps the component type, on wrappers of worlds with every kind of item.

use super::core_names::short;
use super::*;
use crate::codegen::testing::{LEGACY, ManglingAndAbi, wit, wrapped};

/// The main module's core import and export names.
fn core_names(component: &[u8]) -> Vec<String> {
    let sections = top_level(component).unwrap();
    let main = sections
        .iter()
        .find_map(|s| match &s.payload {
            Top::Module(r) => Some(&component[r.clone()]),
            _ => None,
        })
        .unwrap();
    let mut names = Vec::new();
    for payload in Parser::new(0).parse_all(main) {
        match payload.unwrap() {
            Payload::ImportSection(s) => {
                for i in s.into_imports() {
                    let i = i.unwrap();
                    names.push(i.module.to_owned());
                    names.push(i.name.to_owned());
                }
            }
            Payload::ExportSection(s) => {
                names.extend(s.into_iter().map(|e| e.unwrap().name.to_owned()))
            }
            _ => {}
        }
    }
    names
}

/// The import names of the nested components.
fn nested_import_names(component: &[u8]) -> Vec<String> {
    let mut names = Vec::new();
    for section in top_level(component).unwrap() {
        let Top::Component(r) = section.payload else {
            continue;
        };
        let nested = &component[r];
        for s in top_level(nested).unwrap() {
            if let Top::Imports(r) = s.payload {
                let reader = wasmparser::ComponentImportSectionReader::new(reader_at(nested, &r));
                for import in reader.unwrap() {
                    names.push(import.unwrap().name.name.to_owned());
                }
            }
        }
    }
    names
}

/// Worlds with resources imported and exported, methods, `use`s across interfaces, lists
/// and strings in both directions (lowerings through the shim, post-returns, destructors).
const WORLDS: &[&str] = &[
    "export wasi:cli/run@0.2.6;",
    "import wasi:filesystem/types@0.2.6; import wasi:cli/stdout@0.2.6;
     export wasi:filesystem/types@0.2.6; export wasi:filesystem/preopens@0.2.6;
     export wasi:cli/stdout@0.2.6; export wasi:cli/environment@0.2.6;
     export wasi:clocks/wall-clock@0.2.6; export wasi:random/random@0.2.6;",
    "import wasi:sockets/tcp@0.2.6; import wasi:http/outgoing-handler@0.2.6;
     export wasi:sockets/tcp@0.2.6; export wasi:sockets/ip-name-lookup@0.2.6;
     export wasi:http/types@0.2.6; export wasi:http/outgoing-handler@0.2.6;",
];

/// Compacting keeps the component's type (its WIT) and validity, and leaves no core name
/// of the main module nor import name of a nested component longer than two characters.
#[test]
fn keeps_the_component_type_with_short_core_names() {
    for world in WORLDS {
        let before = wrapped(world, LEGACY);
        let after = compact(&before).unwrap();
        wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
            .validate_all(&after)
            .unwrap_or_else(|e| panic!("{world}: {e}"));
        assert_eq!(wit(&before), wit(&after), "{world}");
        let names = core_names(&after);
        assert!(!names.is_empty());
        let nested = nested_import_names(&after);
        assert!(!nested.is_empty(), "{world}");
        assert!(nested.iter().all(|n| n.len() <= 2), "{world}: {nested:?}");
        assert!(names.iter().all(|n| n.len() <= 2), "{world}: {names:?}");
        assert!(
            after.len() + 200 < before.len(),
            "{world}: {} → {} bytes",
            before.len(),
            after.len()
        );
        // Compacting again changes nothing.
        assert_eq!(compact(&after).unwrap(), after, "{world}");
    }
}

/// A wrapper that gives the main instance to another module (which calls its exported
/// `cm32p2_initialize`, in the standard name mangling) keeps its names, and its type.
#[test]
fn a_main_instance_used_by_name_keeps_its_names() {
    let before = wrapped(WORLDS[1], ManglingAndAbi::Standard32);
    let after = compact(&before).unwrap();
    assert_eq!(core_names(&before), core_names(&after));
    assert_eq!(wit(&before), wit(&after));
    wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
        .validate_all(&after)
        .unwrap();
}

/// A wrapper whose wiring is not the expected one keeps its names (here: a component with
/// no core module at all), losing only its debugging names.
#[test]
fn other_layouts_keep_their_names() {
    let mut component = wasm_encoder::Component::new();
    component.section(&wasm_encoder::CustomSection {
        name: "component-name".into(),
        data: b"\0\x01x".as_slice().into(),
    });
    let bytes = component.finish();
    assert_eq!(
        compact(&bytes).unwrap(),
        wasm_encoder::Component::new().finish()
    );
}

#[test]
fn short_names_are_distinct_and_short() {
    let names: Vec<String> = (0..62 * 63 + 5).map(short).collect();
    let distinct: std::collections::HashSet<_> = names.iter().collect();
    assert_eq!(distinct.len(), names.len());
    assert!(names[..62].iter().all(|n| n.len() == 1));
    assert!(names[62..62 * 63].iter().all(|n| n.len() == 2));
    assert_eq!(names[0], "0");
}
