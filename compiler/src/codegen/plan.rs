//! Decides which WASI interfaces the adapter exports for one component and one policy.
//!
//! The policy names interfaces to virtualize, but resource types tie interfaces together: when
//! the adapter owns `wasi:io/streams`, every stream the component sees must come from the
//! adapter, so `wasi:cli/stdout` must be wrapped even if the policy passes stdout through. The
//! plan closes the set both ways over the WIT `use` graph.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Result;
use wit_parser::{Resolve, Type, TypeDefKind, TypeOwner};

use super::wasi_wit::{self, Versions};
use crate::ir::{PolicyIr, Treatment};

/// An interface of a WASI package, without version: (`io`, `streams`).
pub type InterfaceKey = (String, String);

/// The WASI interfaces the adapter implements (those of `wit/adapter.wit`).
pub const ADAPTER_EXPORTS: &[(&str, &str)] = &[
    ("io", "error"),
    ("io", "poll"),
    ("io", "streams"),
    ("cli", "environment"),
    ("cli", "exit"),
    ("cli", "stdin"),
    ("cli", "stdout"),
    ("cli", "stderr"),
    ("cli", "terminal-input"),
    ("cli", "terminal-output"),
    ("cli", "terminal-stdin"),
    ("cli", "terminal-stdout"),
    ("cli", "terminal-stderr"),
    ("random", "random"),
    ("random", "insecure"),
    ("random", "insecure-seed"),
    ("clocks", "monotonic-clock"),
    ("clocks", "wall-clock"),
    ("filesystem", "types"),
    ("filesystem", "preopens"),
];

/// What the component (or, for a standalone adapter, a typical command) imports.
#[derive(Debug, Clone)]
pub struct Target {
    /// WASI interfaces imported, by key.
    pub imports: BTreeSet<InterfaceKey>,
    /// The versions to speak.
    pub versions: Versions,
}

impl Target {
    /// A standalone adapter: everything the adapter can export, at one version.
    pub fn standalone(version: semver::Version) -> Target {
        Target {
            imports: ADAPTER_EXPORTS
                .iter()
                .map(|(p, i)| (p.to_string(), i.to_string()))
                .collect(),
            versions: Versions::uniform(version),
        }
    }
}

/// The decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// Interfaces the adapter exports.
    pub exports: BTreeSet<InterfaceKey>,
    /// Exported only because a resource type forced it (the policy passes them through; the
    /// adapter forwards to the host).
    pub wrapped: BTreeSet<InterfaceKey>,
}

/// Why no adapter can be built for this component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanError {
    /// The policy restricts an interface the adapter cannot implement yet.
    Unsupported { interface: String, reason: String },
}

impl std::fmt::Display for PlanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PlanError::Unsupported { interface, reason } => {
                write!(f, "the component imports `{interface}`, {reason}")
            }
        }
    }
}

/// `use` edges between WASI interfaces: key → interfaces whose types it uses.
pub fn dependencies(resolve: &Resolve) -> BTreeMap<InterfaceKey, BTreeSet<InterfaceKey>> {
    let key_of = |id| {
        let iface = &resolve.interfaces[id];
        let pkg = &resolve.packages[iface.package?];
        Some((pkg.name.name.clone(), iface.name.clone()?))
    };
    let mut out: BTreeMap<InterfaceKey, BTreeSet<InterfaceKey>> = BTreeMap::new();
    for (id, iface) in resolve.interfaces.iter() {
        let Some(key) = key_of(id) else { continue };
        let deps = out.entry(key.clone()).or_default();
        for ty in iface.types.values() {
            if let TypeDefKind::Type(Type::Id(other)) = resolve.types[*ty].kind
                && let TypeOwner::Interface(owner) = resolve.types[other].owner
                && owner != id
                && let Some(dep) = key_of(owner)
            {
                deps.insert(dep);
            }
        }
    }
    out
}

/// Chooses the adapter's exports for `target` under `policy`.
pub fn select(policy: &PolicyIr, target: &Target) -> Result<Selection, PlanError> {
    select_with(policy, target, use_graph())
}

/// The `use` graph of the embedded WASI WIT, read once: renaming versions does not change it.
fn use_graph() -> &'static BTreeMap<InterfaceKey, BTreeSet<InterfaceKey>> {
    static GRAPH: std::sync::OnceLock<BTreeMap<InterfaceKey, BTreeSet<InterfaceKey>>> =
        std::sync::OnceLock::new();
    GRAPH.get_or_init(|| {
        let version = semver::Version::parse(wasi_wit::EMBEDDED_VERSION).expect("a version");
        let resolve =
            wasi_wit::resolve(&Versions::uniform(version)).expect("the embedded WIT parses");
        dependencies(&resolve)
    })
}

fn select_with(
    policy: &PolicyIr,
    target: &Target,
    deps: &BTreeMap<InterfaceKey, BTreeSet<InterfaceKey>>,
) -> Result<Selection, PlanError> {
    let mut exports: BTreeSet<InterfaceKey> = BTreeSet::new();
    let mut unsupported: Vec<InterfaceKey> = Vec::new();
    for key in &target.imports {
        match policy.treatment(&key.0, &key.1) {
            Treatment::Virtualize => {
                exports.insert(key.clone());
            }
            Treatment::Unsupported => unsupported.push(key.clone()),
            Treatment::PassThrough => {}
        }
    }
    let no_deps = BTreeSet::new();
    loop {
        let mut grew = false;
        // Down: what an exported interface uses must be the adapter's too.
        for key in exports.clone() {
            for dep in deps.get(&key).unwrap_or(&no_deps) {
                grew |= exports.insert(dep.clone());
            }
        }
        // Up: an imported interface using an exported one must be wrapped.
        for key in &target.imports {
            if exports.contains(key) {
                continue;
            }
            let uses_virtual = deps
                .get(key)
                .is_some_and(|d| d.iter().any(|dep| exports.contains(dep)));
            if uses_virtual {
                grew |= exports.insert(key.clone());
            }
        }
        if !grew {
            break;
        }
    }
    let supported: BTreeSet<InterfaceKey> = ADAPTER_EXPORTS
        .iter()
        .map(|(p, i)| (p.to_string(), i.to_string()))
        .collect();
    if let Some(key) = unsupported.first() {
        return Err(PlanError::Unsupported {
            interface: format!("wasi:{}/{}", key.0, key.1),
            reason: "which the policy denies, and virtc cannot virtualize that interface yet (allow it, or remove the import)".into(),
        });
    }
    if let Some(key) = exports.iter().find(|k| !supported.contains(*k)) {
        return Err(PlanError::Unsupported {
            interface: format!("wasi:{}/{}", key.0, key.1),
            reason:
                "whose resources the policy virtualizes, and virtc cannot wrap that interface yet"
                    .into(),
        });
    }
    let wrapped = exports
        .iter()
        .filter(|k| policy.treatment(&k.0, &k.1) == Treatment::PassThrough)
        .cloned()
        .collect();
    Ok(Selection { exports, wrapped })
}

#[cfg(test)]
mod tests {
    use super::*;
    use virtc_policy::{Access, StreamMode};

    fn key(p: &str, i: &str) -> InterfaceKey {
        (p.into(), i.into())
    }

    fn rust_command() -> Target {
        let imports = [
            ("cli", "environment"),
            ("cli", "exit"),
            ("cli", "stdin"),
            ("cli", "stdout"),
            ("cli", "stderr"),
            ("cli", "terminal-input"),
            ("cli", "terminal-output"),
            ("cli", "terminal-stdin"),
            ("cli", "terminal-stdout"),
            ("cli", "terminal-stderr"),
            ("io", "error"),
            ("io", "streams"),
            ("random", "insecure-seed"),
            ("clocks", "wall-clock"),
            ("filesystem", "types"),
            ("filesystem", "preopens"),
        ];
        Target {
            imports: imports.iter().map(|(p, i)| key(p, i)).collect(),
            versions: Versions::uniform(semver::Version::new(0, 2, 6)),
        }
    }

    #[test]
    fn everything_allowed_exports_nothing() {
        let mut p = PolicyIr {
            env_host: true,
            ..Default::default()
        };
        p.runtime.exit = Access::Host;
        p.runtime.random = Access::Host;
        p.runtime.clocks = Access::Host;
        p.runtime.fs = Access::Host;
        p.runtime.stdio.stdin = StreamMode::Host;
        p.runtime.stdio.stdout = StreamMode::Host;
        p.runtime.stdio.stderr = StreamMode::Host;
        let s = select(&p, &rust_command()).unwrap();
        assert!(s.exports.is_empty(), "{:?}", s.exports);
    }

    #[test]
    fn one_virtual_stream_wraps_the_others() {
        let mut p = PolicyIr {
            env_host: true,
            ..Default::default()
        };
        p.runtime.exit = Access::Host;
        p.runtime.random = Access::Host;
        p.runtime.clocks = Access::Host;
        p.runtime.fs = Access::Host;
        p.runtime.stdio.stdin = StreamMode::Host;
        p.runtime.stdio.stdout = StreamMode::Ignore;
        p.runtime.stdio.stderr = StreamMode::Host;
        let s = select(&p, &rust_command()).unwrap();
        for k in [
            key("io", "streams"),
            key("io", "error"),
            key("io", "poll"),
            key("cli", "stdin"),
            key("cli", "stderr"),
            key("filesystem", "types"),
            key("filesystem", "preopens"),
            key("cli", "terminal-stderr"),
        ] {
            assert!(s.exports.contains(&k), "{k:?} missing from {:?}", s.exports);
        }
        assert!(s.wrapped.contains(&key("cli", "stdin")));
        assert!(!s.exports.contains(&key("cli", "environment")));
        assert!(!s.exports.contains(&key("random", "insecure-seed")));
    }

    #[test]
    fn denied_sockets_are_reported() {
        let mut t = rust_command();
        t.imports.insert(key("sockets", "tcp"));
        let e = select(&PolicyIr::default(), &t).unwrap_err();
        assert!(e.to_string().contains("wasi:sockets/tcp"), "{e}");
    }
}
