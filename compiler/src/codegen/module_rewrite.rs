//! Rewrites the adapter's core module for one policy without binaryen: turns imports into
//! constant or `unreachable` functions, drops exports and the functions no export can reach
//! (so the imports only they used disappear too), renames import modules and export names, and
//! appends the policy's bytes to memory.
//!
//! Two ways cut code the policy cannot reach although an export can: *gates* and *stubbed
//! exports*. A gate is an import `() -> ()` that the adapter calls first thing in each
//! (never inlined) entry function of a subsystem: open, its calls vanish; closed, every function
//! that calls it becomes `unreachable`, so what only those functions reached is dropped. A
//! stubbed export (a method of a resource the policy never hands out) becomes `unreachable`
//! likewise, provided nothing inside the module calls it.

use std::collections::HashMap;

use super::error::{RewriteError, why};
use data_use::DataUse;
use gates::stubbed_functions;
pub(crate) use info::put as put_leb;
pub use info::{FuncImport, InfoError, ModuleInfo};
use info::{Site, SiteOp};
use wasm_encoder::reencode::{self, Reencode};
use wasmparser::{ExternalKind, Parser, Payload, TypeRef};

/// What becomes of one imported function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportAction {
    /// Stays an import (if anything reachable still calls it).
    Keep,
    /// Becomes a function whose body is `unreachable`.
    Trap,
    /// Becomes a function returning the address of the appended data.
    DataAddress,
    /// Becomes a function returning the length of the appended data.
    DataLength,
    /// A gate whose subsystem the policy has: its calls are removed.
    GateOpen,
    /// A gate whose subsystem the policy lacks: every function calling it becomes `unreachable`.
    GateClosed,
}

impl ImportAction {
    fn is_gate(self) -> bool {
        matches!(self, ImportAction::GateOpen | ImportAction::GateClosed)
    }
}

impl ModuleInfo {
    fn import_count(&self) -> u32 {
        self.func_imports.len() as u32
    }
}

/// The decisions for one rewrite.
pub struct Plan<'a> {
    /// Decides each function import by (module, name).
    pub import: &'a dyn Fn(&str, &str) -> ImportAction,
    /// Whether an export survives.
    pub keep_export: &'a dyn Fn(&str) -> bool,
    /// Whether a surviving export can be called from outside (`cabi_post_NAME` follows
    /// `NAME`). One that cannot is dropped too, unless the module keeps an import of the same
    /// function (`MODULE#NAME` exported, `NAME` imported from `MODULE`): an interface both
    /// imported and exported declares one set of functions for both.
    pub called: &'a dyn Fn(&str) -> bool,
    /// Whether a surviving export can never be called under the policy (it becomes
    /// `unreachable` when every name of its function says so and nothing in the module calls it).
    pub stub_export: &'a dyn Fn(&str) -> bool,
    /// Renames import modules and export names.
    pub rename: &'a dyn Fn(&str) -> String,
    /// Bytes appended to memory; `DataAddress`/`DataLength` imports describe them.
    pub data: &'a [u8],
    /// Bytes that follow `data` in memory but not in its segment: the embedded image, written
    /// into the output after the segment's bytes at the end (`codegen::splice`). Memory and
    /// `DataLength` count them.
    pub data_tail: usize,
    /// Custom sections to drop (by exact name or prefix ending in `*`).
    pub drop_custom: &'a dyn Fn(&str) -> bool,
}

/// What the rewrite produced.
#[derive(Debug)]
pub struct Rewritten {
    pub bytes: Vec<u8>,
    /// The import modules still imported, with their (renamed) names.
    pub kept_import_modules: Vec<String>,
    /// The function exports kept, with their (renamed) names.
    pub kept_exports: Vec<String>,
}

/// Per data segment of `module`, the parts of `live` to write ([`DataUse::runs`]).
fn write_runs(
    module: &[u8],
    live: &[Vec<std::ops::Range<u32>>],
) -> Result<Vec<Vec<std::ops::Range<u32>>>, RewriteError> {
    let failed = |e: wasmparser::BinaryReaderError| RewriteError::Reencode { why: why(e) };
    for payload in Parser::new(0).parse_all(module) {
        if let Payload::DataSection(section) = payload.map_err(failed)? {
            let mut runs = Vec::with_capacity(live.len());
            for (segment, live) in section.into_iter().zip(live) {
                let segment = segment.map_err(failed)?;
                runs.push(DataUse::runs(live, segment.data, SEGMENT_COST));
            }
            return Ok(runs);
        }
    }
    Ok(Vec::new())
}

/// What a data segment costs besides its bytes (flags, address, size): live bytes closer
/// together than this share one segment.
const SEGMENT_COST: u32 = 8;

/// What a data segment described by the module's linking information must be.
const SEGMENT_SHAPE: &str = "a data segment the linking information describes is not active at a constant address of memory 0";

pub fn rewrite(
    bytes: &[u8],
    info: &ModuleInfo,
    plan: &Plan<'_>,
) -> Result<Rewritten, RewriteError> {
    let n_imports = info.import_count();
    let n_defined = info.defined_types.len() as u32;
    let actions: Vec<ImportAction> = info
        .func_imports
        .iter()
        .map(|i| (plan.import)(&i.module, &i.name))
        .collect();
    for (import, action) in info.func_imports.iter().zip(&actions) {
        let empty = info.empty_types.get(import.type_index as usize) == Some(&true);
        if action.is_gate() && !empty {
            return Err(RewriteError::Reencode {
                why: format!(
                    "the gate {}#{} is not a function of no parameters and no results",
                    import.module, import.name
                ),
            });
        }
    }
    let stubbed = stubbed_functions(info, plan, &actions)?;

    // Reachability from the surviving exports and the fixed roots. An export that survives but
    // cannot be called waits until the module keeps an import of the same name.
    let base = |name: &str| name.strip_prefix("cabi_post_").unwrap_or(name).to_owned();
    let mut export_kept = vec![false; info.exports.len()];
    let mut waiting: HashMap<String, Vec<usize>> = HashMap::new();
    let mut live = vec![false; (n_imports + n_defined) as usize];
    let mut stack: Vec<u32> = info.fixed_roots.clone();
    for (e, (name, kind, index)) in info.exports.iter().enumerate() {
        if *kind != ExternalKind::Func {
            export_kept[e] = true;
        } else if (plan.keep_export)(name) {
            if (plan.called)(name) {
                export_kept[e] = true;
                stack.push(*index);
            } else {
                waiting.entry(base(name)).or_default().push(e);
            }
        }
    }
    while let Some(f) = stack.pop() {
        let Some(slot) = live.get_mut(f as usize) else {
            return Err(RewriteError::FunctionOutOfRange { index: f });
        };
        if *slot {
            continue;
        }
        *slot = true;
        if f >= n_imports && !stubbed[(f - n_imports) as usize] {
            stack.extend(info.callees[(f - n_imports) as usize].iter().copied());
        } else if let Some(import) = info.func_imports.get(f as usize)
            && actions[f as usize] == ImportAction::Keep
            && let Some(exports) = waiting.remove(&format!("{}#{}", import.module, import.name))
        {
            for e in exports {
                export_kept[e] = true;
                stack.push(info.exports[e].2);
            }
        }
    }
    let kept_exports = info
        .exports
        .iter()
        .zip(&export_kept)
        .filter(|((_, kind, _), kept)| **kept && *kind == ExternalKind::Func)
        .map(|((name, _, _), _)| (plan.rename)(name))
        .collect();

    // New function index space: kept imports, then the live defined functions, then stubs that
    // replace the live imports that were not kept. Functions nothing live reaches are dropped.
    let mut func_map = vec![u32::MAX; (n_imports + n_defined) as usize];
    let mut kept = 0u32;
    let mut stubs: Vec<(u32, ImportAction)> = Vec::new();
    let mut kept_import_modules = Vec::new();
    for (i, import) in info.func_imports.iter().enumerate() {
        let action = actions[i];
        if !live[i] || action.is_gate() {
            continue;
        }
        if action == ImportAction::Keep {
            func_map[i] = kept;
            kept += 1;
            let module = (plan.rename)(&import.module);
            if !kept_import_modules.contains(&module) {
                kept_import_modules.push(module);
            }
        } else {
            stubs.push((i as u32, action));
        }
    }
    let mut next = kept;
    for d in 0..n_defined {
        let index = (n_imports + d) as usize;
        if live[index] {
            func_map[index] = next;
            next += 1;
        }
    }
    for (k, (i, _)) in stubs.iter().enumerate() {
        func_map[*i as usize] = next + k as u32;
    }

    let memory_min = info.memory_min.unwrap_or(0);
    let data_len = plan.data.len() + plan.data_tail;
    let data_address = memory_min
        .checked_mul(65536)
        .filter(|a| *a + data_len as u64 <= u32::MAX as u64)
        .ok_or(RewriteError::MemoryTooLarge { data: data_len })?;
    let extra_pages = (data_len as u64).div_ceil(65536);
    // The constants the kept code (or constants it names) can read; the rest of the data
    // segments goes.
    let data_ranges = match &info.data {
        Some(d) => {
            let live = d.live_ranges(|f| live[n_imports as usize + f] && !stubbed[f], 0);
            Some(write_runs(bytes, &live)?)
        }
        None => None,
    };

    let mut rewriter = Rewriter {
        info,
        plan,
        func_map,
        actions: &actions,
        live: &live,
        export_kept: &export_kept,
        stubbed: &stubbed,
        stubs,
        n_imports,
        data_address: data_address as u32,
        extra_pages,
        data_emitted: false,
        defined_seen: 0,
        data_ranges,
    };
    let mut module = wasm_encoder::Module::new();
    rewriter
        .parse_core_module(&mut module, Parser::new(0), bytes)
        .map_err(|e| RewriteError::Reencode { why: why(e) })?;
    Ok(Rewritten {
        bytes: module.finish(),
        kept_import_modules,
        kept_exports,
    })
}

struct Rewriter<'a> {
    info: &'a ModuleInfo,
    plan: &'a Plan<'a>,
    func_map: Vec<u32>,
    actions: &'a [ImportAction],
    live: &'a [bool],
    /// Per export of the input: whether it stays.
    export_kept: &'a [bool],
    /// Per defined function: whether its body becomes `unreachable`.
    stubbed: &'a [bool],
    stubs: Vec<(u32, ImportAction)>,
    n_imports: u32,
    data_address: u32,
    extra_pages: u64,
    data_emitted: bool,
    defined_seen: u32,
    /// Per data segment, the byte ranges written (see `data_use.rs`); all of every segment
    /// when the module carries no linking information.
    data_ranges: Option<Vec<Vec<std::ops::Range<u32>>>>,
}

impl Rewriter<'_> {
    fn is_gate(&self, func: u32) -> bool {
        self.actions.get(func as usize).is_some_and(|a| a.is_gate())
    }

    /// Writes the instruction at `site` with its function renumbered. An open gate's call does
    /// nothing; a tail call to it is a return.
    fn patch(&self, site: &Site, out: &mut Vec<u8>) {
        if self.is_gate(site.func) {
            if site.op == SiteOp::ReturnCall {
                out.push(0x0f);
            }
            return;
        }
        out.push(opcode(site.op));
        put_leb(out, u64::from(self.func_map[site.func as usize]));
    }

    fn append_data(&mut self, data: &mut wasm_encoder::DataSection) {
        if !self.plan.data.is_empty() {
            data.active(
                0,
                &wasm_encoder::ConstExpr::i32_const(self.data_address as i32),
                self.plan.data.iter().copied(),
            );
        }
        self.data_emitted = true;
    }
}

impl Reencode for Rewriter<'_> {
    /// The module info does not describe the bytes being rewritten.
    type Error = String;

    fn function_index(&mut self, func: u32) -> Result<u32, reencode::Error<Self::Error>> {
        Ok(self.func_map[func as usize])
    }

    fn parse_import_section(
        &mut self,
        imports: &mut wasm_encoder::ImportSection,
        section: wasmparser::ImportSectionReader<'_>,
    ) -> Result<(), reencode::Error<Self::Error>> {
        let mut func = 0usize;
        for import in section.into_imports() {
            let import = import?;
            let is_func = matches!(import.ty, TypeRef::Func(_) | TypeRef::FuncExact(_));
            if is_func {
                let keep = self.actions[func] == ImportAction::Keep && self.live[func];
                func += 1;
                if !keep {
                    continue;
                }
            }
            let module = (self.plan.rename)(import.module);
            imports.import(&module, import.name, self.entity_type(import.ty)?);
        }
        Ok(())
    }

    fn parse_function_section(
        &mut self,
        functions: &mut wasm_encoder::FunctionSection,
        section: wasmparser::FunctionSectionReader<'_>,
    ) -> Result<(), reencode::Error<Self::Error>> {
        for (d, ty) in (0u32..).zip(section) {
            let ty = ty?;
            if self.live[(self.n_imports + d) as usize] {
                functions.function(self.type_index(ty)?);
            }
        }
        for (i, _) in self.stubs.clone() {
            let ty = self.info.func_imports[i as usize].type_index;
            functions.function(self.type_index(ty)?);
        }
        Ok(())
    }

    fn parse_function_body(
        &mut self,
        code: &mut wasm_encoder::CodeSection,
        func: wasmparser::FunctionBody<'_>,
    ) -> Result<(), reencode::Error<Self::Error>> {
        let defined = self.defined_seen;
        self.defined_seen += 1;
        if !self.live[(self.n_imports + defined) as usize] {
            return Ok(());
        }
        if self.stubbed[defined as usize] {
            code.function(&unreachable_body());
            return Ok(());
        }
        // Only the instructions that name a function change: the rest is copied as it is.
        let sites = self
            .info
            .sites
            .get(defined as usize)
            .ok_or_else(|| stale("more bodies than functions"))?;
        let body = func.as_bytes();
        let mut out = Vec::with_capacity(body.len());
        let mut copied = 0usize;
        for site in sites {
            let (start, end) = (site.start as usize, site.end as usize);
            if start < copied || end > body.len() || body.get(start) != Some(&opcode(site.op)) {
                return Err(stale("a call is not where the module info says"));
            }
            out.extend_from_slice(&body[copied..start]);
            copied = end;
            self.patch(site, &mut out);
        }
        out.extend_from_slice(&body[copied..]);
        code.raw(&out);
        Ok(())
    }

    fn parse_code_section(
        &mut self,
        code: &mut wasm_encoder::CodeSection,
        section: wasmparser::CodeSectionReader<'_>,
    ) -> Result<(), reencode::Error<Self::Error>> {
        for func in section {
            self.parse_function_body(code, func?)?;
        }
        for (_, action) in self.stubs.clone() {
            let mut f = wasm_encoder::Function::new([]);
            match action {
                ImportAction::DataAddress => {
                    f.instruction(&wasm_encoder::Instruction::I32Const(
                        self.data_address as i32,
                    ));
                }
                ImportAction::DataLength => {
                    f.instruction(&wasm_encoder::Instruction::I32Const(
                        (self.plan.data.len() + self.plan.data_tail) as i32,
                    ));
                }
                ImportAction::Keep
                | ImportAction::Trap
                | ImportAction::GateOpen
                | ImportAction::GateClosed => {
                    f.instruction(&wasm_encoder::Instruction::Unreachable);
                }
            }
            f.instruction(&wasm_encoder::Instruction::End);
            code.function(&f);
        }
        Ok(())
    }

    fn parse_export_section(
        &mut self,
        exports: &mut wasm_encoder::ExportSection,
        section: wasmparser::ExportSectionReader<'_>,
    ) -> Result<(), reencode::Error<Self::Error>> {
        for (e, export) in section.into_iter().enumerate() {
            let export = export?;
            if self.export_kept.get(e) != Some(&true) {
                continue;
            }
            if export.kind != ExternalKind::Func && export.kind != ExternalKind::Memory {
                // `__data_end`, `__heap_base` and friends mean nothing to a component.
                continue;
            }
            let name = (self.plan.rename)(export.name);
            exports.export(
                &name,
                self.export_kind(export.kind)?,
                self.external_index(export.kind, export.index)?,
            );
        }
        Ok(())
    }

    fn parse_memory_section(
        &mut self,
        memories: &mut wasm_encoder::MemorySection,
        section: wasmparser::MemorySectionReader<'_>,
    ) -> Result<(), reencode::Error<Self::Error>> {
        for (i, memory) in section.into_iter().enumerate() {
            let mut ty = self.memory_type(memory?)?;
            if i == 0 {
                ty.minimum += self.extra_pages;
                if let Some(max) = ty.maximum.as_mut() {
                    *max = (*max).max(ty.minimum);
                }
            }
            memories.memory(ty);
        }
        Ok(())
    }

    fn parse_data_section(
        &mut self,
        data: &mut wasm_encoder::DataSection,
        section: wasmparser::DataSectionReader<'_>,
    ) -> Result<(), reencode::Error<Self::Error>> {
        let Some(ranges) = self.data_ranges.take() else {
            reencode::utils::parse_data_section(self, data, section)?;
            self.append_data(data);
            return Ok(());
        };
        for (segment, ranges) in section.into_iter().zip(&ranges) {
            let segment = segment?;
            let base = match &segment.kind {
                wasmparser::DataKind::Active {
                    memory_index: 0,
                    offset_expr,
                } => match offset_expr.get_operators_reader().read()? {
                    wasmparser::Operator::I32Const { value } => value,
                    _ => return Err(reencode::Error::UserError(SEGMENT_SHAPE.into())),
                },
                _ => return Err(reencode::Error::UserError(SEGMENT_SHAPE.into())),
            };
            for r in ranges {
                let bytes = segment
                    .data
                    .get(r.start as usize..r.end as usize)
                    .ok_or_else(|| reencode::Error::UserError(SEGMENT_SHAPE.into()))?;
                data.active(
                    0,
                    &wasm_encoder::ConstExpr::i32_const(base.wrapping_add(r.start as i32)),
                    bytes.iter().copied(),
                );
            }
        }
        self.data_ranges = Some(ranges);
        self.append_data(data);
        Ok(())
    }

    fn data_count(&mut self, count: u32) -> Result<u32, reencode::Error<Self::Error>> {
        let count = match &self.data_ranges {
            Some(ranges) => ranges.iter().map(|r| r.len() as u32).sum(),
            None => count,
        };
        Ok(count + u32::from(!self.plan.data.is_empty()))
    }

    fn intersperse_section_hook(
        &mut self,
        module: &mut wasm_encoder::Module,
        after: Option<wasm_encoder::SectionId>,
        before: Option<wasm_encoder::SectionId>,
    ) -> Result<(), reencode::Error<Self::Error>> {
        // A module without a data section gets one after its code.
        if before.is_none() && after.is_some() && !self.data_emitted {
            let mut data = wasm_encoder::DataSection::new();
            self.append_data(&mut data);
            if !self.plan.data.is_empty() {
                module.section(&data);
            }
        }
        Ok(())
    }

    fn parse_custom_section(
        &mut self,
        module: &mut wasm_encoder::Module,
        section: wasmparser::CustomSectionReader<'_>,
    ) -> Result<(), reencode::Error<Self::Error>> {
        if (self.plan.drop_custom)(section.name()) {
            return Ok(());
        }
        reencode::utils::parse_custom_section(self, module, section)
    }
}

/// The opcode of an instruction that names a function.
fn opcode(op: SiteOp) -> u8 {
    match op {
        SiteOp::Call => 0x10,
        SiteOp::ReturnCall => 0x12,
        SiteOp::RefFunc => 0xd2,
    }
}

/// The module info does not describe the bytes being rewritten.
fn stale(what: &str) -> reencode::Error<String> {
    reencode::Error::UserError(format!("the module info is stale: {what}"))
}

/// A body that traps.
fn unreachable_body() -> wasm_encoder::Function {
    let mut f = wasm_encoder::Function::new([]);
    f.instruction(&wasm_encoder::Instruction::Unreachable);
    f.instruction(&wasm_encoder::Instruction::End);
    f
}

/// Counts, for reports: how many functions each import module contributes.
pub fn import_modules(bytes: &[u8]) -> Result<HashMap<String, usize>, RewriteError> {
    let mut out = HashMap::new();
    for payload in Parser::new(0).parse_all(bytes) {
        if let Payload::ImportSection(section) = payload? {
            for import in section.into_imports() {
                *out.entry(import?.module.to_owned()).or_default() += 1;
            }
        }
    }
    Ok(out)
}

mod data_use;
mod gates;
mod info;
#[cfg(test)]
mod tests;
