//! The whole policy of a root file: `use`d files applied where they are named, later settings
//! replacing earlier ones (with a note when a statement overrides a `use`d file), cycles
//! reported, and the result lowered to [`PolicyIr`].

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use rustc_hash::FxHashSet;
use virtc_grammar::{Span, Text};
use virtc_policy::http::UrlRule;
use virtc_policy::net::{NetAccess, Network};
use virtc_policy::{
    Access, Args, ClockMode, Config, HttpAccess, HttpPolicy, RandomSeed, StreamMode,
};

use super::settings::{
    ArgsSetting, ClockSetting, HttpList, Key, Located, Mount, NetPattern, NetRule, Setting, Stream,
    Subsystem, describe, file_settings,
};
use crate::db::{Db, SourceFile};
use crate::diagnostic::{Diagnostic, report};
use crate::ir::{FileIr, MountIr, Place, PolicyIr, Preopen, TmpfsIr};

/// Where a setting came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Origin {
    pub file: SourceFile,
    pub span: Span,
}

/// The merged settings, with origins (for hover, go-to-definition and the trap warnings).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Merged {
    /// The policy's files in the order they were applied, each once (the root first).
    pub sources: Vec<SourceFile>,
    pub keyed: BTreeMap<Key, (Setting, Origin)>,
    /// Virtual variables in the order they were first set.
    pub env_order: Vec<Text>,
    pub env_allow: Vec<(String, Origin)>,
    pub env_deny: Vec<(String, Origin)>,
    pub config_allow: Vec<(String, Origin)>,
    pub config_deny: Vec<(String, Origin)>,
    pub import_allow: Vec<(String, Origin)>,
    pub import_deny: Vec<(String, Origin)>,
    pub mounts: Vec<(Mount, Origin)>,
    pub files: Vec<(Setting, Origin)>,
    /// `tmpfs` statements: (guest, limit, the guest path's place).
    pub tmpfs: Vec<(String, Option<u64>, Origin, Span)>,
    /// Network rules in order, each pattern with its string's place. An explicit `allow
    /// sockets;` or `deny sockets;` after them (in a file that `use`s theirs) replaces them.
    pub net: Vec<(NetRule, NetPattern, Origin)>,
    /// HTTP rules in order, each with its string's place; replaced like the network rules by
    /// an explicit `allow http;` or `deny http;` after them.
    pub http: Vec<(HttpList, UrlRule, Origin)>,
}

/// The checked policy of `root`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedPolicy {
    pub merged: Merged,
    pub ir: PolicyIr,
}

/// The checked policy, lowered: what compiling needs.
#[salsa::tracked(returns(ref))]
pub fn check_policy(db: &dyn Db, root: SourceFile) -> CheckedPolicy {
    let merged = merge_policy(db, root).clone();
    let mut ir = lower(&merged);
    ir.runtime.origin = ir.origin(db, root, &merged.sources);
    CheckedPolicy { merged, ir }
}

/// The files of the policy merged and checked together: every diagnostic of the policy, and
/// what hover and go-to-definition need, without the lowering that only compiling needs.
#[salsa::tracked(returns(ref))]
pub fn merge_policy(db: &dyn Db, root: SourceFile) -> Merged {
    let mut merged = Merged::default();
    let mut stack = Vec::new();
    apply(db, root, &mut stack, &mut merged);
    check_passthrough(db, &merged, ENV);
    check_passthrough(db, &merged, CONFIG);
    check_http_deny_only(db, &merged);
    merged
}

fn apply(db: &dyn Db, file: SourceFile, stack: &mut Vec<SourceFile>, merged: &mut Merged) {
    stack.push(file);
    if !merged.sources.contains(&file) {
        merged.sources.push(file);
    }
    for located in &file_settings(db, file).settings {
        let origin = Origin {
            file,
            span: located.span,
        };
        match &*located.setting {
            Setting::Use(target) => {
                if let Some(pos) = stack.iter().position(|f| f == target) {
                    let chain: Vec<String> = stack[pos..]
                        .iter()
                        .chain([target])
                        .map(|f| f.display_name(db))
                        .collect();
                    report(
                        db,
                        Diagnostic::error("V0015", "`use` cycle")
                            .primary(
                                file,
                                located.span,
                                "this `use` leads back to a file being used",
                            )
                            .help(format!("the cycle is {}", chain.join(" → ")))
                            .help("remove one of the `use` statements of the cycle"),
                    );
                } else {
                    apply(db, *target, stack, merged);
                }
            }
            Setting::EnvAllow(globs) => merged
                .env_allow
                .extend(globs.iter().map(|g| (g.clone(), origin))),
            Setting::EnvDeny(globs) => merged
                .env_deny
                .extend(globs.iter().map(|g| (g.clone(), origin))),
            Setting::ImportAllow(globs) => merged
                .import_allow
                .extend(globs.iter().map(|g| (g.clone(), origin))),
            Setting::ImportDeny(globs) => merged
                .import_deny
                .extend(globs.iter().map(|g| (g.clone(), origin))),
            Setting::ConfigAllow(globs) => merged
                .config_allow
                .extend(globs.iter().map(|g| (g.clone(), origin))),
            Setting::ConfigDeny(globs) => merged
                .config_deny
                .extend(globs.iter().map(|g| (g.clone(), origin))),
            Setting::Mount(mount) => merged.mounts.push((mount.clone(), origin)),
            Setting::Tmpfs {
                guest,
                limit,
                guest_span,
            } => merged
                .tmpfs
                .push((guest.clone(), *limit, origin, *guest_span)),
            Setting::Net { rule, patterns } => {
                merged.net.extend(patterns.iter().map(|(pattern, span)| {
                    let at = Origin { file, span: *span };
                    (*rule, pattern.clone(), at)
                }))
            }
            Setting::Http { list, rules } => {
                merged.http.extend(rules.iter().map(|(rule, span)| {
                    let at = Origin { file, span: *span };
                    (*list, rule.clone(), at)
                }))
            }
            Setting::File { .. } => merged.files.push(((*located.setting).clone(), origin)),
            setting => {
                // The later word on the network or on HTTP: rules from earlier files no longer
                // apply.
                match setting {
                    Setting::Grant {
                        subsystem: Subsystem::Sockets,
                        ..
                    } if !located.implied => merged.net.clear(),
                    Setting::Grant {
                        subsystem: Subsystem::Http,
                        ..
                    } if !located.implied => merged.http.clear(),
                    _ => {}
                }
                let Some(key) = setting.key() else { continue };
                match merged.keyed.entry(key) {
                    Entry::Vacant(entry) => {
                        // First time this variable is set: it takes its place in the order.
                        if let Setting::EnvVar { name, .. } = setting {
                            merged.env_order.push(name.clone());
                        }
                        entry.insert((setting.clone(), origin));
                    }
                    Entry::Occupied(mut entry) => {
                        note_override(db, located, origin, entry.key(), entry.get());
                        entry.insert((setting.clone(), origin));
                    }
                }
            }
        }
    }
    stack.pop();
}

fn note_override(
    db: &dyn Db,
    located: &Located,
    origin: Origin,
    key: &Key,
    (earlier, earlier_origin): &(Setting, Origin),
) {
    if located.implied || earlier_origin.file == origin.file || *earlier == *located.setting {
        return;
    }
    report(
        db,
        Diagnostic::note(
            "V0030",
            format!(
                "this statement overrides {} from `{}`",
                describe(key),
                earlier_origin.file.display_name(db)
            ),
        )
        .primary(origin.file, origin.span, "this takes effect…")
        .secondary(earlier_origin.file, earlier_origin.span, "…instead of this"),
    );
}

/// The ChaCha20 keys of `random seed N`: SHA-256 of each stream's label and the seed's 8
/// little-endian bytes (the derivation the policy format documents, see [`RandomSeed`]).
pub fn random_seed(seed: u64) -> RandomSeed {
    use sha2::{Digest, Sha256};
    let key = |label: &str| -> [u8; 32] {
        let mut hash = Sha256::new();
        hash.update(label.as_bytes());
        hash.update(seed.to_le_bytes());
        hash.finalize().into()
    };
    RandomSeed {
        random: key("virtc random"),
        insecure: key("virtc insecure"),
        insecure_seed: key("virtc insecure-seed"),
    }
}

fn lower(merged: &Merged) -> PolicyIr {
    let mut ir = PolicyIr::default();
    let grant = |s: Subsystem| match merged.keyed.get(&Key::Grant(s)) {
        Some((Setting::Grant { allow: true, .. }, _)) => Access::Host,
        _ => Access::Deny,
    };
    ir.runtime.random = grant(Subsystem::Random);
    ir.runtime.clocks = grant(Subsystem::Clocks);
    match merged.keyed.get(&Key::Grant(Subsystem::Clocks)) {
        Some((
            Setting::Clocks(ClockSetting::Fixed {
                seconds,
                nanoseconds,
            }),
            _,
        )) => {
            ir.runtime.clock_mode = ClockMode::Fixed {
                seconds: *seconds,
                nanoseconds: *nanoseconds,
            };
        }
        Some((Setting::Clocks(ClockSetting::Resolution { ns }), _)) => {
            // The host's clocks, coarsened by the adapter.
            ir.runtime.clocks = Access::Host;
            ir.runtime.clock_mode = ClockMode::Resolution { ns: *ns };
        }
        _ => {}
    }
    if let Some((Setting::RandomSeed(seed), _)) = merged.keyed.get(&Key::Grant(Subsystem::Random)) {
        ir.runtime.random_seed = Some(random_seed(*seed));
        ir.random_seed = Some(*seed);
    }
    ir.runtime.exit = grant(Subsystem::Exit);
    ir.runtime.fs = grant(Subsystem::Fs);
    ir.runtime.net = lower_net(merged, grant(Subsystem::Sockets));
    ir.runtime.http = lower_http(merged, grant(Subsystem::Http));
    ir.runtime.config = lower_config(merged, grant(Subsystem::Config));
    ir.env_host = grant(Subsystem::Env) == Access::Host;
    let stream = |s: Stream| match merged.keyed.get(&Key::Stream(s)) {
        Some((Setting::Stream { mode, .. }, _)) => *mode,
        _ => StreamMode::Deny,
    };
    ir.runtime.stdio.stdin = stream(Stream::Stdin);
    ir.runtime.stdio.stdout = stream(Stream::Stdout);
    ir.runtime.stdio.stderr = stream(Stream::Stderr);
    for name in &merged.env_order {
        if let Some((Setting::EnvVar { value, .. }, _)) =
            merged.keyed.get(&Key::EnvVar(name.clone()))
        {
            ir.runtime
                .env
                .vars
                .push((name.to_string(), value.to_string()));
        }
    }
    ir.runtime.env.allow = merged.env_allow.iter().map(|(g, _)| g.clone()).collect();
    ir.runtime.env.deny = merged.env_deny.iter().map(|(g, _)| g.clone()).collect();
    ir.import_allow = merged.import_allow.iter().map(|(g, _)| g.clone()).collect();
    ir.import_deny = merged.import_deny.iter().map(|(g, _)| g.clone()).collect();
    ir.runtime.env.args = match merged.keyed.get(&Key::Args) {
        Some((Setting::Args(ArgsSetting::Host), _)) => Args::Host,
        Some((Setting::Args(ArgsSetting::Fixed(list)), _)) => Args::Fixed(list.clone()),
        _ => Args::default(),
    };
    let place = |o: &Origin, span| Place { file: o.file, span };
    for (key, (setting, origin)) in &merged.keyed {
        if let (
            Key::Preopen(_),
            Setting::Preopen {
                guest,
                host,
                readonly,
                ..
            },
        ) = (key, setting)
        {
            ir.preopens.push(Preopen {
                guest: guest.clone(),
                host: host.clone(),
                readonly: *readonly,
                at: place(origin, origin.span),
            });
        }
    }
    for (mount, origin) in &merged.mounts {
        ir.mounts.push(MountIr {
            guest: mount.guest.clone(),
            host: mount.host.clone(),
            written: mount.written.clone(),
            include: mount
                .include
                .iter()
                .map(|p| (p.glob.clone(), place(origin, p.span)))
                .collect(),
            exclude: mount
                .exclude
                .iter()
                .map(|p| (p.glob.clone(), place(origin, p.span)))
                .collect(),
            at: place(origin, origin.span),
            host_at: place(origin, mount.host_span),
            writable: mount.writable,
        });
    }
    for (guest, limit, origin, guest_span) in &merged.tmpfs {
        ir.tmpfs.push(TmpfsIr {
            guest: guest.clone(),
            limit: *limit,
            at: place(origin, origin.span),
            guest_at: place(origin, *guest_span),
        });
    }
    for (setting, origin) in &merged.files {
        if let Setting::File {
            guest,
            source,
            source_span,
        } = setting
        {
            ir.files.push(FileIr {
                guest: guest.clone(),
                source: source.clone(),
                at: place(origin, origin.span),
                source_at: place(origin, *source_span),
            });
        }
    }
    if ir.env_host {
        // The host's interface as it is: its arguments too.
        ir.runtime.env.args = Args::Host;
    }
    ir
}

/// The network: the rules when there are any (they refine `allow all;` and `deny all;`), else
/// what `sockets` is granted.
fn lower_net(merged: &Merged, sockets: Access) -> Network {
    let mut net = Network {
        access: match sockets {
            Access::Host => NetAccess::Host,
            Access::Deny => NetAccess::Deny,
        },
        ..Network::default()
    };
    for (rule, pattern, _) in &merged.net {
        net.access = NetAccess::Rules;
        match (rule, pattern) {
            (NetRule::DnsResolve, NetPattern::Name(name)) => net.dns.push(name.clone()),
            (NetRule::TcpConnect, NetPattern::Addr(a)) => net.tcp_connect.push(a.clone()),
            (NetRule::TcpListen, NetPattern::Addr(a)) => net.tcp_listen.push(a.clone()),
            (NetRule::UdpSend, NetPattern::Addr(a)) => net.udp_send.push(a.clone()),
            (NetRule::UdpBind, NetPattern::Addr(a)) => net.udp_bind.push(a.clone()),
            // Lowering pairs each rule with its kind of pattern.
            (_, NetPattern::Name(_) | NetPattern::Addr(_)) => {}
        }
    }
    net
}

/// Outgoing HTTP: the rules when there are any (they refine `allow all;` and `deny all;`), else
/// what `http` is granted. Each rule once in its list, where it was first written.
fn lower_http(merged: &Merged, http: Access) -> HttpPolicy {
    let mut policy = HttpPolicy {
        access: match http {
            Access::Host => HttpAccess::Host,
            Access::Deny => HttpAccess::Deny,
        },
        ..HttpPolicy::default()
    };
    let mut seen: FxHashSet<(HttpList, &UrlRule)> = FxHashSet::default();
    for (list, rule, _) in &merged.http {
        policy.access = HttpAccess::Rules;
        if !seen.insert((*list, rule)) {
            continue;
        }
        match list {
            HttpList::Allow => policy.rules.allow.push(rule.clone()),
            HttpList::Deny => policy.rules.deny.push(rule.clone()),
        }
    }
    policy
}

/// `wasi:config/store`: the virtual values sorted by key (byte order) with each key once — the
/// keyed settings are that already, a later value replacing an earlier one — and the globs.
fn lower_config(merged: &Merged, config: Access) -> Config {
    let values = merged
        .keyed
        .values()
        .filter_map(|(setting, _)| match setting {
            Setting::ConfigVar { key, value } => Some((key.to_string(), value.to_string())),
            _ => None,
        })
        .collect();
    Config {
        access: config,
        values,
        allow: merged.config_allow.iter().map(|(g, _)| g.clone()).collect(),
        deny: merged.config_deny.iter().map(|(g, _)| g.clone()).collect(),
    }
}

/// A subsystem whose `allow S;` passes the host's interface through unchanged, so that virtual
/// values and globs for it could not apply.
struct Passthrough {
    subsystem: Subsystem,
    /// Where the first virtual value or glob is written.
    first_virtual: fn(&Merged) -> Option<Origin>,
    message: &'static str,
    host: &'static str,
    help: &'static str,
}

const ENV: Passthrough = Passthrough {
    subsystem: Subsystem::Env,
    first_virtual: |merged| {
        merged
            .env_order
            .first()
            .and_then(|n| merged.keyed.get(&Key::EnvVar(n.clone())))
            .map(|(_, o)| *o)
            .or_else(|| merged.env_allow.first().map(|(_, o)| *o))
            .or_else(|| merged.env_deny.first().map(|(_, o)| *o))
    },
    message: "`allow env` passes the host environment through unchanged, so virtual variables and globs cannot apply",
    host: "the host's environment, as it is",
    help: "to pass host variables and add virtual ones, write `env allow \"*\";` instead of `allow env;`",
};

const CONFIG: Passthrough = Passthrough {
    subsystem: Subsystem::Config,
    first_virtual: |merged| {
        merged
            .keyed
            .iter()
            .find(|(k, _)| matches!(k, Key::ConfigVar(_)))
            .map(|(_, (_, o))| *o)
            .or_else(|| merged.config_allow.first().map(|(_, o)| *o))
            .or_else(|| merged.config_deny.first().map(|(_, o)| *o))
    },
    message: "`allow config` passes the host's configuration store through unchanged, so virtual values and globs cannot apply",
    host: "the host's store, as it is",
    help: "to pass host keys and add virtual values, write `config allow \"*\";` instead of `allow config;`",
};

/// `allow env;` with virtual variables or globs, `allow config;` with virtual values or globs:
/// they could not apply.
fn check_passthrough(db: &dyn Db, merged: &Merged, which: Passthrough) {
    let Some((Setting::Grant { allow: true, .. }, allow_origin)) =
        merged.keyed.get(&Key::Grant(which.subsystem))
    else {
        return;
    };
    if let Some(other) = (which.first_virtual)(merged) {
        report(
            db,
            Diagnostic::error("V0027", which.message)
                .primary(allow_origin.file, allow_origin.span, which.host)
                .secondary(other.file, other.span, "this would have no effect")
                .help(which.help),
        );
    }
}

/// `http deny` rules with no `http allow` rule: a request is sent only when an allow rule
/// matches it, so every request is denied and the deny rules change nothing.
fn check_http_deny_only(db: &dyn Db, merged: &Merged) {
    if merged
        .http
        .iter()
        .any(|(list, ..)| *list == HttpList::Allow)
    {
        return;
    }
    let Some((_, _, first)) = merged.http.first() else {
        return;
    };
    report(
        db,
        Diagnostic::warning("V0097", "`http deny` rules without any `http allow` rule: every request is denied")
            .primary(first.file, first.span, "this rule changes nothing")
            .help("a request is sent only when some `http allow` rule matches it and no `http deny` rule does: add the `http allow` rules the component needs (`http allow \"https://*\";` for any HTTPS request)"),
    );
}
