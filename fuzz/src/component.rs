//! Components for the component targets: the policies they are checked and compiled against,
//! a component carrying fuzzed policy data where `inspect` looks for it, and components built
//! by `arbitrary` with odd import and export names and versions.

use std::cell::RefCell;

use arbitrary::Arbitrary;
use wasm_encoder::{
    Component, ComponentExportKind, ComponentExportSection, ComponentImportSection,
    ComponentTypeRef, ComponentTypeSection, ComponentValType, ConstExpr, DataSection, InstanceType,
    MemorySection, MemoryType, Module, ModuleSection, PrimitiveValType,
};

/// The policies components are compiled against: between them they virtualize or pass
/// through every subsystem, so composition, stubbing and serving all happen.
pub const POLICIES: &[&str] = &[
    "allow random;\nenv PONG = \"demo\";\nstdout ignore;\nfile \"/greeting.txt\" = \"hi\";\n",
    "deny all;\n",
    "allow import \"x:*/*\";\ndeny import \"wasi:keyvalue/*\", \"my:*/*\";\nstdio allow;\n\
     clocks fixed \"2026-01-01T00:00:00Z\";\nrandom seed 7;\nconfig \"k\" = \"v\";\n",
    "http allow \"GET https://example.com/*\";\ntcp connect \"example.com:443\";\n\
     dns resolve \"*.example.com\";\ntmpfs \"/tmp\" limit \"1MiB\";\nallow exit;\n",
    "allow all;\n",
];

thread_local! {
    /// The policies, read once (their checks are cached between inputs).
    static READ: RefCell<Vec<virtc::Policy>> = RefCell::new(
        POLICIES.iter().map(|text| virtc::Policy::from_text(*text, "/virtc-fuzz")).collect(),
    );
}

/// Whether this input is compiled as well as checked: one in 1024, chosen by a hash of the bytes
/// (so a crash reproduces, and independently of the policy the input picks). Compiling builds
/// and composes an adapter, which costs about 600 checks under the fuzzer's instrumentation
/// (56 ms against 0.09 ms): sampling keeps the checks fast and still compiles several inputs a
/// second, about as many as compiling one in 32 did.
pub fn compiles(bytes: &[u8]) -> bool {
    let hash = bytes.iter().fold(0x811c_9dc5_u32, |hash, &byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    });
    hash.is_multiple_of(1024)
}

/// Checks `bytes` against policy `which` as `virtc check --component` reads it (the component's
/// imports against the policy, and the plan of the adapter); with `compile`, also compiles it
/// as `virtc compile` does (the adapter built and composed in, which costs a hundred times more)
/// and inspects the output: it must read back the policy compiled.
pub fn check_and_compile(bytes: &[u8], which: usize, compile: bool) {
    READ.with(|policies| {
        let policies = policies.borrow();
        let policy = &policies[which % policies.len()];
        let input = virtc::Input {
            name: "component.wasm",
            bytes,
        };
        let checked = virtc::driver::check(policy.database(), policy.root(), Some(&input));
        // Whether the policy virtualizes any import (else no adapter is composed in).
        let mut virtualized = true;
        if let Ok(checked) = &checked
            && let Some(target) = &checked.target
            && let Ok(selection) = virtc::plan::select(&checked.ir, target)
        {
            virtualized = !selection.exports.is_empty();
        }
        if !compile || checked.is_err() {
            return;
        }
        let Ok(output) = policy.compile(bytes) else {
            return;
        };
        // Compiling an output of virtc again nests a second adapter, which `inspect` refuses
        // (V0098, several policies): only a first compilation must read back.
        // Nothing virtualized (imports passed through or stubbed out): no adapter to read.
        if *output.bytes == *bytes || virtc::inspect::inspect(bytes).is_ok() || !virtualized {
            return;
        }
        let inspection = virtc::inspect::inspect(&output.bytes)
            .unwrap_or_else(|e| panic!("the output of compile does not inspect: {e}"));
        assert_eq!(
            inspection.policy, output.policy.runtime,
            "inspect read another policy than the one compiled"
        );
        inspected(&inspection);
    });
}

/// What `inspect` prints must be a policy in canonical layout (`virtc fmt --check` passes).
pub fn inspected(inspection: &virtc::inspect::Inspection) {
    let text = inspection.to_virt();
    let parsed = virtc_grammar::parse(&text);
    assert!(
        parsed.errors.is_empty(),
        "inspect printed a policy with syntax errors: {:?}\n{text}",
        parsed.errors
    );
    let formatted = virtc::format::format(&text).expect("no syntax errors");
    assert_eq!(
        formatted, text,
        "inspect printed a policy `virtc fmt` changes"
    );
}

/// A component holding one core module whose memory has `data` as an active data segment, as
/// the policy data of a virtc adapter is.
pub fn with_policy_data(data: &[u8]) -> Vec<u8> {
    let mut module = Module::new();
    let mut memories = MemorySection::new();
    let pages = (data.len() as u64).div_ceil(65536).max(1);
    memories.memory(MemoryType {
        minimum: pages,
        maximum: None,
        memory64: false,
        shared: false,
        page_size_log2: None,
    });
    module.section(&memories);
    let mut segments = DataSection::new();
    segments.active(0, &ConstExpr::i32_const(0), data.iter().copied());
    module.section(&segments);
    let mut component = Component::new();
    component.section(&ModuleSection(&module));
    component.finish()
}

/// A component that imports (and may re-export) instances and functions with names from the
/// WASI registry and beyond, at odd versions.
#[derive(Debug, Arbitrary)]
pub struct Imports {
    pub imports: Vec<Import>,
    pub exports: Vec<(Name, u8)>,
    pub policy: u8,
}

#[derive(Debug, Arbitrary)]
pub struct Import {
    pub name: Name,
    pub ty: ImportType,
}

#[derive(Debug, Arbitrary)]
pub enum ImportType {
    /// An instance with these functions.
    Instance(Vec<(u8, Signature)>),
    /// A function.
    Func(Signature),
}

/// A few function shapes: those of WASI's simple functions, and wrong ones.
#[derive(Debug, Arbitrary, Clone, Copy)]
pub enum Signature {
    /// `func()`
    Unit,
    /// `func() -> u64`
    U64,
    /// `func(len: u64) -> list<u8>`
    Bytes,
    /// `func() -> list<tuple<string, string>>`, as `get-environment`.
    Environment,
    /// `func() -> list<string>`
    Strings,
    /// `func(x: u32) -> string`
    Odd,
}

/// An extern name: a WASI interface, another package's, a plain name or anything.
#[derive(Debug, Arbitrary)]
pub enum Name {
    Interface {
        namespace: u8,
        package: u8,
        interface: u8,
        version: Option<crate::structured::Version>,
    },
    Plain(u8),
    Raw(String),
}

const NAMESPACES: &[&str] = &["wasi", "virtc", "my", "x", "wasmcloud"];
const PACKAGES: &[&str] = &[
    "random",
    "cli",
    "clocks",
    "filesystem",
    "sockets",
    "http",
    "io",
    "config",
    "keyvalue",
    "adapter",
    "pkg",
];
const INTERFACES: &[&str] = &[
    "random",
    "insecure",
    "insecure-seed",
    "environment",
    "exit",
    "stdin",
    "stdout",
    "stderr",
    "terminal-input",
    "terminal-stdout",
    "wall-clock",
    "monotonic-clock",
    "types",
    "preopens",
    "tcp",
    "udp",
    "network",
    "instance-network",
    "ip-name-lookup",
    "tcp-create-socket",
    "outgoing-handler",
    "incoming-handler",
    "streams",
    "poll",
    "error",
    "store",
    "run",
    "trace",
    "iface",
];
const FUNCTIONS: &[&str] = &[
    "get-random-u64",
    "get-random-bytes",
    "get-environment",
    "get-arguments",
    "initial-cwd",
    "exit",
    "now",
    "resolution",
    "get-stdout",
    "get-directories",
    "get",
    "handle",
    "run",
    "f",
];
const PLAIN: &[&str] = &["foo", "run", "a-b", "get-environment", "x"];

impl Name {
    fn text(&self) -> String {
        match self {
            Name::Interface {
                namespace,
                package,
                interface,
                version,
            } => {
                let mut s = format!(
                    "{}:{}/{}",
                    NAMESPACES[*namespace as usize % NAMESPACES.len()],
                    PACKAGES[*package as usize % PACKAGES.len()],
                    INTERFACES[*interface as usize % INTERFACES.len()]
                );
                if let Some(v) = version {
                    s.push('@');
                    s.push_str(&v.text());
                }
                s
            }
            Name::Plain(i) => PLAIN[*i as usize % PLAIN.len()].into(),
            Name::Raw(s) => s.chars().take(64).collect(),
        }
    }
}

impl Imports {
    /// The component (which may be invalid: names are not checked here).
    pub fn encode(&self) -> Vec<u8> {
        let mut component = Component::new();
        let mut types = ComponentTypeSection::new();
        let mut refs = Vec::new();
        let mut type_count = 0;
        for import in self.imports.iter().take(16) {
            match &import.ty {
                ImportType::Instance(functions) => {
                    let mut instance = InstanceType::new();
                    let mut seen = Vec::new();
                    for (name, signature) in functions.iter().take(6) {
                        let name = FUNCTIONS[*name as usize % FUNCTIONS.len()];
                        if seen.contains(&name) {
                            continue;
                        }
                        seen.push(name);
                        let index = instance.type_count();
                        define(&mut instance, *signature);
                        instance.export(name, ComponentTypeRef::Func(index));
                    }
                    types.instance(&instance);
                    refs.push(ComponentTypeRef::Instance(type_count));
                }
                ImportType::Func(signature) => {
                    encode_function(types.function(), *signature);
                    refs.push(ComponentTypeRef::Func(type_count));
                }
            }
            type_count += 1;
        }
        component.section(&types);
        let mut imports = ComponentImportSection::new();
        let mut kinds = Vec::new();
        for (import, ty) in self.imports.iter().zip(&refs) {
            imports.import(import.name.text().as_str(), *ty);
            kinds.push(match ty {
                ComponentTypeRef::Instance(_) => ComponentExportKind::Instance,
                _ => ComponentExportKind::Func,
            });
        }
        component.section(&imports);
        // Imported instances and functions are numbered apart.
        let mut exports = ComponentExportSection::new();
        for (name, which) in self.exports.iter().take(4) {
            if kinds.is_empty() {
                break;
            }
            let which = *which as usize % kinds.len();
            let kind = kinds[which];
            let index = kinds[..which].iter().filter(|k| **k == kind).count() as u32;
            exports.export(name.text().as_str(), kind, index, None);
        }
        component.section(&exports);
        component.finish()
    }
}

fn define(instance: &mut InstanceType, signature: Signature) {
    match signature {
        Signature::Environment | Signature::Strings => {
            // The list type first, then the function.
            let element = if matches!(signature, Signature::Environment) {
                let index = instance.type_count();
                instance
                    .ty()
                    .defined_type()
                    .tuple([PrimitiveValType::String, PrimitiveValType::String]);
                ComponentValType::Type(index)
            } else {
                ComponentValType::Primitive(PrimitiveValType::String)
            };
            let list = instance.type_count();
            instance.ty().defined_type().list(element);
            instance
                .ty()
                .function()
                .params([] as [(&str, ComponentValType); 0])
                .result(Some(ComponentValType::Type(list)));
        }
        Signature::Bytes => {
            let list = instance.type_count();
            instance.ty().defined_type().list(PrimitiveValType::U8);
            instance
                .ty()
                .function()
                .params([("len", PrimitiveValType::U64)])
                .result(Some(ComponentValType::Type(list)));
        }
        _ => encode_function(instance.ty().function(), signature),
    }
}

fn encode_function(mut f: impl FunctionEncoder, signature: Signature) {
    match signature {
        Signature::U64 => f.shape(&[], Some(PrimitiveValType::U64)),
        Signature::Odd => f.shape(
            &[("x", PrimitiveValType::U32)],
            Some(PrimitiveValType::String),
        ),
        // Lists need a type of their own: plain functions get the unit shape.
        _ => f.shape(&[], None),
    }
}

/// A function type encoder, at the top level or in an instance type.
trait FunctionEncoder {
    fn shape(&mut self, params: &[(&str, PrimitiveValType)], result: Option<PrimitiveValType>);
}

impl FunctionEncoder for wasm_encoder::ComponentFuncTypeEncoder<'_> {
    fn shape(&mut self, params: &[(&str, PrimitiveValType)], result: Option<PrimitiveValType>) {
        self.params(params.iter().copied())
            .result(result.map(ComponentValType::Primitive));
    }
}
