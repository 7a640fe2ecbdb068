//! Makes a component wit-component wrapped (the adapter, a `deny import` stub) smaller without
//! changing its component type: the main module's core import and export names
//! (`core_names`) and the nested components' import names (`nested`) are shortened, and the
//! debugging names of the `component-name` section go. Hosts and composers see only the
//! component's own imports and exports, which stay as they are.

use wasm_encoder::{ComponentSectionId, Encode, SectionId};
use wasmparser::{BinaryReaderError, Parser, Payload};

use core_names::Names;

mod core_names;
mod labels;
mod nested;

pub use labels::{Labelling, label_interfaces};

/// `component` compacted (see the module's documentation).
pub fn compact(component: &[u8]) -> Result<Vec<u8>, Error> {
    let sections = top_level(component)?;
    // The renamings find modules and components by their place among the nested ones, which
    // is their index only if none is imported or aliased (wit-component never does).
    let (names, nested) = if only_nested(component, &sections)? {
        (
            Names::plan(component, &sections)?.unwrap_or_default(),
            nested::plan(component, &sections)?,
        )
    } else {
        (Names::default(), Vec::new())
    };
    let mut out = Vec::with_capacity(component.len());
    out.extend_from_slice(component.get(..8).ok_or(Error::Truncated)?);
    let mut module_index = 0u32;
    let mut instance_index = 0u32;
    let mut component_index = 0usize;
    for section in &sections {
        let raw = &component[section.whole.clone()];
        match &section.payload {
            Top::Names => {}
            Top::Module(range) => {
                if module_index == 0 && names.active() {
                    let module = names.module(&component[range.clone()])?;
                    out.push(ComponentSectionId::CoreModule as u8);
                    module.len().encode(&mut out);
                    out.extend_from_slice(&module);
                } else {
                    out.extend_from_slice(raw);
                }
                module_index += 1;
            }
            Top::Instances(range) if names.active() => {
                let mut encoded = wasm_encoder::InstanceSection::new();
                let reader = wasmparser::InstanceSectionReader::new(reader_at(component, range))?;
                for instance in reader {
                    names.instance(&mut encoded, instance_index, instance?)?;
                    instance_index += 1;
                }
                out.push(ComponentSectionId::CoreInstance as u8);
                encoded.encode(&mut out);
            }
            Top::Aliases(range) if names.active() => {
                let mut encoded = wasm_encoder::ComponentAliasSection::new();
                let reader =
                    wasmparser::ComponentAliasSectionReader::new(reader_at(component, range))?;
                for alias in reader {
                    encoded.alias(names.alias(alias?));
                }
                out.push(ComponentSectionId::Alias as u8);
                encoded.encode(&mut out);
            }
            Top::Component(_) => {
                match nested.get(component_index) {
                    Some(Some(renamed)) => {
                        out.push(ComponentSectionId::Component as u8);
                        renamed.bytes.len().encode(&mut out);
                        out.extend_from_slice(&renamed.bytes);
                    }
                    _ => out.extend_from_slice(raw),
                }
                component_index += 1;
            }
            Top::ComponentInstances(range) if !nested.is_empty() => {
                nested::instances(component, range, &nested, &mut out)?;
            }
            _ => out.extend_from_slice(raw),
        }
    }
    Ok(out)
}

/// Whether the component's modules and components are all nested in it (none imported or
/// aliased).
fn only_nested(component: &[u8], sections: &[Section]) -> Result<bool, Error> {
    use wasmparser::{ComponentAlias, ComponentExternalKind, ComponentOuterAliasKind as Outer};
    for section in sections {
        match &section.payload {
            Top::Imports(r) => {
                let reader =
                    wasmparser::ComponentImportSectionReader::new(reader_at(component, r))?;
                for import in reader {
                    if let wasmparser::ComponentTypeRef::Module(_)
                    | wasmparser::ComponentTypeRef::Component(_) = import?.ty
                    {
                        return Ok(false);
                    }
                }
            }
            Top::Aliases(r) => {
                let reader = wasmparser::ComponentAliasSectionReader::new(reader_at(component, r))?;
                for alias in reader {
                    if let ComponentAlias::InstanceExport {
                        kind: ComponentExternalKind::Module | ComponentExternalKind::Component,
                        ..
                    }
                    | ComponentAlias::Outer {
                        kind: Outer::CoreModule | Outer::Component,
                        ..
                    } = alias?
                    {
                        return Ok(false);
                    }
                }
            }
            _ => {}
        }
    }
    Ok(true)
}

/// A top-level section of the component: its bytes (header included) and what it is.
pub(in crate::codegen) struct Section {
    pub whole: std::ops::Range<usize>,
    pub payload: Top,
}

pub(in crate::codegen) enum Top {
    /// A nested core module, its bytes (header included).
    Module(std::ops::Range<usize>),
    /// A core instance section, its contents.
    Instances(std::ops::Range<usize>),
    /// An alias section, its contents.
    Aliases(std::ops::Range<usize>),
    /// A nested component, its bytes (header included).
    Component(std::ops::Range<usize>),
    /// A component instance section, its contents.
    ComponentInstances(std::ops::Range<usize>),
    /// An import section, its contents.
    Imports(std::ops::Range<usize>),
    /// An export section, its contents.
    Exports(std::ops::Range<usize>),
    /// A component type section, its contents.
    Types(std::ops::Range<usize>),
    /// The `component-name` custom section.
    Names,
    /// The `producers` custom section.
    Producers,
    Other,
}

pub(in crate::codegen) fn reader_at<'a>(
    bytes: &'a [u8],
    range: &std::ops::Range<usize>,
) -> wasmparser::BinaryReader<'a> {
    wasmparser::BinaryReader::new(&bytes[range.clone()], range.start as u64)
}

fn range(r: std::ops::Range<u64>) -> std::ops::Range<usize> {
    // The component is in memory: its offsets fit in usize.
    r.start as usize..r.end as usize
}

/// The component's top-level sections, nested modules and components stepped over whole.
pub(in crate::codegen) fn top_level(component: &[u8]) -> Result<Vec<Section>, Error> {
    let mut sections = Vec::new();
    let mut parser = Parser::new(0);
    let mut offset = 0usize;
    loop {
        let rest = component.get(offset..).unwrap_or_default();
        let (payload, consumed) = match parser.parse(rest, true)? {
            wasmparser::Chunk::Parsed { consumed, payload } => (payload, consumed),
            // The whole input is given, so a complete parse never needs more.
            wasmparser::Chunk::NeedMoreData(_) => return Err(Error::Truncated),
        };
        let start = offset;
        offset += consumed;
        let payload = match payload {
            Payload::Version { .. } => continue,
            Payload::End(_) => return Ok(sections),
            Payload::ModuleSection {
                unchecked_range, ..
            }
            | Payload::ComponentSection {
                unchecked_range, ..
            } => {
                let nested = range(unchecked_range);
                // The parser has stepped over it: what it reads next starts at its end.
                offset = nested.end;
                if component[start] == ComponentSectionId::CoreModule as u8 {
                    Top::Module(nested)
                } else {
                    Top::Component(nested)
                }
            }
            Payload::CustomSection(c) if c.name() == "component-name" => Top::Names,
            Payload::CustomSection(c) if c.name() == "producers" => Top::Producers,
            Payload::ComponentExportSection(s) => Top::Exports(range(s.range())),
            Payload::ComponentTypeSection(s) => Top::Types(range(s.range())),
            Payload::InstanceSection(s) => Top::Instances(range(s.range())),
            Payload::ComponentAliasSection(s) => Top::Aliases(range(s.range())),
            Payload::ComponentInstanceSection(s) => Top::ComponentInstances(range(s.range())),
            Payload::ComponentImportSection(s) => Top::Imports(range(s.range())),
            _ => Top::Other,
        };
        sections.push(Section {
            whole: start..offset,
            payload,
        });
    }
}

/// The `n`th of the names written with `digits` (ASCII), shortest first: every name of one
/// character, then every name of two, and so on.
fn nth_name(mut n: usize, digits: &[u8]) -> String {
    let mut name = Vec::new();
    loop {
        name.push(digits[n % digits.len()]);
        n /= digits.len();
        if n == 0 {
            break;
        }
        n -= 1;
    }
    name.reverse();
    String::from_utf8(name).unwrap_or_default()
}

/// The `n`th kebab-case label: `a`…`z`, `aa`, `ab`, ….
fn label(n: usize) -> String {
    nth_name(n, b"abcdefghijklmnopqrstuvwxyz")
}

/// `module` with the sections `rewrite` writes (their id and size included) into the output,
/// returning `true`, in place of its own; the others are copied as they are.
fn rewrite_module(
    module: &[u8],
    mut rewrite: impl FnMut(&Payload<'_>, &mut Vec<u8>) -> Result<bool, Error>,
) -> Result<Vec<u8>, Error> {
    let mut out = Vec::with_capacity(module.len());
    out.extend_from_slice(module.get(..8).ok_or(Error::Truncated)?);
    for payload in Parser::new(0).parse_all(module) {
        let payload = payload?;
        if !rewrite(&payload, &mut out)?
            && let Some((id, r)) = payload.as_section()
        {
            out.push(id);
            module[range(r)].encode(&mut out);
        }
    }
    Ok(out)
}

/// `module` without its `_initialize` export. wit-component gives the instance of a module
/// that has one to a second module that calls it, by the module's export names, which then
/// cannot be shortened; a module made by `wit_component::dummy_module` has one that does
/// nothing.
pub fn without_initialize(module: &[u8]) -> Result<Vec<u8>, Error> {
    rewrite_module(module, |payload, out| {
        let Payload::ExportSection(s) = payload else {
            return Ok(false);
        };
        let mut exports = wasm_encoder::ExportSection::new();
        for e in s.clone() {
            let e = e?;
            if e.name != "_initialize" {
                exports.export(e.name, e.kind.into(), e.index);
            }
        }
        out.push(SectionId::Export as u8);
        exports.encode(out);
        Ok(true)
    })
}

/// Why wit-component's output could not be read (it is valid: this would be a bug).
#[derive(Debug)]
pub enum Error {
    Read(BinaryReaderError),
    Truncated,
    Reencode(wasm_encoder::reencode::Error),
}

impl From<wasm_encoder::reencode::Error> for Error {
    fn from(e: wasm_encoder::reencode::Error) -> Error {
        Error::Reencode(e)
    }
}

impl From<BinaryReaderError> for Error {
    fn from(e: BinaryReaderError) -> Error {
        Error::Read(e)
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Read(e) => write!(f, "{e}"),
            Error::Truncated => f.write_str("the component ends early"),
            Error::Reencode(e) => write!(f, "{e}"),
        }
    }
}

#[cfg(test)]
mod tests;
