//! Composes a plug (the adapter, a `deny import` stub) into a component without wac, in the
//! shape wac gives (both nested in a composition that has no code of its own: a component
//! instance may not be entered while one enclosing it runs, so neither can hold the other) but
//! with the wiring named by labels (`compact::label_interfaces`): the composition imports what
//! the plug imports, as the plug declares it, and what the component imports that the plug
//! does not export, as the component declares it; instantiates the plug, then the component
//! with the plug's exports and those imports; and exports the component's exports.
//!
//! Left to wac (`None`): a component that imports or exports anything but instances, or imports
//! an interface the plug does not export by a type that names other types of the component
//! (only a self-contained instance type can be copied out of it as it is), or none the plug
//! exports. The caller validates the result, which checks each argument against the import it
//! meets, as wac checks plugs.

use std::collections::HashMap;
use std::ops::Range;

use wasm_encoder::{ComponentExportKind, ComponentSectionId, Encode};
use wasmparser::{
    ComponentAlias, ComponentExternalKind, ComponentOuterAliasKind, ComponentType,
    ComponentTypeRef, InstanceTypeDeclaration,
};

use crate::codegen::compact::{self, Labelling, Top, reader_at, top_level};

type Error = compact::Error;

/// A composition, not yet validated.
pub struct Direct {
    pub bytes: Vec<u8>,
    /// Where the component's modules and nested components lie in `bytes`, as they were in
    /// the component (validated with it).
    pub trusted: Vec<Range<usize>>,
}

/// How one import of the component is satisfied.
enum Source<'a> {
    /// By the plug's export of this label.
    Plug(&'a str),
    /// By the composition's import of this instance index (one the plug makes too, or one
    /// declared for the component as `Host` said).
    Import(u32),
    /// By an import of the composition still to declare, of the type at this range of the
    /// component.
    Host(Range<usize>),
}

/// `plug` composed into `component` (see the module's documentation), or `None`.
pub fn compose(component: &[u8], plug: &[u8]) -> Result<Option<Direct>, Error> {
    let Some(guest) = Guest::read(component)? else {
        return Ok(None);
    };
    let Some(block) = Block::read(plug)? else {
        return Ok(None);
    };
    let labelled_plug = compact::label_interfaces(
        plug,
        Labelling {
            exports: true,
            imports: true,
            producers: true,
        },
    )?;
    if labelled_plug.exports.is_empty()
        || (labelled_plug.imports.is_empty() && !block.imports.is_empty())
    {
        return Ok(None);
    }
    let plug_exports: HashMap<&str, &str> = labelled_plug
        .exports
        .iter()
        .map(|(name, label)| (name.as_str(), label.as_str()))
        .collect();
    let mut sources = Vec::with_capacity(guest.imports.len());
    for name in &guest.imports {
        sources.push(if let Some(label) = plug_exports.get(name.as_str()) {
            Source::Plug(label)
        } else if let Some(&index) = block.imports.get(name) {
            Source::Import(index)
        } else if let Some(range) = guest.self_contained.get(name) {
            Source::Host(range.clone())
        } else {
            return Ok(None);
        });
    }
    if !sources.iter().any(|s| matches!(s, Source::Plug(_))) {
        return Ok(None);
    }
    let labelled_guest = compact::label_interfaces(
        component,
        Labelling {
            exports: false,
            imports: true,
            producers: false,
        },
    )?;
    if labelled_guest.imports.len() != guest.imports.len() {
        return Ok(None);
    }

    let mut out = Vec::with_capacity(component.len() + plug.len() + 1024);
    out.extend_from_slice(plug.get(..8).ok_or(Error::Truncated)?);
    // The plug's imports, as it declares them.
    out.extend_from_slice(&plug[8..block.end]);
    let mut types = block.types;
    let mut instances = block.imports.len() as u32;
    // The component's other imports, by its own types.
    let mut host_types = Vec::new();
    let mut host_imports = wasm_encoder::ComponentImportSection::new();
    for (source, name) in sources.iter_mut().zip(&guest.imports) {
        if let Source::Host(range) = source {
            host_types.extend_from_slice(&component[range.clone()]);
            host_imports.import(
                name.as_str(),
                wasm_encoder::ComponentTypeRef::Instance(types),
            );
            *source = Source::Import(instances);
            types += 1;
            instances += 1;
        }
    }
    if !host_imports.is_empty() {
        let mut body = Vec::new();
        host_imports.len().encode(&mut body);
        body.extend_from_slice(&host_types);
        out.push(ComponentSectionId::Type as u8);
        body.encode(&mut out);
        out.push(ComponentSectionId::Import as u8);
        host_imports.encode(&mut out);
    }

    // The plug, given the host's interfaces under its labels.
    out.push(ComponentSectionId::Component as u8);
    labelled_plug.bytes.encode(&mut out);
    let mut section = wasm_encoder::ComponentInstanceSection::new();
    let mut plug_args: Vec<(&str, u32)> = Vec::with_capacity(block.imports.len());
    for (name, label) in &labelled_plug.imports {
        let Some(&index) = block.imports.get(name) else {
            return Ok(None);
        };
        plug_args.push((label, index));
    }
    section.instantiate(
        0,
        plug_args
            .iter()
            .map(|(label, index)| (*label, ComponentExportKind::Instance, *index)),
    );
    out.push(ComponentSectionId::Instance as u8);
    section.encode(&mut out);
    let plug_instance = instances;
    instances += 1;

    // The plug's exports the component imports, aliased out of its instance.
    let mut aliases = wasm_encoder::ComponentAliasSection::new();
    let mut args: Vec<(&str, u32)> = Vec::with_capacity(sources.len());
    for (source, (_, label)) in sources.iter().zip(&labelled_guest.imports) {
        let index = match source {
            Source::Plug(export) => {
                aliases.alias(wasm_encoder::Alias::InstanceExport {
                    instance: plug_instance,
                    kind: ComponentExportKind::Instance,
                    name: export,
                });
                instances += 1;
                instances - 1
            }
            Source::Import(index) => *index,
            // Each was declared above.
            Source::Host(_) => return Ok(None),
        };
        args.push((label, index));
    }
    out.push(ComponentSectionId::Alias as u8);
    aliases.encode(&mut out);

    // The component, instantiated, and its exports exported.
    out.push(ComponentSectionId::Component as u8);
    labelled_guest.bytes.len().encode(&mut out);
    let base = out.len();
    out.extend_from_slice(&labelled_guest.bytes);
    let trusted = labelled_guest
        .nested
        .iter()
        .map(|r| base + r.start..base + r.end)
        .collect();
    let mut section = wasm_encoder::ComponentInstanceSection::new();
    section.instantiate(
        1,
        args.iter()
            .map(|(label, index)| (*label, ComponentExportKind::Instance, *index)),
    );
    out.push(ComponentSectionId::Instance as u8);
    section.encode(&mut out);
    let guest_instance = instances;
    instances += 1;
    if !guest.exports.is_empty() {
        let mut aliases = wasm_encoder::ComponentAliasSection::new();
        let mut exports = wasm_encoder::ComponentExportSection::new();
        for name in &guest.exports {
            aliases.alias(wasm_encoder::Alias::InstanceExport {
                instance: guest_instance,
                kind: ComponentExportKind::Instance,
                name,
            });
            exports.export(
                name.as_str(),
                ComponentExportKind::Instance,
                instances,
                None,
            );
            instances += 1;
        }
        out.push(ComponentSectionId::Alias as u8);
        aliases.encode(&mut out);
        out.push(ComponentSectionId::Export as u8);
        exports.encode(&mut out);
    }
    Ok(Some(Direct {
        bytes: out,
        trusted,
    }))
}

/// What the composition needs of the component.
struct Guest {
    /// Its imports' names, in order (all instances).
    imports: Vec<String>,
    /// The bytes of the type of each import that is an instance type declaring only its own
    /// types (no outer alias), by name.
    self_contained: HashMap<String, Range<usize>>,
    /// Its exports' names, in order (all instances).
    exports: Vec<String>,
}

impl Guest {
    /// `None` when the component imports or exports anything but instances.
    fn read(component: &[u8]) -> Result<Option<Guest>, Error> {
        let mut guest = Guest {
            imports: Vec::new(),
            self_contained: HashMap::new(),
            exports: Vec::new(),
        };
        // Where each type of the component lies, by type index, for the self-contained
        // instance types of its type sections; `None` for every other type.
        let mut types: Vec<Option<Range<usize>>> = Vec::new();
        let mut import_types = Vec::new();
        for section in top_level(component)? {
            match &section.payload {
                Top::Types(r) => {
                    let reader =
                        wasmparser::ComponentTypeSectionReader::new(reader_at(component, r))?;
                    let mut items = reader.into_iter_with_offsets().peekable();
                    while let Some(item) = items.next() {
                        let (start, ty) = item?;
                        // Offsets of the component in memory fit in usize.
                        let start = start as usize;
                        let end = match items.peek() {
                            Some(Ok((next, _))) => *next as usize,
                            _ => r.end,
                        };
                        let contained = matches!(&ty, ComponentType::Instance(decls)
                        if decls.iter().all(|d| !matches!(
                            d,
                            InstanceTypeDeclaration::Alias(ComponentAlias::Outer { .. })
                        )));
                        types.push(contained.then_some(start..end));
                    }
                }
                Top::Imports(r) => {
                    let reader =
                        wasmparser::ComponentImportSectionReader::new(reader_at(component, r))?;
                    for import in reader {
                        let import = import?;
                        let ComponentTypeRef::Instance(ty) = import.ty else {
                            return Ok(None);
                        };
                        guest.imports.push(import.name.full_name().into_owned());
                        import_types.push(ty);
                    }
                }
                Top::Aliases(r) => {
                    let reader =
                        wasmparser::ComponentAliasSectionReader::new(reader_at(component, r))?;
                    for alias in reader {
                        if let ComponentAlias::InstanceExport {
                            kind: ComponentExternalKind::Type,
                            ..
                        }
                        | ComponentAlias::Outer {
                            kind: ComponentOuterAliasKind::Type,
                            ..
                        } = alias?
                        {
                            types.push(None);
                        }
                    }
                }
                Top::Exports(r) => {
                    let reader =
                        wasmparser::ComponentExportSectionReader::new(reader_at(component, r))?;
                    for export in reader {
                        let export = export?;
                        if export.kind != ComponentExternalKind::Instance {
                            return Ok(None);
                        }
                        guest.exports.push(export.name.full_name().into_owned());
                    }
                }
                _ => {}
            }
        }
        for (name, ty) in guest.imports.iter().zip(import_types) {
            if let Some(Some(range)) = types.get(ty as usize) {
                guest.self_contained.insert(name.clone(), range.clone());
            }
        }
        Ok(Some(guest))
    }
}

/// The plug's leading type, import and type-alias sections: the host interfaces it imports.
struct Block {
    /// Where the block ends in the plug.
    end: usize,
    /// How many types it defines.
    types: u32,
    /// Its imported instances, by name, with their indices.
    imports: HashMap<String, u32>,
}

impl Block {
    /// `None` when the plug imports anything but instances, or not all of them first.
    fn read(plug: &[u8]) -> Result<Option<Block>, Error> {
        let mut block = Block {
            end: 8,
            types: 0,
            imports: HashMap::new(),
        };
        let mut open = true;
        for section in top_level(plug)? {
            match &section.payload {
                Top::Imports(_) if !open => return Ok(None),
                Top::Imports(r) => {
                    let reader = wasmparser::ComponentImportSectionReader::new(reader_at(plug, r))?;
                    for import in reader {
                        let import = import?;
                        let ComponentTypeRef::Instance(_) = import.ty else {
                            return Ok(None);
                        };
                        let index = block.imports.len() as u32;
                        block
                            .imports
                            .insert(import.name.full_name().into_owned(), index);
                    }
                }
                Top::Types(r) if open => {
                    let reader = wasmparser::ComponentTypeSectionReader::new(reader_at(plug, r))?;
                    block.types += reader.count();
                }
                Top::Aliases(r) if open => {
                    let reader = wasmparser::ComponentAliasSectionReader::new(reader_at(plug, r))?;
                    let mut types = true;
                    for alias in reader.clone() {
                        types &= matches!(
                            alias?,
                            ComponentAlias::InstanceExport {
                                kind: ComponentExternalKind::Type,
                                ..
                            }
                        );
                    }
                    if types {
                        block.types += reader.count();
                    } else {
                        open = false;
                    }
                }
                _ => open = false,
            }
            if open {
                block.end = section.whole.end;
            }
        }
        Ok(Some(block))
    }
}

#[cfg(test)]
mod tests;
