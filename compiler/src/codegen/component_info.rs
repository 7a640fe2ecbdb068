//! Reads what a user's component imports and exports, and says clearly when the input is not a
//! component at all.

use std::collections::{BTreeMap, BTreeSet};

use virtc_policy::registry;
use wasmparser::component_types::ComponentEntityType;
use wasmparser::{Encoding, Parser, Payload};

use super::wasi_wit::{self, Versions};
use crate::plan::{Calls, InterfaceKey, Target};

/// The top-level imports and exports of a component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComponentInfo {
    pub imports: Vec<String>,
    pub exports: Vec<String>,
    /// Per imported instance: the names of its functions.
    pub import_functions: BTreeMap<String, BTreeSet<String>>,
}

/// Why bytes are not a usable component; the message completes "`FILE` …".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotAComponent(pub String);

impl std::fmt::Display for NotAComponent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl ComponentInfo {
    pub fn read(bytes: &[u8]) -> Result<ComponentInfo, NotAComponent> {
        if bytes.len() < 8 || &bytes[..4] != b"\0asm" {
            return Err(NotAComponent("is not a WebAssembly file".into()));
        }
        if Parser::is_core_wasm(bytes) {
            return Err(NotAComponent(
                "is a core WebAssembly module, not a component (make one with `wasm-tools component new`, or build for wasm32-wasip2)".into(),
            ));
        }
        let mut info = ComponentInfo {
            imports: Vec::new(),
            exports: Vec::new(),
            import_functions: BTreeMap::new(),
        };
        let mut depth = 0usize;
        for payload in Parser::new(0).parse_all(bytes) {
            let payload =
                payload.map_err(|e| NotAComponent(format!("is not a valid component: {e}")))?;
            match payload {
                Payload::Version { encoding, .. } => {
                    if depth == 0 && encoding != Encoding::Component {
                        return Err(NotAComponent("is not a component".into()));
                    }
                    depth += 1;
                }
                Payload::End(_) => depth = depth.saturating_sub(1),
                Payload::ComponentImportSection(s) if depth == 1 => {
                    for import in s {
                        let import = import
                            .map_err(|e| NotAComponent(format!("is not a valid component: {e}")))?;
                        info.imports.push(import.name.name.to_owned());
                    }
                }
                Payload::ComponentExportSection(s) if depth == 1 => {
                    for export in s {
                        let export = export
                            .map_err(|e| NotAComponent(format!("is not a valid component: {e}")))?;
                        info.exports.push(export.name.name.to_owned());
                    }
                }
                _ => {}
            }
        }
        let types = wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
            .validate_all(bytes)
            .map_err(|e| NotAComponent(format!("is not a valid component: {e}")))?;
        for name in &info.imports {
            let item = types.as_ref().component_item_for_import(name);
            if let Some(ComponentEntityType::Instance(id)) = item.map(|i| i.ty) {
                let functions = types[id]
                    .exports
                    .iter()
                    .filter(|(_, item)| matches!(item.ty, ComponentEntityType::Func(_)))
                    .map(|(function, _)| function.clone())
                    .collect();
                info.import_functions.insert(name.clone(), functions);
            }
        }
        Ok(info)
    }

    /// The WASI interfaces this component imports and their versions.
    pub fn target(&self) -> Result<Target, NotAComponent> {
        let mut imports: BTreeSet<InterfaceKey> = BTreeSet::new();
        let mut others = Vec::new();
        let mut versions = Versions::default();
        // The functions called, while every WASI import is an instance whose type was read.
        let mut calls = Some(Calls::new());
        for name in &self.imports {
            let known = wasi_wit::parse_wasi_name(name)
                .filter(|(package, interface, _)| registry::find(package, interface).is_some());
            let Some((package, interface, version)) = known else {
                others.push(name.clone());
                continue;
            };
            if version.major != 0 || version.minor != 2 {
                return Err(NotAComponent(format!(
                    "imports `{name}`; virtc supports WASI 0.2.x"
                )));
            }
            versions.record(package, &version).map_err(NotAComponent)?;
            let key = (package.to_owned(), interface.to_owned());
            calls = calls
                .zip(self.import_functions.get(name))
                .map(|(mut calls, functions)| {
                    calls
                        .entry(key.clone())
                        .or_default()
                        .extend(functions.iter().cloned());
                    calls
                });
            imports.insert(key);
        }
        // Exports name entry points (`wasi:cli/run@0.2.0` beside imports at 0.2.6 is usual), so
        // their versions are not recorded.
        let exports = self
            .exports
            .iter()
            .filter_map(|name| wasi_wit::parse_wasi_name(name))
            .map(|(package, interface, _)| (package.to_owned(), interface.to_owned()))
            .collect();
        Ok(Target {
            imports,
            others,
            exports,
            versions,
            standalone: false,
            calls,
        })
    }
}
