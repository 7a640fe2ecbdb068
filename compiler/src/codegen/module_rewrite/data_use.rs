//! Which bytes of a module's data segments each function needs, read from the symbol table and
//! relocations the linker keeps with `--emit-relocs` (`adapter/build.sh`): the rewrite drops a
//! function nothing reaches, and with this it also drops the constants only such functions
//! named (strings, tables, the statics of interfaces the policy cannot reach), which would
//! otherwise stay in the data segment of every adapter.
//!
//! Sound because a linked module names a data address only where the linker patched one in: every
//! such place has a relocation naming its symbol, in the code (`reloc.CODE`) or in another
//! constant (`reloc.DATA`). A module that names data any other way (a relocation to a section
//! symbol or to an undefined one, `memory.init` or `data.drop` naming segments by index) is
//! not trimmed. Like `info.rs`, this file depends on nothing but `std` and wasmparser, as
//! `compiler/build.rs` includes it too.

use std::ops::Range;

use wasmparser::{KnownCustom, Linking, Operator, Parser, Payload, RelocationType, SymbolInfo};

use super::info::{InfoError, Reader, put, put_len};

/// One data symbol: where its bytes lie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Symbol {
    pub segment: u32,
    pub offset: u32,
    pub size: u32,
}

/// The data a module's functions and constants name (see the module's documentation).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DataUse {
    /// The size of each data segment.
    pub segments: Vec<u32>,
    /// The data symbols defined in a segment.
    pub symbols: Vec<Symbol>,
    /// Per defined function: the data symbols its code names (indices into `symbols`).
    pub by_func: Vec<Vec<u32>>,
    /// Per data symbol: the data symbols its bytes name.
    pub by_symbol: Vec<Vec<u32>>,
}

/// Whether a relocation writes a data address.
#[cfg_attr(not(test), allow(dead_code))] // Used by `compiler/build.rs` (and tests).
fn names_data(ty: RelocationType) -> bool {
    use RelocationType::*;
    matches!(
        ty,
        MemoryAddrLeb
            | MemoryAddrSleb
            | MemoryAddrI32
            | MemoryAddrRelSleb
            | MemoryAddrLeb64
            | MemoryAddrSleb64
            | MemoryAddrI64
            | MemoryAddrRelSleb64
            | MemoryAddrTlsSleb
            | MemoryAddrLocrelI32
            | MemoryAddrTlsSleb64
    )
}

impl DataUse {
    /// Reads `module`'s linking information; `None` when it has none or names data in a way
    /// this does not follow.
    #[cfg_attr(not(test), allow(dead_code))] // Used by `compiler/build.rs` (and tests).
    pub fn parse(module: &[u8]) -> Result<Option<DataUse>, InfoError> {
        // Data symbols by symbol table index.
        let mut table: Vec<Option<u32>> = Vec::new();
        let mut data = DataUse::default();
        let mut bodies: Vec<Range<u64>> = Vec::new();
        let mut code_start = None;
        // Where each segment's bytes start in the module.
        let mut segment_starts: Vec<u64> = Vec::new();
        let mut data_start = None;
        let mut relocs = Vec::new();
        for payload in Parser::new(0).parse_all(module) {
            match payload? {
                Payload::CodeSectionStart {
                    unchecked_range, ..
                } => code_start = Some(unchecked_range.start),
                Payload::CodeSectionEntry(body) => {
                    let mut ops = body.get_operators_reader()?;
                    while !ops.eof() {
                        if let Operator::MemoryInit { .. } | Operator::DataDrop { .. } =
                            ops.read()?
                        {
                            return Ok(None);
                        }
                    }
                    bodies.push(body.range());
                }
                Payload::DataSection(section) => {
                    data_start = Some(section.range().start);
                    for segment in section {
                        let segment = segment?;
                        // The rewrite writes what is kept of a segment at its address.
                        let wasmparser::DataKind::Active {
                            memory_index: 0,
                            offset_expr,
                        } = &segment.kind
                        else {
                            return Ok(None);
                        };
                        if !matches!(
                            offset_expr.get_operators_reader().read()?,
                            Operator::I32Const { .. }
                        ) {
                            return Ok(None);
                        }
                        let len = segment.data.len() as u64;
                        segment_starts.push(segment.range.end - len);
                        data.segments.push(len as u32);
                    }
                }
                Payload::CustomSection(c) => match c.as_known() {
                    KnownCustom::Linking(linking) => {
                        for sub in linking.subsections() {
                            let Linking::SymbolTable(symbols) = sub? else {
                                continue;
                            };
                            for symbol in symbols {
                                table.push(match symbol? {
                                    SymbolInfo::Data {
                                        symbol: Some(s), ..
                                    } => {
                                        data.symbols.push(Symbol {
                                            segment: s.index,
                                            offset: s.offset,
                                            size: s.size,
                                        });
                                        Some(data.symbols.len() as u32 - 1)
                                    }
                                    _ => None,
                                });
                            }
                        }
                    }
                    KnownCustom::Reloc(reloc) => {
                        let code = c.name() == "reloc.CODE";
                        if code || c.name() == "reloc.DATA" {
                            for entry in reloc.entries() {
                                relocs.push((code, entry?));
                            }
                        }
                    }
                    _ => {}
                },
                _ => {}
            }
        }
        if table.is_empty() {
            return Ok(None);
        }
        data.by_func = vec![Vec::new(); bodies.len()];
        data.by_symbol = vec![Vec::new(); data.symbols.len()];
        for (code, entry) in relocs {
            if !names_data(entry.ty) {
                continue;
            }
            let Some(Some(target)) = table.get(entry.index as usize).copied() else {
                // A section symbol or an undefined one: not followed.
                return Ok(None);
            };
            if code {
                let Some(start) = code_start else {
                    return Ok(None);
                };
                let at = start + u64::from(entry.offset);
                let Some(func) = bodies.iter().position(|b| b.start <= at && at < b.end) else {
                    return Ok(None);
                };
                data.by_func[func].push(target);
            } else {
                let Some(start) = data_start else {
                    return Ok(None);
                };
                let at = start + u64::from(entry.offset);
                let Some(segment) = segment_starts
                    .iter()
                    .zip(&data.segments)
                    .position(|(s, len)| *s <= at && at < *s + u64::from(*len))
                else {
                    return Ok(None);
                };
                let offset = (at - segment_starts[segment]) as u32;
                // The constants whose bytes hold the address; none where it lies in padding
                // (never read).
                for (source, s) in data.symbols.iter().enumerate() {
                    if s.segment as usize == segment
                        && s.offset <= offset
                        && offset < s.offset + s.size
                    {
                        data.by_symbol[source].push(target);
                    }
                }
            }
        }
        for list in data.by_func.iter_mut().chain(data.by_symbol.iter_mut()) {
            list.sort_unstable();
            list.dedup();
        }
        Ok(Some(data))
    }

    /// Per segment, the byte ranges the functions for which `live` (by defined function index)
    /// holds may read, ascending and disjoint; runs less than `gap` bytes apart are joined.
    pub fn live_ranges(&self, live: impl Fn(usize) -> bool, gap: u32) -> Vec<Vec<Range<u32>>> {
        let mut marked = vec![false; self.symbols.len()];
        let mut stack: Vec<u32> = Vec::new();
        for (f, symbols) in self.by_func.iter().enumerate() {
            if live(f) {
                stack.extend(symbols);
            }
        }
        while let Some(s) = stack.pop() {
            if let Some(m) = marked.get_mut(s as usize)
                && !*m
            {
                *m = true;
                stack.extend(&self.by_symbol[s as usize]);
            }
        }
        let mut ranges: Vec<Vec<Range<u32>>> = vec![Vec::new(); self.segments.len()];
        for (s, symbol) in self.symbols.iter().enumerate() {
            if marked[s]
                && symbol.size > 0
                && let Some(list) = ranges.get_mut(symbol.segment as usize)
            {
                list.push(symbol.offset..symbol.offset + symbol.size);
            }
        }
        for list in &mut ranges {
            list.sort_unstable_by_key(|r| r.start);
            let mut joined: Vec<Range<u32>> = Vec::with_capacity(list.len());
            for r in list.drain(..) {
                match joined.last_mut() {
                    Some(last) if r.start <= last.end.saturating_add(gap) => {
                        last.end = last.end.max(r.end)
                    }
                    _ => joined.push(r),
                }
            }
            *list = joined;
        }
        ranges
    }

    /// Of `bytes`, one segment's, the parts to write: the non-zero bytes within `live`, runs
    /// less than `gap` bytes apart joined (fresh memory is zero: a zero needs no writing).
    pub fn runs(live: &[Range<u32>], bytes: &[u8], gap: u32) -> Vec<Range<u32>> {
        let mut runs: Vec<Range<u32>> = Vec::new();
        for r in live {
            let Some(part) = bytes.get(r.start as usize..r.end as usize) else {
                continue;
            };
            let mut at = 0usize;
            while at < part.len() {
                if part[at] == 0 {
                    at += 1;
                    continue;
                }
                let start = at;
                while at < part.len() && part[at] != 0 {
                    at += 1;
                }
                let run = r.start + start as u32..r.start + at as u32;
                match runs.last_mut() {
                    Some(last) if run.start <= last.end.saturating_add(gap) => last.end = run.end,
                    _ => runs.push(run),
                }
            }
        }
        runs
    }

    /// Appends the compact form [`DataUse::decode`] reads.
    pub fn encode(&self, w: &mut Vec<u8>) {
        put_len(w, self.segments.len());
        for len in &self.segments {
            put(w, u64::from(*len));
        }
        put_len(w, self.symbols.len());
        for s in &self.symbols {
            put(w, u64::from(s.segment));
            put(w, u64::from(s.offset));
            put(w, u64::from(s.size));
        }
        for lists in [&self.by_func, &self.by_symbol] {
            put_len(w, lists.len());
            for list in lists {
                put_len(w, list.len());
                for n in list {
                    put(w, u64::from(*n));
                }
            }
        }
    }

    /// Reads what [`DataUse::encode`] wrote.
    pub fn decode(r: &mut Reader<'_>) -> Result<DataUse, InfoError> {
        let mut data = DataUse::default();
        for _ in 0..r.len()? {
            data.segments.push(r.u32()?);
        }
        for _ in 0..r.len()? {
            let symbol = Symbol {
                segment: r.u32()?,
                offset: r.u32()?,
                size: r.u32()?,
            };
            let end = symbol.offset.checked_add(symbol.size);
            let fits = data
                .segments
                .get(symbol.segment as usize)
                .is_some_and(|len| end.is_some_and(|end| end <= *len));
            if !fits {
                return Err(InfoError::Corrupt);
            }
            data.symbols.push(symbol);
        }
        for lists in [&mut data.by_func, &mut data.by_symbol] {
            for _ in 0..r.len()? {
                let list = r.list()?;
                if list.iter().any(|s| *s as usize >= data.symbols.len()) {
                    return Err(InfoError::Corrupt);
                }
                lists.push(list);
            }
        }
        if data.by_symbol.len() != data.symbols.len() {
            return Err(InfoError::Corrupt);
        }
        Ok(data)
    }
}
