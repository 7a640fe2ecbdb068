//! Inside a composition, the components composed are wired by the composition itself: each
//! export of the adapter (or of a `deny import` stub) is aliased out of its instance by name and
//! passed to the component under the name the component imports it by, and the host's
//! interfaces are passed to the adapter under the names it imports them by. None of these names
//! is seen outside the composition, which imports and exports under the interfaces' own names;
//! so inside it they can be labels (`a`, `b`, …) instead of `wasi:cli/environment@0.2.6`, each
//! written once in the component and once in the wiring. The adapter's `producers` sections,
//! which nothing outside it shows, can go too.

use wasm_encoder::reencode::{ReencodeComponent, RoundtripReencoder};
use wasm_encoder::{ComponentSectionId, Encode};
use wasmparser::{
    ComponentExport, ComponentExternName, ComponentExternalKind, ComponentImport, ComponentTypeRef,
    Payload,
};

use super::{Error, Top, label, reader_at, rewrite_module, top_level};

/// What to label.
#[derive(Debug, Clone, Copy)]
pub struct Labelling {
    /// The exported instances (all exports must be instances).
    pub exports: bool,
    /// The imported instances (all imports must be instances).
    pub imports: bool,
    /// Drop the `producers` sections, the component's own and its modules'.
    pub producers: bool,
}

/// A component with labels for names.
pub struct Labelled {
    pub bytes: Vec<u8>,
    /// Each exported interface's name and its label; empty when exports were not labelled.
    pub exports: Vec<(String, String)>,
    /// Each imported interface's name and its label; empty when imports were not labelled.
    pub imports: Vec<(String, String)>,
    /// Where the nested modules and components lie in `bytes`, as they were in the input
    /// (whatever was validated with it holds for them).
    pub nested: Vec<std::ops::Range<usize>>,
}

/// `component` with the names `what` says replaced by labels. Exports (or imports) of any kind
/// but instances leave them all as they are.
pub fn label_interfaces(component: &[u8], what: Labelling) -> Result<Labelled, Error> {
    let sections = top_level(component)?;
    let mut exports = Vec::new();
    let mut imports = Vec::new();
    let mut export_kinds_ok = true;
    let mut import_kinds_ok = true;
    for section in &sections {
        match &section.payload {
            Top::Exports(r) => {
                let reader =
                    wasmparser::ComponentExportSectionReader::new(reader_at(component, r))?;
                for export in reader {
                    let export = export?;
                    export_kinds_ok &= export.kind == ComponentExternalKind::Instance;
                    exports.push(export.name.full_name().into_owned());
                }
            }
            Top::Imports(r) => {
                let reader =
                    wasmparser::ComponentImportSectionReader::new(reader_at(component, r))?;
                for import in reader {
                    let import = import?;
                    import_kinds_ok &= matches!(import.ty, ComponentTypeRef::Instance(_));
                    imports.push(import.name.full_name().into_owned());
                }
            }
            _ => {}
        }
    }
    let labels = |names: Vec<String>, on: bool| -> Vec<(String, String)> {
        if !on {
            return Vec::new();
        }
        names
            .into_iter()
            .enumerate()
            .map(|(n, name)| (name, label(n)))
            .collect()
    };
    let exports = labels(exports, what.exports && export_kinds_ok);
    let imports = labels(imports, what.imports && import_kinds_ok);

    let mut out = Vec::with_capacity(component.len());
    out.extend_from_slice(component.get(..8).ok_or(Error::Truncated)?);
    let mut nested = Vec::new();
    let (mut next_export, mut next_import) = (0, 0);
    for section in &sections {
        let raw = &component[section.whole.clone()];
        match &section.payload {
            Top::Producers if what.producers => {}
            Top::Module(r) if what.producers => {
                let module = without_producers(&component[r.clone()])?;
                out.push(ComponentSectionId::CoreModule as u8);
                module.len().encode(&mut out);
                out.extend_from_slice(&module);
            }
            Top::Module(r) | Top::Component(r) => {
                let start = out.len() + (r.start - section.whole.start);
                nested.push(start..start + r.len());
                out.extend_from_slice(raw);
            }
            Top::Exports(r) if !exports.is_empty() => {
                let mut encoded = wasm_encoder::ComponentExportSection::new();
                let reader =
                    wasmparser::ComponentExportSectionReader::new(reader_at(component, r))?;
                for export in reader {
                    let labelled = ComponentExport {
                        name: plain(&exports[next_export].1),
                        ..export?
                    };
                    next_export += 1;
                    RoundtripReencoder.parse_component_export(&mut encoded, labelled)?;
                }
                out.push(ComponentSectionId::Export as u8);
                encoded.encode(&mut out);
            }
            Top::Imports(r) if !imports.is_empty() => {
                let mut encoded = wasm_encoder::ComponentImportSection::new();
                let reader =
                    wasmparser::ComponentImportSectionReader::new(reader_at(component, r))?;
                for import in reader {
                    let labelled = ComponentImport {
                        name: plain(&imports[next_import].1),
                        ..import?
                    };
                    next_import += 1;
                    let ty = RoundtripReencoder.component_type_ref(labelled.ty)?;
                    encoded.import(labelled.name, ty);
                }
                out.push(ComponentSectionId::Import as u8);
                encoded.encode(&mut out);
            }
            _ => out.extend_from_slice(raw),
        }
    }
    Ok(Labelled {
        bytes: out,
        exports,
        imports,
        nested,
    })
}

/// The plain name `name`.
fn plain(name: &str) -> ComponentExternName<'_> {
    ComponentExternName {
        name,
        implements: None,
        version_suffix: None,
        external_id: None,
    }
}

/// `module` without its `producers` section.
fn without_producers(module: &[u8]) -> Result<Vec<u8>, Error> {
    rewrite_module(module, |payload, _| {
        Ok(matches!(payload, Payload::CustomSection(c) if c.name() == "producers"))
    })
}
