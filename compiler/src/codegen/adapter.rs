//! Builds the adapter component for one policy: rewrites the prebuilt adapter module (policy
//! bytes in, unneeded exports and host imports out, versions renamed), writes its world with
//! wit-parser, and encodes it as a component with wit-component.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::sync::OnceLock;

use super::error::{AdapterError, why};
use virtc_policy::net::NetAccess;
use virtc_policy::registry::{self, Governor};
use virtc_policy::{Access, ClockMode, HttpAccess, StreamMode, Trace};
use wit_component::{ComponentEncoder, StringEncoding, embed_component_metadata};

use super::module_rewrite::{self, ImportAction, ModuleInfo, Plan};
use super::wasi_wit::{self, Versions};
use crate::ir::PolicyIr;
use crate::plan::{InterfaceKey, Selection};

/// The generic adapter, built from `adapter/` for `wasm32-unknown-unknown`.
pub static PREBUILT: &[u8] = include_bytes!("../../prebuilt/virtc_adapter.wasm");

/// The same built with its `trace` feature: a line per WASI call (`virtc compile --trace`).
pub static PREBUILT_TRACE: &[u8] = include_bytes!("../../prebuilt/virtc_adapter_trace.wasm");

/// A prebuilt module and what it imports and exports.
fn prebuilt(trace: bool) -> (&'static [u8], &'static ModuleInfo) {
    static PLAIN: OnceLock<ModuleInfo> = OnceLock::new();
    static TRACE: OnceLock<ModuleInfo> = OnceLock::new();
    let (bytes, info) = if trace {
        (PREBUILT_TRACE, &TRACE)
    } else {
        (PREBUILT, &PLAIN)
    };
    let info = info.get_or_init(|| ModuleInfo::parse(bytes).expect("the prebuilt adapter parses"));
    (bytes, info)
}

/// The interface a traced adapter writes to under [`Trace::Sink`].
pub const TRACE_SINK: &str = "virtc:adapter/trace";

/// An adapter component and what it exports and imports.
#[derive(Debug, Clone)]
pub struct Adapter {
    pub bytes: Vec<u8>,
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
    let data = runtime.encode();
    build_role(
        Role::Adapter,
        policy.runtime.trace != Trace::Off,
        &data,
        &import,
        &keep_export,
        exports,
        versions,
    )
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
        &[],
        &host_http,
        &|name| interface_name(name) == MAILBOX,
        [MAILBOX.to_owned()].into_iter().collect(),
        versions,
    )?;
    let handler = format!("wasi:http/incoming-handler@{http}");
    let server = build_role(
        Role::Server,
        false,
        &[],
        &|module| {
            host_http(module)
                || [MAILBOX, GUEST_ACCEPT, GUEST_HANDLER, GUEST_TYPES].contains(&module)
        },
        &|name| interface_of(name).is_some_and(|(p, i)| p == "http" && i == "incoming-handler"),
        [handler].into_iter().collect(),
        versions,
    )?;
    Ok(Serving { mailbox, server })
}

/// Rewrites the prebuilt module for one role (`keep_import` says which import modules stay,
/// `keep_export` which exports) and encodes it as a component exporting `exports`.
fn build_role(
    role: Role,
    trace: bool,
    data: &[u8],
    keep_import: &dyn Fn(&str) -> bool,
    keep_export: &dyn Fn(&str) -> bool,
    exports: BTreeSet<String>,
    versions: &Versions,
) -> Result<Adapter, AdapterError> {
    let (module_bytes, info) = prebuilt(trace);
    let import = |module: &str, name: &str| -> ImportAction {
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
            rename: &rename,
            data,
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

    let mut resolve = wasi_wit::resolve_with_adapter(versions)?;
    let world_id = resolve
        .push_source("virtc-adapter.wit", &world)
        .and_then(|pkg| resolve.select_world(&[pkg], Some("adapter")))
        .map_err(|e| AdapterError::World {
            world: world.clone(),
            why: why(e),
        })?;
    let mut module = rewritten.bytes;
    embed_component_metadata(&mut module, &resolve, world_id, StringEncoding::UTF8, false)
        .map_err(|e| AdapterError::Metadata { why: why(e) })?;
    let bytes = ComponentEncoder::default()
        .module(&module)
        .and_then(|encoder| encoder.validate(true).encode())
        .map_err(|e| AdapterError::Encode { why: why(e) })?;
    Ok(Adapter {
        bytes,
        exports: exports.into_iter().collect(),
        imports: imports.into_iter().collect(),
    })
}
