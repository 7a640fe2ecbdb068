//! The nested components wit-component writes, one per exported interface, import the types and
//! functions they re-export under long internal names (`import-type-descriptor-stat`,
//! `import-method-descriptor-read-via-stream`), each written twice: in the nested component's
//! import and in the argument that instantiates it. Only those two places name them, so they
//! become `a`, `b`, … `aa` …; the nested components' exports, which are the interfaces' own
//! names, stay.

use std::collections::HashMap;

use wasm_encoder::reencode::{ReencodeComponent, RoundtripReencoder};
use wasm_encoder::{ComponentSectionId, Encode};
use wasmparser::{
    ComponentExternName, ComponentImport, ComponentInstance, ComponentInstantiationArg,
};

use super::{Error, Section, Top, label, reader_at, top_level};

/// A nested component with its plain import names shortened.
pub struct Renamed {
    pub bytes: Vec<u8>,
    /// Old import name to new.
    names: HashMap<String, String>,
}

/// For each nested component in order, its renaming.
pub fn plan(component: &[u8], sections: &[Section]) -> Result<Vec<Option<Renamed>>, Error> {
    let mut nested = Vec::new();
    for section in sections {
        if let Top::Component(r) = &section.payload {
            nested.push(rename(&component[r.clone()])?);
        }
    }
    Ok(nested)
}

/// `component` with its plain-named imports renamed, or `None` when it has none.
fn rename(component: &[u8]) -> Result<Option<Renamed>, Error> {
    let mut names = HashMap::new();
    let mut out = component.get(..8).ok_or(Error::Truncated)?.to_vec();
    for section in top_level(component)? {
        let Top::Imports(r) = &section.payload else {
            out.extend_from_slice(&component[section.whole.clone()]);
            continue;
        };
        let mut imports = wasm_encoder::ComponentImportSection::new();
        let reader = wasmparser::ComponentImportSectionReader::new(reader_at(component, r))?;
        for import in reader {
            let import = import?;
            let plain = import.name.implements.is_none()
                && import.name.version_suffix.is_none()
                && import.name.external_id.is_none()
                && import
                    .name
                    .name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-');
            let name = if plain {
                let next = label(names.len());
                names
                    .entry(import.name.name.to_owned())
                    .or_insert(next)
                    .clone()
            } else {
                import.name.name.to_owned()
            };
            let renamed = ComponentImport {
                name: ComponentExternName {
                    name: &name,
                    ..import.name
                },
                ty: import.ty,
            };
            let ty = RoundtripReencoder.component_type_ref(renamed.ty)?;
            imports.import(renamed.name, ty);
        }
        out.push(ComponentSectionId::Import as u8);
        imports.encode(&mut out);
    }
    if names.is_empty() {
        return Ok(None);
    }
    Ok(Some(Renamed { bytes: out, names }))
}

/// The component instance section at `r`, its instantiations of nested components given the
/// new names, appended to `out`.
pub fn instances(
    component: &[u8],
    r: &std::ops::Range<usize>,
    nested: &[Option<Renamed>],
    out: &mut Vec<u8>,
) -> Result<(), Error> {
    let mut encoded = wasm_encoder::ComponentInstanceSection::new();
    let reader = wasmparser::ComponentInstanceSectionReader::new(reader_at(component, r))?;
    for instance in reader {
        let instance = match instance? {
            ComponentInstance::Instantiate {
                component_index,
                args,
            } => {
                let names = nested
                    .get(component_index as usize)
                    .and_then(Option::as_ref)
                    .map(|r| &r.names);
                let args = args
                    .iter()
                    .map(|arg| ComponentInstantiationArg {
                        name: names
                            .and_then(|n| n.get(arg.name))
                            .map_or(arg.name, String::as_str),
                        ..*arg
                    })
                    .collect();
                ComponentInstance::Instantiate {
                    component_index,
                    args,
                }
            }
            other => other,
        };
        RoundtripReencoder.parse_component_instance(&mut encoded, instance)?;
    }
    out.push(ComponentSectionId::Instance as u8);
    encoded.encode(out);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::label;

    #[test]
    fn labels_are_distinct_lowercase_words() {
        let names: Vec<String> = (0..26 * 27 + 3).map(label).collect();
        let distinct: std::collections::HashSet<_> = names.iter().collect();
        assert_eq!(distinct.len(), names.len());
        assert!(
            names
                .iter()
                .all(|n| n.bytes().all(|b| b.is_ascii_lowercase()))
        );
        assert_eq!(
            (names[0].as_str(), names[25].as_str(), names[26].as_str()),
            ("a", "z", "aa")
        );
    }
}
