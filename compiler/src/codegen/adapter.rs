//! Builds the adapter component for one policy: rewrites the prebuilt adapter module (policy
//! bytes in, unneeded exports and host imports out, versions renamed), writes its world with
//! wit-parser, and encodes it as a component with wit-component.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::sync::OnceLock;

use anyhow::{Context, Result, bail};
use virtc_policy::{Access, Policy, StreamMode};
use wit_component::{ComponentEncoder, StringEncoding, embed_component_metadata};

use super::module_rewrite::{self, ImportAction, ModuleInfo, Plan};
use super::plan::{InterfaceKey, Selection};
use super::wasi_wit::{self, Versions};

/// The generic adapter, built from `adapter/` for `wasm32-unknown-unknown`.
pub static PREBUILT: &[u8] = include_bytes!("../../../adapter/prebuilt/virtc_adapter.wasm");

fn prebuilt_info() -> &'static ModuleInfo {
    static INFO: OnceLock<ModuleInfo> = OnceLock::new();
    INFO.get_or_init(|| ModuleInfo::parse(PREBUILT).expect("the prebuilt adapter parses"))
}

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
/// adapter's Rust code follows: it never calls a host import outside this set).
pub fn host_allowed(policy: &Policy, package: &str, interface: &str) -> bool {
    let stdio = &policy.stdio;
    let host_stream = |m: StreamMode| m == StreamMode::Host;
    match (package, interface) {
        ("cli", "environment") => policy.env.needs_host(),
        ("cli", "exit") => policy.exit == Access::Host,
        ("cli", "stdin" | "terminal-stdin" | "terminal-input") => host_stream(stdio.stdin),
        ("cli", "stdout" | "terminal-stdout") => host_stream(stdio.stdout),
        ("cli", "stderr" | "terminal-stderr") => host_stream(stdio.stderr),
        ("cli", "terminal-output") => host_stream(stdio.stdout) || host_stream(stdio.stderr),
        ("random", _) => policy.random == Access::Host,
        ("clocks", _) => policy.clocks == Access::Host,
        ("filesystem", _) => policy.fs == Access::Host || policy.files.needs_host(),
        ("io", _) => {
            [stdio.stdin, stdio.stdout, stdio.stderr].contains(&StreamMode::Host)
                || policy.clocks == Access::Host
                || policy.fs == Access::Host
                || policy.files.needs_host()
        }
        _ => false,
    }
}

/// `wasi:io/streams@0.2.12#…` → `("io", "streams")`.
fn interface_of(name: &str) -> Option<InterfaceKey> {
    let name = name.strip_prefix("cabi_post_").unwrap_or(name);
    let iface = name.split('#').next()?;
    let (package, interface, _) = wasi_wit::parse_wasi_name(iface)?;
    Some((package.to_owned(), interface.to_owned()))
}

/// Builds the adapter for `selection` at `versions`.
pub fn build(policy: &Policy, selection: &Selection, versions: &Versions) -> Result<Adapter> {
    let info = prebuilt_info();
    let data = policy.encode();
    let exported = |key: &InterfaceKey| selection.exports.contains(key);
    let import = |module: &str, name: &str| -> ImportAction {
        if module == "virtc:policy" {
            return match name {
                "ptr" => ImportAction::DataAddress,
                "len" => ImportAction::DataLength,
                _ => ImportAction::Trap,
            };
        }
        if let Some(export) = module.strip_prefix("[export]") {
            return match interface_of(export) {
                Some(key) if exported(&key) => ImportAction::Keep,
                _ => ImportAction::Trap,
            };
        }
        match wasi_wit::parse_wasi_name(module) {
            Some((p, i, _)) if host_allowed(policy, p, i) => ImportAction::Keep,
            _ => ImportAction::Trap,
        }
    };
    let keep_export = |name: &str| -> bool {
        if name == "cabi_realloc" {
            return true;
        }
        interface_of(name).is_some_and(|k| exported(&k))
    };
    let rename = |name: &str| wasi_wit::retarget(name, versions);
    let rewritten = module_rewrite::rewrite(
        PREBUILT,
        info,
        &Plan {
            import: &import,
            keep_export: &keep_export,
            rename: &rename,
            data: &data,
            drop_custom: &|name| name.starts_with("component-type") || name == "producers",
        },
    )?;

    // The world: exactly what the rewritten module imports and exports.
    let mut imports = BTreeSet::new();
    for module in &rewritten.kept_import_modules {
        if module.starts_with("[export]") {
            continue;
        }
        if wasi_wit::parse_wasi_name(module).is_none() {
            bail!("the adapter still imports `{module}`, which no host provides");
        }
        imports.insert(module.clone());
    }
    let exports: BTreeSet<String> = selection
        .exports
        .iter()
        .map(|(p, i)| format!("wasi:{p}/{i}@{}", versions.of(p)))
        .collect();
    let mut world = String::from("package virtc:generated;\n\nworld adapter {\n");
    for i in &imports {
        writeln!(world, "  import {i};").unwrap();
    }
    for e in &exports {
        writeln!(world, "  export {e};").unwrap();
    }
    world.push_str("}\n");

    let mut resolve = wasi_wit::resolve(versions)?;
    let pkg = resolve
        .push_source("virtc-adapter.wit", &world)
        .with_context(|| format!("the generated adapter world does not resolve:\n{world}"))?;
    let world_id = resolve.select_world(&[pkg], Some("adapter"))?;
    let mut module = rewritten.bytes;
    embed_component_metadata(&mut module, &resolve, world_id, StringEncoding::UTF8, false)?;
    let bytes = ComponentEncoder::default()
        .module(&module)
        .context("the rewritten adapter module is not a valid component core")?
        .validate(true)
        .encode()
        .context("encoding the adapter component failed")?;
    Ok(Adapter {
        bytes,
        exports: exports.into_iter().collect(),
        imports: imports.into_iter().collect(),
    })
}
