//! Which functions the adapter exports: those the component imports, so that the code only the
//! others reach is dropped and the component around the module declares no more.

use std::collections::BTreeSet;

use wit_parser::{InterfaceId, Resolve, WorldId, WorldItem};

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
/// asks for no more. Types stay: the component's imports may name any of them.
pub(super) fn trim_exports(resolve: &mut Resolve, world: WorldId, exported: &BTreeSet<&str>) {
    let interfaces: Vec<(String, InterfaceId)> = resolve.worlds[world]
        .exports
        .iter()
        .filter_map(|(key, item)| match item {
            WorldItem::Interface { id, .. } => Some((resolve.name_world_key(key), *id)),
            _ => None,
        })
        .collect();
    for (name, id) in interfaces {
        resolve.interfaces[id]
            .functions
            .retain(|function, _| exported.contains(format!("{name}#{function}").as_str()));
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
                matches!(
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
