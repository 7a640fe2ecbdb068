//! Which functions the adapter exports: those the component imports, so that the code only the
//! others reach is dropped and the component around the module declares no more.

use std::collections::BTreeSet;

use wit_parser::{InterfaceId, LiveTypes, Resolve, WorldId, WorldItem};

use super::interface_of;
use crate::plan::Selection;

/// Whether the component can call the export `name` (a prebuilt name) of the adapter built for
/// `selection`: for a component, the functions it imports of each interface, besides
/// destructors and exports outside the WASI interfaces; the server instance of a serving
/// component uses the adapter's `wasi:http/types` too, which stays whole. Every export of a
/// standalone adapter.
pub fn called(selection: &Selection, name: &str) -> bool {
    let Some(calls) = &selection.calls else {
        return true;
    };
    let name = name.strip_prefix("cabi_post_").unwrap_or(name);
    let Some((key, function)) = interface_of(name).zip(name.split_once('#').map(|(_, f)| f)) else {
        return true;
    };
    function.starts_with("[dtor]")
        || (selection.serve_http && key.0 == "http" && key.1 == "types")
        || calls
            .get(&key)
            .is_some_and(|called| called.contains(function))
}

/// Leaves each interface that `world` exports only the functions the module exports
/// (`exported`: `wasi:io/streams@0.2.6#[method]output-stream.write`), so that wit-component
/// asks for no more. With `types`, also only the types something still names: those functions
/// (of any interface), whatever the world imports, and every other interface's types. A
/// component importing the interface names no more, since its own import types name only what
/// its functions reach (wit-component keeps no others); without a component (`types` false) a
/// later one might, so every type stays.
pub(super) fn trim_exports(
    resolve: &mut Resolve,
    world: WorldId,
    exported: &BTreeSet<&str>,
    types: bool,
) {
    let interfaces: Vec<(String, InterfaceId)> = resolve.worlds[world]
        .exports
        .iter()
        .filter_map(|(key, item)| match item {
            WorldItem::Interface { id, .. } => Some((resolve.name_world_key(key), *id)),
            _ => None,
        })
        .collect();
    for (name, id) in &interfaces {
        resolve.interfaces[*id]
            .functions
            .retain(|function, _| exported.contains(format!("{name}#{function}").as_str()));
    }
    if !types {
        return;
    }
    let trimmed: BTreeSet<InterfaceId> = interfaces.iter().map(|(_, id)| *id).collect();
    let mut live = LiveTypes::default();
    for (id, interface) in resolve.interfaces.iter() {
        for function in interface.functions.values() {
            live.add_func(resolve, function);
        }
        if !trimmed.contains(&id) {
            for ty in interface.types.values() {
                live.add_type_id(resolve, *ty);
            }
        }
    }
    for item in resolve.worlds[world].imports.values() {
        live.add_world_item(resolve, item);
    }
    for id in trimmed {
        resolve.interfaces[id]
            .types
            .retain(|_, ty| live.contains(*ty));
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::codegen::adapter::build;
    use crate::ir::PolicyIr;
    use crate::plan::{Calls, Target, select};

    fn key(package: &str, interface: &str) -> (String, String) {
        (package.to_owned(), interface.to_owned())
    }

    /// A WASI 0.2.6 component writing to stdout: the functions it imports, or every function.
    fn stdout_writer(calls: Option<Calls>) -> Target {
        let mut target = Target::standalone(semver::Version::new(0, 2, 6));
        target.standalone = false;
        target.imports = [
            key("cli", "stdout"),
            key("io", "streams"),
            key("io", "error"),
        ]
        .into_iter()
        .collect();
        target.calls = calls;
        target
    }

    /// The functions of the instance the component `bytes` exports as `name`.
    fn exported_functions(bytes: &[u8], name: &str) -> BTreeSet<String> {
        exported_items(bytes, name, true)
    }

    /// The functions (or the other items) of the instance the component `bytes` exports as
    /// `name`.
    fn exported_items(bytes: &[u8], name: &str, functions: bool) -> BTreeSet<String> {
        let types = wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
            .validate_all(bytes)
            .unwrap();
        let item = types.as_ref().component_item_for_export(name).unwrap();
        let wasmparser::component_types::ComponentEntityType::Instance(id) = item.ty else {
            panic!("{name} is not an instance");
        };
        types[id]
            .exports
            .iter()
            .filter(|(_, item)| {
                functions
                    == matches!(
                        item.ty,
                        wasmparser::component_types::ComponentEntityType::Func(_)
                    )
            })
            .map(|(function, _)| function.clone())
            .collect()
    }

    fn set(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn only_the_functions_the_component_imports_are_exported() {
        let policy = PolicyIr::default();
        let write = "[method]output-stream.blocking-write-and-flush";
        let calls: Calls = BTreeMap::from([
            (key("cli", "stdout"), set(&["get-stdout"])),
            (key("io", "streams"), set(&[write])),
        ]);
        let target = stdout_writer(Some(calls));
        let selection = select(&policy, &target).unwrap();
        let adapter = build(&policy, &selection, &target.versions).unwrap();
        let streams = "wasi:io/streams@0.2.6";
        assert_eq!(exported_functions(&adapter.bytes, streams), set(&[write]));
        assert_eq!(
            exported_functions(&adapter.bytes, "wasi:cli/stdout@0.2.6"),
            set(&["get-stdout"])
        );
        // The component imports no function of `wasi:io/error`: its instance has only types.
        assert_eq!(
            exported_functions(&adapter.bytes, "wasi:io/error@0.2.6"),
            set(&[])
        );

        // Unknown imports (or a standalone adapter): every function.
        let target = stdout_writer(None);
        let selection = select(&policy, &target).unwrap();
        let whole = build(&policy, &selection, &target.versions).unwrap();
        let all = exported_functions(&whole.bytes, streams);
        assert!(all.len() > 10 && all.contains(write), "{all:?}");

        assert!(
            whole.bytes.len() > adapter.bytes.len() + 5_000,
            "{} bytes with every function, {} with two",
            whole.bytes.len(),
            adapter.bytes.len()
        );
    }

    /// Of an exported interface's types, those the kept functions reach; every one when the
    /// component's imports are unknown.
    #[test]
    fn only_the_types_something_names_are_exported() {
        // A tree in memory: the host's file system is not imported.
        let mut policy = PolicyIr::default();
        policy.runtime.files.preopens.push(virtc_policy::Preopen {
            guest: "/tmp".into(),
            source: virtc_policy::PreopenSource::Memory {
                node: None,
                limit: None,
            },
        });
        let mut target = stdout_writer(Some(BTreeMap::from([(
            key("filesystem", "types"),
            set(&["[method]descriptor.stat"]),
        )])));
        target.imports.insert(key("filesystem", "types"));
        let files = "wasi:filesystem/types@0.2.6";
        let types = |target: &Target| {
            let selection = select(&policy, target).unwrap();
            let adapter = build(&policy, &selection, &target.versions).unwrap();
            exported_items(&adapter.bytes, files, false)
        };
        let trimmed = types(&target);
        assert!(trimmed.contains("descriptor-stat"), "{trimmed:?}");
        assert!(!trimmed.contains("advice"), "{trimmed:?}");
        target.calls = None;
        let whole = types(&target);
        assert!(whole.contains("advice") && whole.is_superset(&trimmed));
    }

    #[test]
    fn what_may_be_called() {
        let target = stdout_writer(Some(BTreeMap::from([(
            key("io", "streams"),
            set(&["[method]output-stream.write"]),
        )])));
        let selection = select(&PolicyIr::default(), &target).unwrap();
        let called = |name| called(&selection, name);
        assert!(called("wasi:io/streams@0.2.12#[method]output-stream.write"));
        assert!(called(
            "cabi_post_wasi:io/streams@0.2.12#[method]output-stream.write"
        ));
        assert!(!called("wasi:io/streams@0.2.12#[method]input-stream.read"));
        assert!(!called("wasi:cli/stdout@0.2.12#get-stdout"));
        // Destructors and what is not a WASI function stay.
        assert!(called("wasi:io/streams@0.2.12#[dtor]output-stream"));
        assert!(called("cabi_realloc"));
        assert!(called("virtc:adapter/http-accept#accept"));
        let whole = select(&PolicyIr::default(), &stdout_writer(None)).unwrap();
        assert!(super::called(&whole, "wasi:cli/stdout@0.2.12#get-stdout"));
    }
}
