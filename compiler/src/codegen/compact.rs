//! Makes a component wit-component wrapped (the adapter, a `deny import` stub) smaller without changing its component type: the
//! main module's core import and export names (`wasi:filesystem/types@0.2.6#[method]descriptor.read`,
//! `[export]wasi:io/streams@0.2.6` …) become one or two characters, and the debugging names of
//! the `component-name` section go.
//!
//! Inside a component, core names are matched only by the component's own wiring: the
//! arguments of the main module's instantiation, the bags of exports given to it, and the
//! `alias core export`s of its instance that lifts, options and the shim's fix-up use. Hosts and
//! composers see only the component's own imports and exports, which stay as they are. The
//! names are shortened in all those places at once; a wrapper laid out otherwise than this
//! expects (an argument that is not a bag of exports, a bag shared between instantiations) keeps
//! its names, only the debugging names going.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use wasm_encoder::reencode::{Reencode, RoundtripReencoder};
use wasm_encoder::{ComponentSectionId, Encode, SectionId};
use wasmparser::{
    BinaryReaderError, ComponentAlias, Instance, InstantiationArgKind, Parser, Payload, TypeRef,
};

/// `component` compacted (see the module's documentation).
pub fn compact(component: &[u8]) -> Result<Vec<u8>, Error> {
    let sections = top_level(component)?;
    let names = Names::plan(component, &sections)?.unwrap_or_default();
    let mut out = Vec::with_capacity(component.len());
    out.extend_from_slice(&component[..8]);
    let mut module_index = 0u32;
    let mut instance_index = 0u32;
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
            _ => out.extend_from_slice(raw),
        }
    }
    Ok(out)
}

/// A top-level section of the component: its bytes (header included) and what it is.
struct Section {
    whole: std::ops::Range<usize>,
    payload: Top,
}

enum Top {
    /// A nested core module, its bytes (header included).
    Module(std::ops::Range<usize>),
    /// A core instance section, its contents.
    Instances(std::ops::Range<usize>),
    /// An alias section, its contents.
    Aliases(std::ops::Range<usize>),
    /// The `component-name` custom section.
    Names,
    Other,
}

fn reader_at<'a>(bytes: &'a [u8], range: &std::ops::Range<usize>) -> wasmparser::BinaryReader<'a> {
    wasmparser::BinaryReader::new(&bytes[range.clone()], range.start as u64)
}

fn range(r: std::ops::Range<u64>) -> std::ops::Range<usize> {
    // The component is in memory: its offsets fit in usize.
    r.start as usize..r.end as usize
}

/// The component's top-level sections, nested modules and components stepped over whole.
fn top_level(component: &[u8]) -> Result<Vec<Section>, Error> {
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
                    Top::Other
                }
            }
            Payload::CustomSection(c) if c.name() == "component-name" => Top::Names,
            Payload::InstanceSection(s) => Top::Instances(range(s.range())),
            Payload::ComponentAliasSection(s) => Top::Aliases(range(s.range())),
            _ => Top::Other,
        };
        sections.push(Section {
            whole: start..offset,
            payload,
        });
    }
}

/// The renaming: old core names of the main module to new ones.
#[derive(Default)]
struct Names {
    /// The main module's import module names.
    modules: HashMap<String, String>,
    /// Its import field names, by module.
    fields: HashMap<(String, String), String>,
    /// Its export names.
    exports: HashMap<String, String>,
    /// The core instance of the main module.
    main_instance: Option<u32>,
    /// The bags of exports given to it, with the import module each stands for.
    bags: HashMap<u32, String>,
}

impl Names {
    fn active(&self) -> bool {
        self.main_instance.is_some()
    }

    /// The renaming for `component`, or `None` when its wiring is not the one expected.
    fn plan(component: &[u8], sections: &[Section]) -> Result<Option<Names>, Error> {
        let Some(main) = sections.iter().find_map(|s| match &s.payload {
            Top::Module(r) => Some(&component[r.clone()]),
            _ => None,
        }) else {
            return Ok(None);
        };
        let mut names = Names::default();
        for payload in Parser::new(0).parse_all(main) {
            match payload? {
                Payload::ImportSection(s) => {
                    // Fields are numbered within their module: names need only be unique there.
                    let mut counts: HashMap<&str, usize> = HashMap::new();
                    for import in s.into_imports() {
                        let import = import?;
                        let next = short(names.modules.len());
                        names
                            .modules
                            .entry(import.module.to_owned())
                            .or_insert(next);
                        let key = (import.module.to_owned(), import.name.to_owned());
                        if let Entry::Vacant(field) = names.fields.entry(key) {
                            let count = counts.entry(import.module).or_default();
                            field.insert(short(*count));
                            *count += 1;
                        }
                    }
                }
                Payload::ExportSection(s) => {
                    for export in s {
                        let export = export?;
                        let next = short(names.exports.len());
                        names.exports.insert(export.name.to_owned(), next);
                    }
                }
                _ => {}
            }
        }
        // The core instances: which is the main module's, which bags it is given.
        let mut index = 0u32;
        let mut bags: HashMap<u32, Vec<String>> = HashMap::new();
        let mut uses: HashMap<u32, usize> = HashMap::new();
        let mut bag_exports: HashMap<u32, Vec<String>> = HashMap::new();
        for section in sections {
            let Top::Instances(r) = &section.payload else {
                continue;
            };
            for instance in wasmparser::InstanceSectionReader::new(reader_at(component, r))? {
                match instance? {
                    Instance::Instantiate { module_index, args } => {
                        for arg in args.iter() {
                            let InstantiationArgKind::Instance = arg.kind;
                            *uses.entry(arg.index).or_default() += 1;
                            if module_index == 0 {
                                bags.entry(arg.index).or_default().push(arg.name.to_owned());
                            }
                        }
                        if module_index == 0 {
                            if names.main_instance.is_some() {
                                return Ok(None);
                            }
                            names.main_instance = Some(index);
                        }
                    }
                    Instance::FromExports(exports) => {
                        bag_exports
                            .insert(index, exports.iter().map(|e| e.name.to_owned()).collect());
                    }
                }
                index += 1;
            }
        }
        for (bag, modules) in bags {
            // Each bag stands for one import module, is used once, and holds only its names.
            let ([module], Some(1), Some(exports)) =
                (&modules[..], uses.get(&bag), bag_exports.get(&bag))
            else {
                return Ok(None);
            };
            if !names.modules.contains_key(module)
                || exports
                    .iter()
                    .any(|e| !names.fields.contains_key(&(module.clone(), e.clone())))
            {
                return Ok(None);
            }
            names.bags.insert(bag, module.clone());
        }
        // The main instance given to another module (wit-component's call of an exported
        // `_initialize`) would be looked up by the old names.
        match names.main_instance {
            Some(main) if !uses.contains_key(&main) => Ok(Some(names)),
            _ => Ok(None),
        }
    }

    /// The main module with its import and export names replaced.
    fn module(&self, module: &[u8]) -> Result<Vec<u8>, Error> {
        let mut out = Vec::with_capacity(module.len());
        out.extend_from_slice(&module[..8]);
        for payload in Parser::new(0).parse_all(module) {
            let payload = payload?;
            match &payload {
                Payload::ImportSection(s) => {
                    let mut imports = wasm_encoder::ImportSection::new();
                    for import in s.clone().into_imports() {
                        let import = import?;
                        let ty = entity_type(import.ty)?;
                        let key = (import.module.to_owned(), import.name.to_owned());
                        imports.import(
                            self.modules
                                .get(import.module)
                                .map_or(import.module, String::as_str),
                            self.fields.get(&key).map_or(import.name, String::as_str),
                            ty,
                        );
                    }
                    out.push(SectionId::Import as u8);
                    imports.encode(&mut out);
                }
                Payload::ExportSection(s) => {
                    let mut exports = wasm_encoder::ExportSection::new();
                    for export in s.clone() {
                        let export = export?;
                        let name = self.exports.get(export.name);
                        let name = name.map_or(export.name, String::as_str);
                        exports.export(name, export.kind.into(), export.index);
                    }
                    out.push(SectionId::Export as u8);
                    exports.encode(&mut out);
                }
                other => {
                    if let Some((id, r)) = other.as_section() {
                        out.push(id);
                        wasm_encoder::RawSection {
                            id,
                            data: &module[range(r)],
                        }
                        .encode(&mut out);
                    }
                }
            }
        }
        Ok(out)
    }

    /// Core instance `index`, its names replaced where it is the main module's or a bag given
    /// to it.
    fn instance(
        &self,
        out: &mut wasm_encoder::InstanceSection,
        index: u32,
        instance: Instance<'_>,
    ) -> Result<(), Error> {
        match instance {
            Instance::Instantiate { module_index, args } => {
                let main = module_index == 0;
                out.instantiate(
                    module_index,
                    args.iter().map(|arg| {
                        let name = match self.modules.get(arg.name) {
                            Some(short) if main => short.as_str(),
                            _ => arg.name,
                        };
                        (name, wasm_encoder::ModuleArg::Instance(arg.index))
                    }),
                );
            }
            Instance::FromExports(exports) => {
                let module = self.bags.get(&index);
                out.export_items(exports.iter().map(|e| {
                    let short =
                        module.and_then(|m| self.fields.get(&(m.clone(), e.name.to_owned())));
                    let name = short.map_or(e.name, String::as_str);
                    (name, e.kind.into(), e.index)
                }));
            }
        }
        Ok(())
    }

    /// An alias, renamed where it names an export of the main module's instance.
    fn alias<'a>(&'a self, alias: ComponentAlias<'a>) -> wasm_encoder::Alias<'a> {
        match alias {
            ComponentAlias::CoreInstanceExport {
                kind,
                instance_index,
                name,
            } => wasm_encoder::Alias::CoreInstanceExport {
                instance: instance_index,
                kind: kind.into(),
                name: match self.exports.get(name) {
                    Some(short) if Some(instance_index) == self.main_instance => short,
                    _ => name,
                },
            },
            ComponentAlias::InstanceExport {
                kind,
                instance_index,
                name,
            } => wasm_encoder::Alias::InstanceExport {
                instance: instance_index,
                kind: kind.into(),
                name,
            },
            ComponentAlias::Outer { kind, count, index } => wasm_encoder::Alias::Outer {
                kind: kind.into(),
                count,
                index,
            },
        }
    }
}

/// `module` without its `_initialize` export. wit-component gives the instance of a module
/// that has one to a second module that calls it, by the module's export names, which then
/// cannot be shortened; a module made by `wit_component::dummy_module` has one that does
/// nothing.
pub fn without_initialize(module: &[u8]) -> Result<Vec<u8>, Error> {
    let mut out = module.get(..8).ok_or(Error::Truncated)?.to_vec();
    for payload in Parser::new(0).parse_all(module) {
        let payload = payload?;
        if let Payload::ExportSection(s) = &payload {
            let mut exports = wasm_encoder::ExportSection::new();
            for e in s.clone() {
                let e = e?;
                if e.name != "_initialize" {
                    exports.export(e.name, e.kind.into(), e.index);
                }
            }
            out.push(SectionId::Export as u8);
            exports.encode(&mut out);
        } else if let Some((id, r)) = payload.as_section() {
            out.push(id);
            module[range(r)].encode(&mut out);
        }
    }
    Ok(out)
}

fn entity_type(ty: TypeRef) -> Result<wasm_encoder::EntityType, Error> {
    RoundtripReencoder.entity_type(ty).map_err(Error::Reencode)
}

/// Why wit-component's output could not be read (it is valid: this would be a bug).
#[derive(Debug)]
pub enum Error {
    Read(BinaryReaderError),
    Truncated,
    Reencode(wasm_encoder::reencode::Error),
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

/// The `n`th short name: `0`…`9`, `a`…`z`, `A`…`Z`, then two characters and more.
fn short(mut n: usize) -> String {
    const DIGITS: &[u8; 62] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut name = Vec::new();
    loop {
        name.push(DIGITS[n % 62]);
        n /= 62;
        if n == 0 {
            break;
        }
        n -= 1;
    }
    name.reverse();
    String::from_utf8(name).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::super::wasi_wit;
    use super::*;
    use crate::versions::Versions;
    use wit_component::{ComponentEncoder, StringEncoding, embed_component_metadata};
    use wit_parser::{LiftLowerAbi, ManglingAndAbi};

    /// The names wit-bindgen gives, as the adapter has them.
    const LEGACY: ManglingAndAbi = ManglingAndAbi::Legacy(LiftLowerAbi::Sync);

    /// wit-component's component for a module with the imports and exports of `world` (WIT
    /// items over WASI 0.2.6), each function a trap.
    fn wrapped(world: &str, mangling: ManglingAndAbi) -> Vec<u8> {
        let versions = Versions::uniform(semver::Version::new(0, 2, 6));
        let mut resolve = wasi_wit::resolve(&versions).unwrap();
        let text = format!("package virtc:test;\n\nworld w {{\n{world}\n}}\n");
        let pkg = resolve.push_source("w.wit", &text).unwrap();
        let world = resolve.select_world(&[pkg], Some("w")).unwrap();
        let mut module = wit_component::dummy_module(&resolve, world, mangling);
        if mangling == LEGACY {
            module = without_initialize(&module).unwrap();
        }
        embed_component_metadata(&mut module, &resolve, world, StringEncoding::UTF8, false)
            .unwrap();
        ComponentEncoder::default()
            .module(&module)
            .unwrap()
            .validate(true)
            .encode()
            .unwrap()
    }

    /// The component's type, printed as WIT.
    fn wit(component: &[u8]) -> String {
        let wit_component::DecodedWasm::Component(resolve, world) =
            wit_component::decode(component).unwrap()
        else {
            panic!("not a component");
        };
        let main = resolve.worlds[world].package.unwrap();
        let others: Vec<_> = resolve
            .packages
            .iter()
            .map(|(id, _)| id)
            .filter(|id| *id != main)
            .collect();
        let mut printer = wit_component::WitPrinter::default();
        printer.print(&resolve, main, &others).unwrap();
        printer.output.to_string()
    }

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
    /// of the main module longer than two characters.
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
}
