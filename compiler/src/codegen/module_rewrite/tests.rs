//! Tests of the module rewrite: imports stubbed, exports dropped, gates opened and closed.

use super::*;
use wasmparser::Operator;

/// A memory section of one memory of one page.
fn one_page() -> wasm_encoder::MemorySection {
    let mut mem = wasm_encoder::MemorySection::new();
    mem.memory(wasm_encoder::MemoryType {
        minimum: 1,
        maximum: None,
        memory64: false,
        shared: false,
        page_size_log2: None,
    });
    mem
}

/// `bytes` rewritten keeping every import, names and data as they are, the exports `keep`
/// says, those `called` says callable; the result validates.
fn rewrite_plainly(
    bytes: &[u8],
    info: &ModuleInfo,
    keep: &dyn Fn(&str) -> bool,
    called: &dyn Fn(&str) -> bool,
) -> Rewritten {
    let out = rewrite(
        bytes,
        info,
        &Plan {
            import: &|_, _| ImportAction::Keep,
            keep_export: keep,
            called,
            stub_export: &|_| false,
            rename: &|n| n.to_owned(),
            data: b"",
            data_tail: 0,
            drop_custom: &|_| false,
        },
    )
    .unwrap();
    wasmparser::Validator::new()
        .validate_all(&out.bytes)
        .unwrap();
    out
}

fn module_with_imports() -> Vec<u8> {
    use wasm_encoder::*;
    let mut m = Module::new();
    let mut types = TypeSection::new();
    types.ty().function([], [ValType::I32]);
    types.ty().function([], []);
    m.section(&types);
    let mut imports = ImportSection::new();
    imports.import("virtc:policy", "ptr", EntityType::Function(0));
    imports.import("host@1", "used", EntityType::Function(1));
    imports.import("host@1", "dead", EntityType::Function(1));
    imports.import("host@1", "denied", EntityType::Function(1));
    m.section(&imports);
    let mut funcs = FunctionSection::new();
    funcs.function(0); // 4: run — calls used, denied, ptr
    funcs.function(1); // 5: unexported — calls dead
    m.section(&funcs);
    m.section(&one_page());
    let mut exports = ExportSection::new();
    exports.export("run@1", ExportKind::Func, 4);
    exports.export("gone", ExportKind::Func, 5);
    exports.export("memory", ExportKind::Memory, 0);
    m.section(&exports);
    let mut code = CodeSection::new();
    let mut f = Function::new([]);
    f.instruction(&Instruction::Call(1));
    f.instruction(&Instruction::Call(3));
    f.instruction(&Instruction::Call(0));
    f.instruction(&Instruction::End);
    code.function(&f);
    let mut g = Function::new([]);
    g.instruction(&Instruction::Call(2));
    g.instruction(&Instruction::End);
    code.function(&g);
    m.section(&code);
    let mut data = DataSection::new();
    data.active(0, &ConstExpr::i32_const(16), b"hi".iter().copied());
    m.section(&data);
    m.finish()
}

#[test]
fn stubs_renames_and_drops() {
    let bytes = module_with_imports();
    let info = ModuleInfo::parse(&bytes).unwrap();
    let out = rewrite(
        &bytes,
        &info,
        &Plan {
            import: &|m, n| match (m, n) {
                ("virtc:policy", _) => ImportAction::DataAddress,
                (_, "denied") => ImportAction::Trap,
                _ => ImportAction::Keep,
            },
            keep_export: &|n| n != "gone",
            called: &|_| true,
            stub_export: &|_| false,
            rename: &|n| n.replace("@1", "@2"),
            data: b"POLICY",
            data_tail: 0,
            drop_custom: &|_| false,
        },
    )
    .unwrap();
    wasmparser::Validator::new()
        .validate_all(&out.bytes)
        .unwrap();
    assert_eq!(out.kept_import_modules, vec!["host@2".to_owned()]);
    let modules = import_modules(&out.bytes).unwrap();
    assert_eq!(modules.len(), 1);
    assert_eq!(modules["host@2"], 1, "only `used` stays imported");
    let info = ModuleInfo::parse(&out.bytes).unwrap();
    assert_eq!(info.func_imports[0].name, "used");
    let names: Vec<_> = info.exports.iter().map(|e| e.0.as_str()).collect();
    assert_eq!(names, ["run@2", "memory"]);
    assert_eq!(info.memory_min, Some(2), "one page added for the policy");
    // Run it: the stubbed `ptr` answers the appended data's address.
    let data_address = 65536;
    let mut body_has_const = false;
    for payload in Parser::new(0).parse_all(&out.bytes) {
        if let Payload::CodeSectionEntry(body) = payload.unwrap() {
            let mut ops = body.get_operators_reader().unwrap();
            while !ops.eof() {
                if let Operator::I32Const { value } = ops.read().unwrap() {
                    body_has_const |= value == data_address;
                }
            }
        }
    }
    assert!(body_has_const);
}

/// A module with a gate: `run` calls `open` (gated by `g`) and `plain`; `open` calls the gate
/// and `deep`; `method`, which calls `plain`, is exported as a method the policy may stub.
fn module_with_gate() -> Vec<u8> {
    use wasm_encoder::*;
    let mut m = Module::new();
    let mut types = TypeSection::new();
    types.ty().function([], []);
    types.ty().function([], [ValType::I32]);
    m.section(&types);
    let mut imports = ImportSection::new();
    imports.import("virtc:gate", "g", EntityType::Function(0)); // 0
    imports.import("host@1", "deep-import", EntityType::Function(0)); // 1
    m.section(&imports);
    let mut funcs = FunctionSection::new();
    for ty in [0, 1, 0, 0, 1] {
        funcs.function(ty); // 2 run, 3 open, 4 deep, 5 plain, 6 method
    }
    m.section(&funcs);
    m.section(&one_page());
    let mut exports = ExportSection::new();
    exports.export("run", ExportKind::Func, 2);
    exports.export("res#[method]thing.get", ExportKind::Func, 6);
    m.section(&exports);
    let mut code = CodeSection::new();
    let body = |calls: &[u32], result: bool| {
        let mut f = Function::new([]);
        for c in calls {
            f.instruction(&Instruction::Call(*c));
            if *c == 3 {
                f.instruction(&Instruction::Drop);
            }
        }
        if result {
            f.instruction(&Instruction::I32Const(7));
        }
        f.instruction(&Instruction::End);
        f
    };
    code.function(&body(&[3, 5], false)); // run
    code.function(&body(&[0, 4], true)); // open: gated
    code.function(&body(&[1], false)); // deep
    code.function(&body(&[], false)); // plain
    code.function(&body(&[5], true)); // method
    m.section(&code);
    m.finish()
}

/// Rewrites [`module_with_gate`] with the gate open or closed and `method` stubbed or not.
fn rewrite_gated(open: bool, stub: bool) -> Rewritten {
    let bytes = module_with_gate();
    let info = ModuleInfo::parse(&bytes).unwrap();
    let out = rewrite(
        &bytes,
        &info,
        &Plan {
            import: &|module, _| match (module, open) {
                ("virtc:gate", true) => ImportAction::GateOpen,
                ("virtc:gate", false) => ImportAction::GateClosed,
                _ => ImportAction::Keep,
            },
            keep_export: &|_| true,
            called: &|_| true,
            stub_export: &|name| stub && name.contains("[method]"),
            rename: &|n| n.to_owned(),
            data: b"",
            data_tail: 0,
            drop_custom: &|_| false,
        },
    )
    .unwrap();
    wasmparser::Validator::new()
        .validate_all(&out.bytes)
        .unwrap();
    out
}

/// How many function bodies the module has, and how many of them are just `unreachable`.
fn bodies(bytes: &[u8]) -> (usize, usize) {
    let (mut all, mut traps) = (0, 0);
    for payload in Parser::new(0).parse_all(bytes) {
        if let Payload::CodeSectionEntry(body) = payload.unwrap() {
            all += 1;
            let mut ops = body.get_operators_reader().unwrap();
            let first = ops.read().unwrap();
            traps += usize::from(matches!(first, Operator::Unreachable));
        }
    }
    (all, traps)
}

#[test]
fn an_open_gate_vanishes_and_keeps_what_it_guards() {
    let out = rewrite_gated(true, false);
    assert_eq!(
        out.kept_import_modules,
        ["host@1"],
        "the gate is never imported"
    );
    assert_eq!(bodies(&out.bytes), (5, 0));
}

#[test]
fn a_closed_gate_stubs_its_callers_and_drops_what_only_they_reached() {
    let out = rewrite_gated(false, false);
    // `deep` and the import only it called are gone; `open` traps.
    assert!(out.kept_import_modules.is_empty());
    assert_eq!(bodies(&out.bytes), (4, 1));
}

#[test]
fn a_stubbed_export_traps_but_keeps_its_name() {
    let out = rewrite_gated(true, true);
    assert_eq!(bodies(&out.bytes), (5, 1), "`plain` stays: `run` calls it");
    let info = ModuleInfo::parse(&out.bytes).unwrap();
    assert!(info.exports.iter().any(|e| e.0 == "res#[method]thing.get"));
}

/// An export nothing calls from outside is dropped, with the code only it reaches, unless the
/// module keeps an import of the same function: `run` calls the import `host#f`, so the export
/// `host#f` (and its `cabi_post_`) stays, and with it `host#h`, whose import it calls;
/// `host#g`, whose import nothing live calls, goes.
#[test]
fn uncalled_exports_go_unless_the_same_function_is_imported() {
    use wasm_encoder::*;
    let mut m = Module::new();
    let mut types = TypeSection::new();
    types.ty().function([], []);
    m.section(&types);
    let mut imports = ImportSection::new();
    imports.import("host", "f", EntityType::Function(0)); // 0
    imports.import("host", "g", EntityType::Function(0)); // 1
    imports.import("host", "h", EntityType::Function(0)); // 2
    m.section(&imports);
    let mut funcs = FunctionSection::new();
    for _ in 0..5 {
        funcs.function(0); // 3 run, 4 f, 5 post f, 6 g, 7 h
    }
    m.section(&funcs);
    m.section(&one_page());
    let mut exports = ExportSection::new();
    exports.export("run", ExportKind::Func, 3);
    exports.export("host#f", ExportKind::Func, 4);
    exports.export("cabi_post_host#f", ExportKind::Func, 5);
    exports.export("host#g", ExportKind::Func, 6);
    exports.export("host#h", ExportKind::Func, 7);
    m.section(&exports);
    let mut code = CodeSection::new();
    for calls in [&[0u32][..], &[2], &[], &[1], &[]] {
        let mut f = Function::new([]);
        for c in calls {
            f.instruction(&Instruction::Call(*c));
        }
        f.instruction(&Instruction::End);
        code.function(&f);
    }
    m.section(&code);
    let bytes = m.finish();
    let info = ModuleInfo::parse(&bytes).unwrap();
    let out = rewrite_plainly(&bytes, &info, &|_| true, &|name| name == "run");
    assert_eq!(
        out.kept_exports,
        ["run", "host#f", "cabi_post_host#f", "host#h"]
    );
    // `g` is no longer imported.
    let info = ModuleInfo::parse(&out.bytes).unwrap();
    let imported: Vec<_> = info.func_imports.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(imported, ["f", "h"]);
}

/// The module info computed at build time is what reading the prebuilt modules gives, and its
/// encoded form reads back whole; a damaged form is an error, never a panic.
#[test]
fn module_info_survives_its_encoding() {
    use crate::codegen::adapter::{PREBUILT, PREBUILT_TRACE};
    for bytes in [PREBUILT, PREBUILT_TRACE] {
        let info = ModuleInfo::parse(bytes).unwrap();
        let encoded = info.encode();
        assert_eq!(ModuleInfo::decode(&encoded).unwrap(), info);
        for cut in (0..encoded.len()).step_by(97) {
            assert!(ModuleInfo::decode(&encoded[..cut]).is_err());
        }
    }
    // The build adds what the module as linked says of its data (its symbol table and
    // relocations are gone from the prebuilt module itself).
    let built = ModuleInfo::decode(crate::codegen::adapter::PREBUILT_INFO).unwrap();
    let data = built
        .data
        .clone()
        .expect("the prebuilt adapter was linked with --emit-relocs");
    assert!(!data.symbols.is_empty() && data.by_func.iter().any(|f| !f.is_empty()));
    let mut info = ModuleInfo::parse(PREBUILT).unwrap();
    info.data = Some(data);
    let encoded = info.encode();
    assert_eq!(encoded, crate::codegen::adapter::PREBUILT_INFO);
    for cut in (0..encoded.len()).step_by(89) {
        assert!(ModuleInfo::decode(&encoded[..cut]).is_err());
    }
}

/// Data symbols: `a` (bytes 0..4) named by the exported `run`, which also names `b` (8..12);
/// `c` (16..20) named by `a`'s bytes; `d` (40..44) named only by `gone`, which nothing keeps.
fn data_use() -> DataUse {
    let symbol = |offset| data_use::Symbol {
        segment: 0,
        offset,
        size: 4,
    };
    DataUse {
        segments: vec![48],
        symbols: vec![symbol(0), symbol(8), symbol(16), symbol(40)],
        by_func: vec![vec![0, 1], vec![3]],
        by_symbol: vec![vec![2], vec![], vec![], vec![]],
    }
}

#[test]
fn live_data_follows_code_and_constants() {
    // A module without the linker's symbol table says nothing of its data.
    assert_eq!(DataUse::parse(&module_with_imports()).unwrap(), None);
    let data = data_use();
    let live = |f: usize| f == 0;
    assert_eq!(data.live_ranges(live, 0), vec![vec![0..4, 8..12, 16..20]]);
    assert_eq!(data.live_ranges(live, 4), vec![vec![0..20]]);
    assert_eq!(data.live_ranges(|_| true, 100), vec![vec![0..44]]);
    assert_eq!(data.live_ranges(|_| false, 0), vec![Vec::new()]);
    // Zeros are not written: fresh memory has them.
    let bytes = [1, 2, 0, 0, 0, 0, 0, 3, 0, 0];
    let (whole, zeros) = (
        std::slice::from_ref(&(0..10)),
        std::slice::from_ref(&(2..7)),
    );
    assert_eq!(DataUse::runs(whole, &bytes, 0), vec![0..2, 7..8]);
    assert_eq!(DataUse::runs(whole, &bytes, 5), vec![0..8]);
    assert_eq!(
        DataUse::runs(zeros, &bytes, 0),
        Vec::<std::ops::Range<u32>>::new()
    );
    let mut encoded = Vec::new();
    data.encode(&mut encoded);
    assert_eq!(DataUse::decode(&mut info::Reader(&encoded)).unwrap(), data);
    for cut in 0..encoded.len() {
        assert!(DataUse::decode(&mut info::Reader(&encoded[..cut])).is_err());
    }
}

/// The rewrite writes only the constants the kept code can read, at their addresses.
#[test]
fn data_only_kept_code_names_is_written() {
    use wasm_encoder::*;
    let mut m = Module::new();
    let mut types = TypeSection::new();
    types.ty().function([], []);
    m.section(&types);
    let mut funcs = FunctionSection::new();
    funcs.function(0);
    funcs.function(0);
    m.section(&funcs);
    m.section(&one_page());
    let mut exports = ExportSection::new();
    exports.export("run", ExportKind::Func, 0);
    exports.export("gone", ExportKind::Func, 1);
    m.section(&exports);
    let mut code = CodeSection::new();
    for _ in 0..2 {
        let mut f = Function::new([]);
        f.instruction(&Instruction::End);
        code.function(&f);
    }
    m.section(&code);
    let mut data = DataSection::new();
    let bytes: Vec<u8> = (1..=48).collect();
    data.active(0, &ConstExpr::i32_const(1024), bytes.iter().copied());
    m.section(&data);
    let bytes = m.finish();
    let mut info = ModuleInfo::parse(&bytes).unwrap();
    info.data = Some(data_use());
    let out = rewrite_plainly(&bytes, &info, &|n| n != "gone", &|_| true);
    let mut segments = Vec::new();
    for payload in Parser::new(0).parse_all(&out.bytes) {
        if let Payload::DataSection(section) = payload.unwrap() {
            for segment in section {
                let segment = segment.unwrap();
                let wasmparser::DataKind::Active { offset_expr, .. } = segment.kind else {
                    panic!("passive segment");
                };
                let Operator::I32Const { value } =
                    offset_expr.get_operators_reader().read().unwrap()
                else {
                    panic!("not a constant address");
                };
                segments.push((value, segment.data.to_vec()));
            }
        }
    }
    // `a`, `b` and `c` (joined: less than a segment's cost apart); not `d`.
    assert_eq!(segments, vec![(1024, (1..=20).collect::<Vec<u8>>())]);
}
