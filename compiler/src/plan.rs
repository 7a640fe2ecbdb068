//! Decides which WASI interfaces the adapter exports for one component and one policy.
//!
//! The policy names interfaces to virtualize, but resource types tie interfaces together: when
//! the adapter owns `wasi:io/streams`, every stream the component sees must come from the
//! adapter, so `wasi:cli/stdout` must be wrapped even if the policy passes stdout through. The
//! plan closes the set both ways over the registry's `use` graph. It sits between analysis
//! (which asks it whether a component can be served) and code generation (which builds what it
//! chose), and imports neither.

use std::collections::{BTreeMap, BTreeSet};

use virtc_policy::registry::{self, Direction};

use crate::ir::{PolicyIr, Treatment};
use crate::versions::Versions;

/// An interface of a WASI package, without version: (`io`, `streams`).
pub type InterfaceKey = (String, String);

/// The WASI interfaces the adapter can provide to a component (those `wit/adapter.wit` exports
/// from its `adapter` world), from the registry.
pub fn adapter_exports() -> impl Iterator<Item = InterfaceKey> {
    registry::implemented()
        .filter(|i| i.direction == Direction::Import)
        .map(|i| (i.package.to_owned(), i.name.to_owned()))
}

/// What the component (or, for a standalone adapter, a typical command) imports.
#[derive(Debug, Clone)]
pub struct Target {
    /// WASI interfaces imported, by key.
    pub imports: BTreeSet<InterfaceKey>,
    /// Imports outside the registry, with versions (`wasi:keyvalue/store@0.2.0-draft`, a link
    /// to another component such as `example:pong/pingpong`).
    pub others: Vec<String>,
    /// WASI interfaces the component exports (`wasi:cli/run`, `wasi:http/incoming-handler`).
    pub exports: BTreeSet<InterfaceKey>,
    /// The versions to speak.
    pub versions: Versions,
    /// No component: interfaces the policy restricts but the adapter cannot implement are left
    /// out instead of refused.
    pub standalone: bool,
    /// The functions the component imports, per WASI interface (an interface missing from the
    /// map: none); `None` when unknown or standalone: every function.
    pub calls: Option<Calls>,
}

/// Function names per interface (`get-stdout`, `[method]output-stream.write`).
pub type Calls = BTreeMap<InterfaceKey, BTreeSet<String>>;

impl Target {
    /// A standalone adapter: everything the adapter can export, at one version.
    pub fn standalone(version: semver::Version) -> Target {
        Target {
            imports: adapter_exports().collect(),
            others: Vec::new(),
            exports: BTreeSet::new(),
            versions: Versions::uniform(version),
            standalone: true,
            calls: None,
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
    /// The functions of its exports that the adapter must export ([`Target::calls`]); `None`:
    /// all of them.
    pub calls: Option<Calls>,
    /// The component serves `wasi:http/incoming-handler` and sees the adapter's
    /// `wasi:http/types`: requests must reach it through the adapter (see `compose`).
    pub serve_http: bool,
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

/// Chooses the adapter's exports for `target` under `policy`.
pub fn select(policy: &PolicyIr, target: &Target) -> Result<Selection, PlanError> {
    select_with(policy, target, registry_graph())
}

/// The `use` graph of the registry (what `Interface::uses` says), built once.
fn registry_graph() -> &'static BTreeMap<InterfaceKey, BTreeSet<InterfaceKey>> {
    static GRAPH: std::sync::OnceLock<BTreeMap<InterfaceKey, BTreeSet<InterfaceKey>>> =
        std::sync::OnceLock::new();
    GRAPH.get_or_init(|| {
        registry::INTERFACES
            .iter()
            .map(|i| {
                let uses = i
                    .uses
                    .iter()
                    .filter_map(|path| path.split_once('/'))
                    .map(|(p, n)| (p.to_owned(), n.to_owned()))
                    .collect();
                ((i.package.to_owned(), i.name.to_owned()), uses)
            })
            .collect()
    })
}

fn select_with(
    policy: &PolicyIr,
    target: &Target,
    deps: &BTreeMap<InterfaceKey, BTreeSet<InterfaceKey>>,
) -> Result<Selection, PlanError> {
    let supported: BTreeSet<InterfaceKey> = adapter_exports().collect();
    // What the policy says, where the adapter can do it: an interface the policy virtualizes
    // that the adapter does not implement yet cannot be served. A traced output wraps every
    // interface the adapter implements, passed through or not, so that every call is seen.
    let traced = policy.runtime.trace != virtc_policy::Trace::Off;
    let treatment = |key: &InterfaceKey| match policy.treatment(&key.0, &key.1) {
        Treatment::Virtualize if !supported.contains(key) => Treatment::Unsupported,
        Treatment::PassThrough if traced && supported.contains(key) => Treatment::Virtualize,
        treatment => treatment,
    };
    let mut exports: BTreeSet<InterfaceKey> = BTreeSet::new();
    let mut unsupported: Vec<InterfaceKey> = Vec::new();
    for key in &target.imports {
        match treatment(key) {
            Treatment::Virtualize => {
                exports.insert(key.clone());
            }
            Treatment::Unsupported if target.standalone => {}
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
            // A standalone adapter leaves out what the policy restricts but cannot serve
            // (for a component that is an error, reported above).
            if target.standalone && treatment(key) == Treatment::Unsupported {
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
    let http_types = ("http".to_owned(), "types".to_owned());
    let serve_http = exports.contains(&http_types)
        && target
            .exports
            .contains(&("http".to_owned(), "incoming-handler".to_owned()));
    let calls = target.calls.clone().filter(|_| !target.standalone);
    Ok(Selection {
        exports,
        wrapped,
        calls,
        serve_http,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codegen::wasi_wit;
    use wit_parser::{Resolve, Type, TypeDefKind, TypeOwner};

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
    use virtc_policy::net::NetAccess;
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
            others: Vec::new(),
            exports: [key("cli", "run")].into_iter().collect(),
            versions: Versions::uniform(semver::Version::new(0, 2, 6)),
            standalone: false,
            calls: None,
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

    /// The registry's `uses` are the WIT's: every `use` between WASI interfaces, and no other.
    #[test]
    fn registry_uses_match_the_wit() {
        let version = semver::Version::parse(wasi_wit::EMBEDDED_VERSION).unwrap();
        let resolve = wasi_wit::resolve(&Versions::uniform(version)).unwrap();
        let wit = dependencies(&resolve);
        for (key, deps) in &wit {
            let entry = registry::find(&key.0, &key.1)
                .unwrap_or_else(|| panic!("wasi:{}/{} is missing from the registry", key.0, key.1));
            let listed: BTreeSet<InterfaceKey> = registry_graph()[key].clone();
            assert_eq!(
                &listed, deps,
                "uses of wasi:{}/{}",
                entry.package, entry.name
            );
        }
        for entry in registry::INTERFACES {
            assert!(
                wit.contains_key(&(entry.package.to_owned(), entry.name.to_owned())),
                "wasi:{}/{} is in the registry but not in the WIT",
                entry.package,
                entry.name
            );
        }
    }

    /// `wit/adapter.wit` exports exactly what the registry says the adapter implements, and the
    /// prebuilt module exports functions of each of them.
    #[test]
    fn adapter_world_and_prebuilt_match_the_registry() {
        let version = semver::Version::parse(wasi_wit::EMBEDDED_VERSION).unwrap();
        let resolve = wasi_wit::resolve_with_adapter(&Versions::uniform(version)).unwrap();
        let world_exports = |name: &str| -> BTreeSet<InterfaceKey> {
            let pkg = resolve
                .packages
                .iter()
                .find(|(_, p)| p.name.namespace == "virtc" && p.name.name == "adapter")
                .map(|(id, _)| id)
                .unwrap();
            let world = resolve.select_world(&[pkg], Some(name)).unwrap();
            resolve.worlds[world]
                .exports
                .keys()
                .filter_map(|k| match k {
                    wit_parser::WorldKey::Interface(id) => {
                        let iface = &resolve.interfaces[*id];
                        let pkg = &resolve.packages[iface.package?];
                        let name = iface.name.clone()?;
                        (pkg.name.namespace == "wasi").then(|| (pkg.name.name.clone(), name))
                    }
                    wit_parser::WorldKey::Name(_) => None,
                })
                .collect()
        };
        let mut committed = world_exports("adapter");
        committed.extend(world_exports("server"));
        let implemented: BTreeSet<InterfaceKey> = registry::implemented()
            .map(|i| (i.package.to_owned(), i.name.to_owned()))
            .collect();
        assert_eq!(committed, implemented);

        let info =
            crate::codegen::module_rewrite::ModuleInfo::parse(crate::codegen::adapter::PREBUILT)
                .unwrap();
        let prebuilt: BTreeSet<InterfaceKey> = info
            .exports
            .iter()
            .filter_map(|(name, _, _)| {
                let iface = name
                    .strip_prefix("cabi_post_")
                    .unwrap_or(name)
                    .split('#')
                    .next()?;
                let (p, i, _) = wasi_wit::parse_wasi_name(iface)?;
                Some((p.to_owned(), i.to_owned()))
            })
            .collect();
        // Interfaces of only types (`network`, `error` … have resources with methods, so every
        // implemented interface has at least one function or destructor in the module) .
        let missing: Vec<_> = implemented.difference(&prebuilt).collect();
        assert!(missing.is_empty(), "the prebuilt adapter lacks {missing:?}");
    }

    /// A standalone adapter under the default policy carries the virtual network and the
    /// adapter's own HTTP (both refuse everything); under `allow sockets;` it wraps the host's
    /// sockets.
    #[test]
    fn standalone_carries_the_virtual_network_and_http() {
        let target = Target::standalone(semver::Version::new(0, 2, 6));
        let s = select(&PolicyIr::default(), &target).unwrap();
        assert!(
            s.exports.contains(&key("http", "outgoing-handler")),
            "{:?}",
            s.exports
        );
        assert!(
            s.exports.contains(&key("sockets", "tcp")),
            "{:?}",
            s.exports
        );
        assert!(!s.wrapped.contains(&key("sockets", "tcp")));
        let mut p = PolicyIr::default();
        p.runtime.net.access = NetAccess::Host;
        let s = select(&p, &target).unwrap();
        assert!(
            s.exports.contains(&key("sockets", "tcp")),
            "{:?}",
            s.exports
        );
        assert!(s.wrapped.contains(&key("sockets", "tcp")));
    }

    /// Denied or under rules, every `wasi:sockets` interface the component imports is the
    /// adapter's.
    #[test]
    fn sockets_are_virtualized_unless_passed_through() {
        for access in [NetAccess::Deny, NetAccess::Rules] {
            let mut t = rust_command();
            t.imports.insert(key("sockets", "tcp"));
            t.imports.insert(key("sockets", "ip-name-lookup"));
            let mut p = PolicyIr::default();
            p.runtime.net.access = access;
            let s = select(&p, &t).unwrap();
            for name in ["tcp", "ip-name-lookup", "network"] {
                assert!(
                    s.exports.contains(&key("sockets", name)),
                    "{access:?} {name}"
                );
            }
        }
    }

    /// Denied, outgoing HTTP is the adapter's own (its `handle` refuses every request), with
    /// the types it uses.
    #[test]
    fn denied_http_is_virtualized() {
        let mut t = rust_command();
        t.imports.insert(key("http", "outgoing-handler"));
        let s = select(&PolicyIr::default(), &t).unwrap();
        assert!(s.exports.contains(&key("http", "outgoing-handler")));
        assert!(s.exports.contains(&key("http", "types")));
    }

    /// Under URL rules the adapter owns outgoing HTTP (and the types it uses); passed through,
    /// it is the host's, wrapped where the adapter owns `wasi:io`.
    #[test]
    fn http_rules_virtualize_outgoing_http() {
        let mut t = rust_command();
        t.imports.insert(key("http", "outgoing-handler"));
        t.imports.insert(key("http", "types"));
        let mut p = PolicyIr::default();
        p.runtime.http.access = virtc_policy::HttpAccess::Rules;
        let s = select(&p, &t).unwrap();
        assert!(s.exports.contains(&key("http", "outgoing-handler")));
        assert!(s.exports.contains(&key("http", "types")));
        assert!(!s.wrapped.contains(&key("http", "outgoing-handler")));
        // Passed through, it is only wrapped (the adapter owns `wasi:io` here).
        p.runtime.http.access = virtc_policy::HttpAccess::Host;
        let s = select(&p, &t).unwrap();
        assert!(s.wrapped.contains(&key("http", "outgoing-handler")));
        assert!(s.wrapped.contains(&key("http", "types")));
    }

    /// `wasi:config/store` is the adapter's unless passed through; while the adapter does not
    /// implement it, a component importing it is refused (and a standalone adapter leaves it
    /// out).
    #[test]
    fn config_is_virtualized_unless_passed_through() {
        let mut t = rust_command();
        t.imports.insert(key("config", "store"));
        let implemented = registry::find("config", "store").unwrap().implemented;
        match select(&PolicyIr::default(), &t) {
            Ok(s) => assert!(implemented && s.exports.contains(&key("config", "store"))),
            Err(e) => assert!(!implemented && e.to_string().contains("wasi:config/store")),
        }
        let mut p = PolicyIr::default();
        p.runtime.config.access = virtc_policy::Access::Host;
        assert!(select(&p, &t).is_ok());
        let standalone = Target::standalone(semver::Version::new(0, 2, 6));
        assert!(select(&PolicyIr::default(), &standalone).is_ok());
    }
}
