//! Inside a composition the adapter's (or a `deny import` stub's) exported interfaces are
//! matched to the component's imports by the composition's own wiring: the composition aliases
//! each export out of the adapter's instance by name and passes it to the component under the
//! name the component imports. So the adapter's export names (`wasi:cli/environment@0.2.6`, in
//! its export section and again in each alias) can be labels (`a`, `b`, …), and its `producers`
//! sections, which nothing outside it shows, can go.

use wasm_encoder::reencode::{ReencodeComponent, RoundtripReencoder};
use wasm_encoder::{ComponentSectionId, Encode};
use wasmparser::{ComponentExport, ComponentExternName, ComponentExternalKind, Payload};

use super::{Error, Top, label, reader_at, rewrite_module, top_level};

/// A component whose exported instances were given labels.
pub struct Labelled {
    pub bytes: Vec<u8>,
    /// Each exported interface's name (as the component exported it) and its label.
    pub labels: Vec<(String, String)>,
}

/// `component` with each exported instance named by a label instead, and without `producers`
/// sections (its own and its modules'). A component that exports anything but instances is
/// left as it is (empty `labels`).
pub fn label_exports(component: &[u8]) -> Result<Labelled, Error> {
    let sections = top_level(component)?;
    let mut exports = Vec::new();
    for section in &sections {
        if let Top::Exports(r) = &section.payload {
            let reader = wasmparser::ComponentExportSectionReader::new(reader_at(component, r))?;
            for export in reader {
                exports.push(export?);
            }
        }
    }
    if exports
        .iter()
        .any(|e| e.kind != ComponentExternalKind::Instance)
    {
        return Ok(Labelled {
            bytes: component.to_vec(),
            labels: Vec::new(),
        });
    }
    let labels: Vec<(String, String)> = exports
        .iter()
        .enumerate()
        .map(|(n, e)| (e.name.full_name().into_owned(), label(n)))
        .collect();
    let mut out = Vec::with_capacity(component.len());
    out.extend_from_slice(component.get(..8).ok_or(Error::Truncated)?);
    let mut next = 0;
    for section in &sections {
        match &section.payload {
            Top::Names | Top::Producers => {}
            Top::Module(r) => {
                let module = without_producers(&component[r.clone()])?;
                out.push(ComponentSectionId::CoreModule as u8);
                module.len().encode(&mut out);
                out.extend_from_slice(&module);
            }
            Top::Exports(r) => {
                let mut encoded = wasm_encoder::ComponentExportSection::new();
                let reader =
                    wasmparser::ComponentExportSectionReader::new(reader_at(component, r))?;
                for export in reader {
                    let export = export?;
                    let name = &labels[next].1;
                    next += 1;
                    let labelled = ComponentExport {
                        name: ComponentExternName {
                            name,
                            implements: None,
                            version_suffix: None,
                            external_id: None,
                        },
                        ..export
                    };
                    RoundtripReencoder.parse_component_export(&mut encoded, labelled)?;
                }
                out.push(ComponentSectionId::Export as u8);
                encoded.encode(&mut out);
            }
            _ => out.extend_from_slice(&component[section.whole.clone()]),
        }
    }
    Ok(Labelled { bytes: out, labels })
}

/// `module` without its `producers` section.
fn without_producers(module: &[u8]) -> Result<Vec<u8>, Error> {
    rewrite_module(module, |payload, _| {
        Ok(matches!(payload, Payload::CustomSection(c) if c.name() == "producers"))
    })
}
