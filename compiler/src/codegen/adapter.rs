//! Builds the adapter component for one policy: rewrites the prebuilt adapter module (policy
//! bytes in, unneeded exports and host imports out, versions renamed), writes its world with
//! wit-parser, and encodes it as a component with wit-component.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::sync::OnceLock;

use super::error::{AdapterError, RewriteError, why};
use virtc_policy::image::ImageBytes;
use virtc_policy::net::NetAccess;
use virtc_policy::registry::{self, Governor};
use virtc_policy::{Access, ClockMode, HttpAccess, StreamMode, Trace};
use wit_component::{ComponentEncoder, StringEncoding, embed_component_metadata};

use super::module_rewrite::{self, ImportAction, ModuleInfo, Plan};
use super::splice::OutputBytes;
use super::wasi_wit::{self, Versions};
use crate::ir::PolicyIr;
use crate::plan::{InterfaceKey, Selection};
pub use calls::called;
use calls::trim_exports;
pub use cuts::{gate_open, never_called};

/// The generic adapter, built from `adapter/` for `wasm32-unknown-unknown`
/// (`compiler/prebuilt/`), as `compiler/build.rs` re-encoded it.
pub static PREBUILT: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/virtc_adapter.wasm"));

/// The same built with its `trace` feature: a line per WASI call (`virtc compile --trace`).
pub static PREBUILT_TRACE: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/virtc_adapter_trace.wasm"));

/// What the rewrite needs to know about each prebuilt module, read from it at build time
/// (`compiler/build.rs`).
pub(crate) static PREBUILT_INFO: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/virtc_adapter.info"));
static PREBUILT_TRACE_INFO: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/virtc_adapter_trace.info"));

/// A prebuilt module and what it imports and exports.
fn prebuilt(trace: bool) -> Result<(&'static [u8], &'static ModuleInfo), RewriteError> {
    type Info = OnceLock<Result<ModuleInfo, RewriteError>>;
    static PLAIN: Info = OnceLock::new();
    static TRACE: Info = OnceLock::new();
    let (bytes, encoded, info) = if trace {
        (PREBUILT_TRACE, PREBUILT_TRACE_INFO, &TRACE)
    } else {
        (PREBUILT, PREBUILT_INFO, &PLAIN)
    };
    let info = info.get_or_init(|| Ok(ModuleInfo::decode(encoded)?));
    info.as_ref()
        .map(|info| (bytes, info))
        .map_err(Clone::clone)
}

/// The interface a traced adapter writes to under [`Trace::Sink`].
pub const TRACE_SINK: &str = "virtc:adapter/trace";

/// An adapter component and what it exports and imports.
#[derive(Debug, Clone)]
pub struct Adapter {
    /// The component, built without the embedded image ([`Adapter::output`] adds it).
    pub bytes: Vec<u8>,
    /// The policy's bytes before the image, which end its data segment in `bytes`.
    pub data_head: Vec<u8>,
    /// The embedded image (empty when nothing is embedded).
    pub image: ImageBytes,
    /// Exported interfaces, with versions (`wasi:cli/stdout@0.2.6`).
    pub exports: Vec<String>,
    /// Imported interfaces, with versions.
    pub imports: Vec<String>,
}

/// Whether the adapter may call the host's `wasi:PACKAGE/INTERFACE` under `policy` (the rule the
/// adapter's Rust code follows: it never calls a host import outside this set). Derived from the
/// registry: what governs the interface decides. `serving`: the component serves requests, so
/// the host's `wasi:http/types` is needed for them whatever outgoing requests may do.
pub fn host_allowed(policy: &PolicyIr, serving: bool, package: &str, interface: &str) -> bool {
    let Some(entry) = registry::find(package, interface) else {
        return false;
    };
    let runtime = &policy.runtime;
    // The tracing adapter writes to the host's stderr whatever the component's stderr is.
    if runtime.trace == Trace::Stderr
        && (entry.governor == Governor::Io || (package, interface) == ("cli", "stderr"))
    {
        return true;
    }
    let files_host = runtime.fs == Access::Host || runtime.files.needs_host();
    let sends_http = runtime.http.access != HttpAccess::Deny;
    let http_types = sends_http || serving;
    let stdio = &runtime.stdio;
    // Something host-backed that hands out host pollables, besides the clocks.
    let host_pollables = [stdio.stdin, stdio.stdout, stdio.stderr].contains(&StreamMode::Host)
        || files_host
        || runtime.net.access != NetAccess::Deny
        || http_types;
    // Virtual time measures a poll that mixes host pollables with its own on the host's
    // monotonic clock; it never reads the wall clock.
    let fixed = matches!(runtime.clock_mode, ClockMode::Fixed { .. });
    match entry.governor {
        Governor::Environment => runtime.env.needs_host(),
        Governor::Exit => runtime.exit == Access::Host,
        Governor::Random => runtime.random == Access::Host,
        Governor::Clocks if fixed => interface == "monotonic-clock" && host_pollables,
        Governor::Clocks => runtime.clocks == Access::Host,
        Governor::Streams(set) => policy.streams(set).any(|m| m == StreamMode::Host),
        Governor::Files => files_host,
        Governor::Sockets => runtime.net.access != NetAccess::Deny,
        // The types for served requests; sending only where requests may go out.
        Governor::Http if interface == "types" => http_types,
        Governor::Http => sends_http,
        Governor::Config => runtime.config.access == Access::Host || runtime.config.needs_host(),
        Governor::EntryPoint => false,
        // A host stream, pollable or error can exist only where something host-backed hands
        // one out.
        Governor::Io => host_pollables || runtime.clocks == Access::Host,
    }
}

/// The interfaces of virtc's own package that link the serving instances (see `compose`).
pub const MAILBOX: &str = "virtc:adapter/http-mailbox";
pub const ACCEPT: &str = "virtc:adapter/http-accept";
pub const GUEST_ACCEPT: &str = "virtc:adapter/guest-accept";
pub const GUEST_HANDLER: &str = "virtc:adapter/guest-handler";
pub const GUEST_TYPES: &str = "virtc:adapter/guest-types";

/// What one instance of the adapter module is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// The adapter proper: the WASI interfaces the component imports.
    Adapter,
    /// Holds the host's incoming request between the server and the adapter.
    Mailbox,
    /// The host-facing `wasi:http/incoming-handler`.
    Server,
}

/// `wasi:io/streams@0.2.12#…` → `("io", "streams")`.
fn interface_of(name: &str) -> Option<InterfaceKey> {
    let name = name.strip_prefix("cabi_post_").unwrap_or(name);
    let iface = name.split('#').next()?;
    let (package, interface, _) = wasi_wit::parse_wasi_name(iface)?;
    Some((package.to_owned(), interface.to_owned()))
}

/// The interface part of a core export name (`virtc:adapter/http-accept#accept`).
fn interface_name(name: &str) -> &str {
    let name = name.strip_prefix("cabi_post_").unwrap_or(name);
    name.split('#').next().unwrap_or(name)
}

/// Builds the adapter for `selection` at `versions`.
pub fn build(
    policy: &PolicyIr,
    selection: &Selection,
    versions: &Versions,
) -> Result<Adapter, AdapterError> {
    let exported = |key: &InterfaceKey| selection.exports.contains(key);
    let import = |module: &str| -> bool {
        if module == MAILBOX {
            return selection.serve_http;
        }
        if module == TRACE_SINK {
            return policy.runtime.trace == Trace::Sink;
        }
        if let Some(export) = module.strip_prefix("[export]") {
            return match interface_of(export) {
                Some(key) => exported(&key),
                None => selection.serve_http && export == ACCEPT,
            };
        }
        wasi_wit::parse_wasi_name(module)
            .is_some_and(|(p, i, _)| host_allowed(policy, selection.serve_http, p, i))
    };
    let keep_export = |name: &str| -> bool {
        match interface_of(name) {
            Some(key) => exported(&key),
            None => selection.serve_http && interface_name(name) == ACCEPT,
        }
    };
    let mut exports: BTreeSet<String> = selection
        .exports
        .iter()
        .map(|(p, i)| format!("wasi:{p}/{i}@{}", versions.of(p)))
        .collect();
    if selection.serve_http {
        exports.insert(ACCEPT.to_owned());
    }
    let mut runtime = policy.runtime.clone();
    runtime.http.host_types = host_allowed(policy, selection.serve_http, "http", "types");
    // The image follows the policy's other bytes in memory; it goes into the output last.
    let data = runtime.encode_head();
    let mut adapter = build_role(
        Role::Adapter,
        policy.runtime.trace != Trace::Off,
        (&data, runtime.files.image.len()),
        &Keep {
            import: &import,
            export: &keep_export,
            called: &|name| called(selection, name),
            gate: &|name| gate_open(policy, selection.serve_http, name),
            stub_export: &|name| never_called(policy, name),
            trim_types: selection.calls.is_some(),
        },
        exports,
        versions,
    )?;
    adapter.data_head = data;
    adapter.image = runtime.files.image;
    Ok(adapter)
}

/// The two serving instances of a component that exports `wasi:http/incoming-handler`: the
/// mailbox and the server (see `compose::compose_serving`).
pub struct Serving {
    pub mailbox: Adapter,
    pub server: Adapter,
}

/// Builds the mailbox and server instances at `versions`.
pub fn build_serving(versions: &Versions) -> Result<Serving, AdapterError> {
    let http = versions.of("http");
    let host_http = |module: &str| {
        wasi_wit::parse_wasi_name(module).is_some_and(|(p, i, _)| p == "http" && i == "types")
    };
    let mailbox = build_role(
        Role::Mailbox,
        false,
        (&[], 0),
        &Keep {
            import: &host_http,
            export: &|name| interface_name(name) == MAILBOX,
            called: &|_| true,
            gate: &|_| true,
            stub_export: &|_| false,
            trim_types: false,
        },
        [MAILBOX.to_owned()].into_iter().collect(),
        versions,
    )?;
    let handler = format!("wasi:http/incoming-handler@{http}");
    let server = build_role(
        Role::Server,
        false,
        (&[], 0),
        &Keep {
            import: &|module| {
                host_http(module)
                    || [MAILBOX, GUEST_ACCEPT, GUEST_HANDLER, GUEST_TYPES].contains(&module)
            },
            export: &|name| {
                interface_of(name).is_some_and(|(p, i)| p == "http" && i == "incoming-handler")
            },
            called: &|_| true,
            gate: &|_| true,
            stub_export: &|_| false,
            trim_types: false,
        },
        [handler].into_iter().collect(),
        versions,
    )?;
    Ok(Serving { mailbox, server })
}

/// What one role keeps of the prebuilt module.
struct Keep<'a> {
    /// Which import modules stay.
    import: &'a dyn Fn(&str) -> bool,
    /// Which exports stay.
    export: &'a dyn Fn(&str) -> bool,
    /// Which of those the component can call ([`called`]).
    called: &'a dyn Fn(&str) -> bool,
    /// Which gates are open ([`gate_open`]).
    gate: &'a dyn Fn(&str) -> bool,
    /// Which kept exports can never be called ([`never_called`]).
    stub_export: &'a dyn Fn(&str) -> bool,
    /// Whether the exported interfaces keep only the types something names (the component's
    /// imports are known: [`trim_exports`]).
    trim_types: bool,
}

/// Rewrites the prebuilt module for one role and encodes it as a component exporting
/// `exports`.
fn build_role(
    role: Role,
    trace: bool,
    (data, data_tail): (&[u8], usize),
    keep: &Keep<'_>,
    exports: BTreeSet<String>,
    versions: &Versions,
) -> Result<Adapter, AdapterError> {
    let (module_bytes, info) = prebuilt(trace)?;
    let keep_import = keep.import;
    let keep_export = keep.export;
    let import = |module: &str, name: &str| -> ImportAction {
        if module == "virtc:gate" {
            return if (keep.gate)(name) {
                ImportAction::GateOpen
            } else {
                ImportAction::GateClosed
            };
        }
        if module == "virtc:policy" {
            return match (role, name) {
                (Role::Adapter, "ptr") => ImportAction::DataAddress,
                (Role::Adapter, "len") => ImportAction::DataLength,
                _ => ImportAction::Trap,
            };
        }
        if keep_import(module) {
            ImportAction::Keep
        } else {
            ImportAction::Trap
        }
    };
    let keep_export = |name: &str| name == "cabi_realloc" || keep_export(name);
    let rename = |name: &str| wasi_wit::retarget(name, versions);
    let rewritten = module_rewrite::rewrite(
        module_bytes,
        info,
        &Plan {
            import: &import,
            keep_export: &keep_export,
            called: keep.called,
            stub_export: keep.stub_export,
            rename: &rename,
            data,
            data_tail,
            drop_custom: &|name| name.starts_with("component-type") || name == "producers",
        },
    )?;

    // The world: exactly what the rewritten module imports and exports.
    let mut imports = BTreeSet::new();
    for module in &rewritten.kept_import_modules {
        if module.starts_with("[export]") {
            continue;
        }
        if wasi_wit::parse_wasi_name(module).is_none() && !module.starts_with("virtc:adapter/") {
            return Err(AdapterError::StrayImport {
                module: module.clone(),
            });
        }
        imports.insert(module.clone());
    }
    let mut world = String::from("package virtc:generated;\n\nworld adapter {\n");
    for i in &imports {
        writeln!(world, "  import {i};").unwrap();
    }
    for e in &exports {
        writeln!(world, "  export {e};").unwrap();
    }
    world.push_str("}\n");

    let names = imports.iter().chain(&exports).map(String::as_str);
    let mut resolve = wasi_wit::resolve_for(versions, names)?;
    let world_id = resolve
        .push_source("virtc-adapter.wit", &world)
        .and_then(|pkg| resolve.select_world(&[pkg], Some("adapter")))
        .map_err(|e| AdapterError::World {
            world: world.clone(),
            why: why(e),
        })?;
    let exported = rewritten.kept_exports.iter().map(String::as_str).collect();
    trim_exports(&mut resolve, world_id, &exported, keep.trim_types);
    let mut module = rewritten.bytes;
    embed_component_metadata(&mut module, &resolve, world_id, StringEncoding::UTF8, false)
        .map_err(|e| AdapterError::Metadata { why: why(e) })?;
    let bytes = ComponentEncoder::default()
        .module(&module)
        // Not validated here: a composed output is validated whole (`compose`), a standalone
        // adapter by `validate` (validation is a third of a compile's time; once is enough).
        .and_then(|encoder| encoder.validate(false).encode())
        .map_err(|e| AdapterError::Encode { why: why(e) })?;
    let bytes =
        super::compact::compact(&bytes).map_err(|e| AdapterError::Encode { why: why(e) })?;
    Ok(Adapter {
        bytes,
        data_head: Vec::new(),
        image: ImageBytes::default(),
        exports: exports.into_iter().collect(),
        imports: imports.into_iter().collect(),
    })
}

impl Adapter {
    /// The output `built` (this adapter, or a composition holding it) with the embedded image
    /// written in after the policy's other bytes.
    pub fn output(&self, built: Vec<u8>) -> Result<OutputBytes, AdapterError> {
        OutputBytes::with_image(built, &self.data_head, self.image.clone())
            .map_err(AdapterError::Splice)
    }
}

/// Validates an adapter component that is an output by itself (`virtc compile` without a
/// component); a composed output is validated when it is encoded.
pub fn validate(bytes: &[u8]) -> Result<(), AdapterError> {
    wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
        .validate_all(bytes)
        .map(|_| ())
        .map_err(|e| AdapterError::Encode { why: why(e) })
}

mod calls;
mod cuts;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Target, select};
    use virtc_policy::Preopen;

    /// The core module of a standalone adapter built for `policy`: the largest module inside.
    fn core_module(policy: &PolicyIr) -> (Vec<u8>, Vec<u8>) {
        let target = Target::standalone(semver::Version::new(0, 2, 6));
        let selection = select(policy, &target).unwrap();
        let adapter = build(policy, &selection, &target.versions).unwrap();
        let mut largest: &[u8] = &[];
        for payload in wasmparser::Parser::new(0).parse_all(&adapter.bytes) {
            if let wasmparser::Payload::ModuleSection {
                unchecked_range, ..
            } = payload.unwrap()
            {
                let range = unchecked_range.start as usize..unchecked_range.end as usize;
                if range.len() > largest.len() {
                    largest = &adapter.bytes[range];
                }
            }
        }
        (largest.to_vec(), adapter.bytes)
    }

    /// Without a tree in memory the adapter carries no code for one (its gate is closed), and
    /// no gate is left to import; nor does the component keep its debugging names.
    #[test]
    fn code_for_trees_in_memory_ships_only_with_one() {
        let (without, component) = core_module(&PolicyIr::default());
        let mut tmpfs = PolicyIr::default();
        tmpfs.runtime.files.preopens.push(Preopen {
            guest: "/tmp".into(),
            source: virtc_policy::PreopenSource::Memory {
                node: None,
                limit: None,
            },
        });
        let (with, _) = core_module(&tmpfs);
        assert!(
            with.len() > without.len() + 10_000,
            "{} bytes with a tmpfs, {} without",
            with.len(),
            without.len()
        );
        // (A gate left imported would fail the build: `StrayImport`.) The core module's
        // import names are the compacted ones, a character or two.
        for module in [&without, &with] {
            let imports = module_rewrite::import_modules(module).unwrap();
            assert!(imports.keys().all(|m| m.len() <= 2), "{imports:?}");
        }
        for payload in wasmparser::Parser::new(0).parse_all(&component) {
            if let wasmparser::Payload::CustomSection(c) = payload.unwrap() {
                assert_ne!(c.name(), "component-name");
            }
        }
    }
}
