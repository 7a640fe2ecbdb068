//! What the rewrite needs to know about a core module (imports, exports, the call graph and
//! where each call sits in its body), read in one pass, and a compact binary form of it.
//!
//! Reading the prebuilt adapter's call graph means decoding every operator of every function,
//! a seventh of a compile's time, for bytes that never change: `compiler/build.rs` includes this
//! very file, reads both prebuilt modules at build time and writes their [`ModuleInfo`] with
//! [`ModuleInfo::encode`]; a compile only [`ModuleInfo::decode`]s it. This file depends on
//! nothing but `std` and wasmparser, so that the build script can compile it as it is.

use wasmparser::{ExternalKind, Operator, Parser, Payload, TypeRef};

use super::data_use::DataUse;

/// Why a module cannot be read, or its encoded form cannot be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InfoError {
    /// The bytes do not parse as a core module (wasmparser's message).
    Parse(String),
    /// The bytes are a component, not a core module.
    NotCoreModule,
    /// The module imports its memory instead of defining it.
    ImportedMemory,
    /// The module has no memory.
    NoMemory,
    /// The encoded form is truncated or not one [`ModuleInfo::encode`] wrote.
    Corrupt,
}

impl From<wasmparser::BinaryReaderError> for InfoError {
    fn from(e: wasmparser::BinaryReaderError) -> Self {
        InfoError::Parse(e.to_string())
    }
}

/// One imported function of the module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FuncImport {
    pub module: String,
    pub name: String,
    pub(crate) type_index: u32,
}

/// An instruction naming a function, as found in a body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SiteOp {
    Call,
    ReturnCall,
    RefFunc,
}

/// One instruction naming a function: its byte range within its body (as
/// `wasmparser::FunctionBody::as_bytes` gives the body, locals included) and the function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Site {
    pub start: u32,
    pub end: u32,
    pub op: SiteOp,
    pub func: u32,
}

/// What the rewrite needs to know about the module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleInfo {
    pub func_imports: Vec<FuncImport>,
    pub exports: Vec<(String, ExternalKind, u32)>,
    pub(crate) defined_types: Vec<u32>,
    /// Per defined function: the instructions that name a function, in body order.
    pub(crate) sites: Vec<Vec<Site>>,
    /// Per defined function: the functions it calls or takes a reference to (from `sites`).
    pub(crate) callees: Vec<Vec<u32>>,
    /// Functions reachable from outside the code: element segments, the start function, globals.
    pub(crate) fixed_roots: Vec<u32>,
    /// Functions whose reference code takes (`ref.func`, from `sites`).
    pub(crate) code_refs: Vec<u32>,
    /// Per type index: whether it is the function type `() -> ()` (what a gate must have).
    pub(crate) empty_types: Vec<bool>,
    /// Per function: whether a defined function or a fixed root calls or references it.
    pub(crate) referenced: Vec<bool>,
    pub(crate) memory_min: Option<u64>,
    /// The data each function names, where the module carries its linking information
    /// (`compiler/build.rs` reads it from the module as linked; see `data_use.rs`).
    pub(crate) data: Option<DataUse>,
}

impl ModuleInfo {
    fn empty() -> ModuleInfo {
        ModuleInfo {
            func_imports: Vec::new(),
            exports: Vec::new(),
            defined_types: Vec::new(),
            sites: Vec::new(),
            callees: Vec::new(),
            fixed_roots: Vec::new(),
            code_refs: Vec::new(),
            empty_types: Vec::new(),
            referenced: Vec::new(),
            memory_min: None,
            data: None,
        }
    }

    /// Reads `bytes`, a core module that defines its memory.
    pub fn parse(bytes: &[u8]) -> Result<ModuleInfo, InfoError> {
        let mut info = ModuleInfo::empty();
        for payload in Parser::new(0).parse_all(bytes) {
            match payload? {
                Payload::Version { encoding, .. } if encoding != wasmparser::Encoding::Module => {
                    return Err(InfoError::NotCoreModule);
                }
                Payload::ImportSection(section) => {
                    for import in section.into_imports() {
                        let import = import?;
                        match import.ty {
                            TypeRef::Func(t) | TypeRef::FuncExact(t) => {
                                info.func_imports.push(FuncImport {
                                    module: import.module.to_owned(),
                                    name: import.name.to_owned(),
                                    type_index: t,
                                })
                            }
                            TypeRef::Memory(_) => return Err(InfoError::ImportedMemory),
                            _ => {}
                        }
                    }
                }
                Payload::TypeSection(section) => {
                    for ty in section.into_iter_err_on_gc_types() {
                        let ty = ty?;
                        info.empty_types
                            .push(ty.params().is_empty() && ty.results().is_empty());
                    }
                }
                Payload::FunctionSection(section) => {
                    for ty in section {
                        info.defined_types.push(ty?);
                    }
                }
                Payload::MemorySection(section) => {
                    if let Some(memory) = section.into_iter().next() {
                        info.memory_min = Some(memory?.initial);
                    }
                }
                Payload::GlobalSection(section) => {
                    for global in section {
                        collect_ref_funcs(global?.init_expr, &mut info.fixed_roots)?;
                    }
                }
                Payload::ExportSection(section) => {
                    for export in section {
                        let export = export?;
                        info.exports
                            .push((export.name.to_owned(), export.kind, export.index));
                    }
                }
                Payload::StartSection { func, .. } => info.fixed_roots.push(func),
                Payload::ElementSection(section) => {
                    for element in section {
                        match element?.items {
                            wasmparser::ElementItems::Functions(funcs) => {
                                for f in funcs {
                                    info.fixed_roots.push(f?);
                                }
                            }
                            wasmparser::ElementItems::Expressions(_, exprs) => {
                                for e in exprs {
                                    collect_ref_funcs(e?, &mut info.fixed_roots)?;
                                }
                            }
                        }
                    }
                }
                Payload::CodeSectionEntry(body) => {
                    let base = body.range().start;
                    let offset = |at: u64| {
                        u32::try_from(at.saturating_sub(base))
                            .map_err(|_| InfoError::Parse("a function body is too large".into()))
                    };
                    let mut sites = Vec::new();
                    let mut ops = body.get_operators_reader()?;
                    while !ops.eof() {
                        let start = ops.original_position();
                        let (op, func) = match ops.read()? {
                            Operator::Call { function_index } => (SiteOp::Call, function_index),
                            Operator::ReturnCall { function_index } => {
                                (SiteOp::ReturnCall, function_index)
                            }
                            Operator::RefFunc { function_index } => {
                                (SiteOp::RefFunc, function_index)
                            }
                            _ => continue,
                        };
                        sites.push(Site {
                            start: offset(start)?,
                            end: offset(ops.original_position())?,
                            op,
                            func,
                        });
                    }
                    info.sites.push(sites);
                }
                _ => {}
            }
        }
        info.finish()
    }

    /// Derives what follows from the rest: callees, code references, referenced functions.
    fn finish(mut self) -> Result<ModuleInfo, InfoError> {
        if self.memory_min.is_none() {
            return Err(InfoError::NoMemory);
        }
        self.callees = self
            .sites
            .iter()
            .map(|sites| {
                let mut callees: Vec<u32> = sites.iter().map(|s| s.func).collect();
                callees.sort_unstable();
                callees.dedup();
                callees
            })
            .collect();
        self.code_refs = self
            .sites
            .iter()
            .flatten()
            .filter(|s| s.op == SiteOp::RefFunc)
            .map(|s| s.func)
            .collect();
        self.referenced = vec![false; self.func_imports.len() + self.defined_types.len()];
        for f in self.callees.iter().flatten().chain(&self.fixed_roots) {
            if let Some(slot) = self.referenced.get_mut(*f as usize) {
                *slot = true;
            }
        }
        Ok(self)
    }

    /// The compact binary form [`ModuleInfo::decode`] reads back.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        let w = &mut out;
        put_len(w, self.func_imports.len());
        for import in &self.func_imports {
            put_str(w, &import.module);
            put_str(w, &import.name);
            put(w, import.type_index.into());
        }
        put_len(w, self.exports.len());
        for (name, kind, index) in &self.exports {
            put_str(w, name);
            put(w, kind_code(*kind));
            put(w, (*index).into());
        }
        put_list(w, &self.defined_types);
        put_len(w, self.sites.len());
        for sites in &self.sites {
            put_len(w, sites.len());
            let mut last = 0;
            for site in sites {
                // Starts ascend within a body: their deltas stay small.
                put(w, (site.start - last).into());
                put(w, (site.end - site.start).into());
                put(w, site.op as u64);
                put(w, site.func.into());
                last = site.start;
            }
        }
        put_list(w, &self.fixed_roots);
        put_len(w, self.empty_types.len());
        w.extend(self.empty_types.iter().map(|e| u8::from(*e)));
        put(w, self.memory_min.unwrap_or(0));
        match &self.data {
            None => put(w, 0),
            Some(data) => {
                put(w, 1);
                data.encode(w);
            }
        }
        out
    }

    /// Reads what [`ModuleInfo::encode`] wrote.
    pub fn decode(bytes: &[u8]) -> Result<ModuleInfo, InfoError> {
        let mut r = Reader(bytes.strip_prefix(MAGIC).ok_or(InfoError::Corrupt)?);
        let mut info = ModuleInfo::empty();
        for _ in 0..r.len()? {
            info.func_imports.push(FuncImport {
                module: r.string()?,
                name: r.string()?,
                type_index: r.u32()?,
            });
        }
        for _ in 0..r.len()? {
            let name = r.string()?;
            let kind = kind_of(r.u32()?)?;
            info.exports.push((name, kind, r.u32()?));
        }
        info.defined_types = r.list()?;
        for _ in 0..r.len()? {
            let n = r.len()?;
            let mut sites = Vec::with_capacity(n);
            let mut last = 0u32;
            for _ in 0..n {
                let start = last.checked_add(r.u32()?).ok_or(InfoError::Corrupt)?;
                let end = start.checked_add(r.u32()?).ok_or(InfoError::Corrupt)?;
                let op = match r.u32()? {
                    0 => SiteOp::Call,
                    1 => SiteOp::ReturnCall,
                    2 => SiteOp::RefFunc,
                    _ => return Err(InfoError::Corrupt),
                };
                sites.push(Site {
                    start,
                    end,
                    op,
                    func: r.u32()?,
                });
                last = start;
            }
            info.sites.push(sites);
        }
        info.fixed_roots = r.list()?;
        let n = r.len()?;
        info.empty_types = r.take(n)?.iter().map(|b| *b != 0).collect();
        info.memory_min = Some(r.u64()?);
        info.data = match r.u32()? {
            0 => None,
            1 => Some(DataUse::decode(&mut r)?),
            _ => return Err(InfoError::Corrupt),
        };
        if info
            .data
            .as_ref()
            .is_some_and(|d| d.by_func.len() != info.defined_types.len())
        {
            return Err(InfoError::Corrupt);
        }
        if !r.0.is_empty() || info.sites.len() != info.defined_types.len() {
            return Err(InfoError::Corrupt);
        }
        info.finish()
    }
}

const MAGIC: &[u8] = b"virtc-module-info-2\0";

fn collect_ref_funcs(expr: wasmparser::ConstExpr<'_>, out: &mut Vec<u32>) -> Result<(), InfoError> {
    let mut ops = expr.get_operators_reader();
    while !ops.eof() {
        if let Operator::RefFunc { function_index } = ops.read()? {
            out.push(function_index);
        }
    }
    Ok(())
}

fn kind_code(kind: ExternalKind) -> u64 {
    match kind {
        ExternalKind::Func => 0,
        ExternalKind::Table => 1,
        ExternalKind::Memory => 2,
        ExternalKind::Global => 3,
        ExternalKind::Tag => 4,
        ExternalKind::FuncExact => 5,
    }
}

fn kind_of(code: u32) -> Result<ExternalKind, InfoError> {
    Ok(match code {
        0 => ExternalKind::Func,
        1 => ExternalKind::Table,
        2 => ExternalKind::Memory,
        3 => ExternalKind::Global,
        4 => ExternalKind::Tag,
        5 => ExternalKind::FuncExact,
        _ => return Err(InfoError::Corrupt),
    })
}

/// Appends `n` as unsigned LEB128.
pub(crate) fn put(out: &mut Vec<u8>, mut n: u64) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

pub(crate) fn put_len(out: &mut Vec<u8>, n: usize) {
    put(out, n as u64);
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_len(out, s.len());
    out.extend_from_slice(s.as_bytes());
}

fn put_list(out: &mut Vec<u8>, list: &[u32]) {
    put_len(out, list.len());
    for n in list {
        put(out, u64::from(*n));
    }
}

/// Reads the encoded form from the front.
pub(crate) struct Reader<'a>(pub(crate) &'a [u8]);

impl<'a> Reader<'a> {
    fn u64(&mut self) -> Result<u64, InfoError> {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let (byte, rest) = self.0.split_first().ok_or(InfoError::Corrupt)?;
            self.0 = rest;
            n |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(n);
            }
        }
        Err(InfoError::Corrupt)
    }

    pub(crate) fn u32(&mut self) -> Result<u32, InfoError> {
        u32::try_from(self.u64()?).map_err(|_| InfoError::Corrupt)
    }

    /// A count, which cannot exceed the bytes left (every item takes at least one).
    pub(crate) fn len(&mut self) -> Result<usize, InfoError> {
        let n = usize::try_from(self.u64()?).map_err(|_| InfoError::Corrupt)?;
        if n > self.0.len() {
            return Err(InfoError::Corrupt);
        }
        Ok(n)
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], InfoError> {
        if n > self.0.len() {
            return Err(InfoError::Corrupt);
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn string(&mut self) -> Result<String, InfoError> {
        let n = self.len()?;
        let bytes = self.take(n)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| InfoError::Corrupt)
    }

    pub(crate) fn list(&mut self) -> Result<Vec<u32>, InfoError> {
        let n = self.len()?;
        (0..n).map(|_| self.u32()).collect()
    }
}
