//! The main module's core import and export names: wit-component keeps wit-bindgen's
//! (`wasi:filesystem/types@0.2.6#[method]descriptor.read`, `[export]wasi:io/streams@0.2.6`,
//! `cabi_post_…`), which inside a component are matched only by the component's own wiring: the
//! arguments of the main module's instantiation, the bags of exports given to it, and the
//! `alias core export`s of its instance that lifts, options and the shim's fix-up use. They are
//! shortened in all those places at once; a wrapper laid out otherwise than this expects (an
//! argument that is not a bag of exports, a bag shared between instantiations, the main instance
//! given to another module) keeps them.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use wasm_encoder::reencode::{Reencode, RoundtripReencoder};
use wasm_encoder::{Encode, SectionId};
use wasmparser::{ComponentAlias, Instance, InstantiationArgKind, Parser, Payload, TypeRef};

use super::{Error, Section, Top, reader_at, rewrite_module};

/// The renaming: old core names of the main module to new ones.
#[derive(Default)]
pub struct Names {
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
    pub fn active(&self) -> bool {
        self.main_instance.is_some()
    }

    /// The renaming for `component`, or `None` when its wiring is not the one expected.
    pub fn plan(component: &[u8], sections: &[Section]) -> Result<Option<Names>, Error> {
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
    pub fn module(&self, module: &[u8]) -> Result<Vec<u8>, Error> {
        rewrite_module(module, |payload, out| {
            match payload {
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
                    imports.encode(out);
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
                    exports.encode(out);
                }
                _ => return Ok(false),
            }
            Ok(true)
        })
    }

    /// Core instance `index`, its names replaced where it is the main module's or a bag given
    /// to it.
    pub fn instance(
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
    pub fn alias<'a>(&'a self, alias: ComponentAlias<'a>) -> wasm_encoder::Alias<'a> {
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

fn entity_type(ty: TypeRef) -> Result<wasm_encoder::EntityType, Error> {
    RoundtripReencoder.entity_type(ty).map_err(Error::from)
}

/// The `n`th short core name: `0`…`9`, `a`…`z`, `A`…`Z`, then two characters and more.
pub(super) fn short(n: usize) -> String {
    super::nth_name(
        n,
        b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    )
}
