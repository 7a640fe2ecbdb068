//! The contradictions check: two explicit statements of one file setting one thing differently
//! is an error, the same setting twice a warning.

use rustc_hash::FxHashMap;

use super::*;
use crate::db::{Db, SourceFile};
use crate::diagnostic::{Diagnostic, report};

/// Two explicit statements of one file setting one thing differently is an error; the same
/// setting twice is a warning.
pub(super) fn report_contradictions(db: &dyn Db, file: SourceFile, settings: &[Located]) {
    let mut seen: FxHashMap<Key, &Located> = FxHashMap::default();
    let mut duplicates_reported = rustc_hash::FxHashSet::default();
    for located in settings {
        let Some(key) = located.setting.key() else {
            continue;
        };
        if located.implied {
            seen.remove(&key);
            continue;
        }
        if let Some(earlier) = seen.get(&key) {
            if earlier.setting == located.setting {
                if duplicates_reported.insert(located.span) {
                    report(
                        db,
                        Diagnostic::warning("V0022", "duplicate statement")
                            .primary(file, located.span, "this repeats an earlier statement")
                            .secondary(file, earlier.span, "first written here")
                            .fix("remove the duplicate statement", file, located.span, ""),
                    );
                }
            } else {
                let (code, message) = match &key {
                    Key::EnvVar(name) => (
                        "V0021",
                        format!("environment variable `{name}` is set twice"),
                    ),
                    Key::ConfigVar(k) => ("V0021", format!("configuration key `{k}` is set twice")),
                    _ => (
                        "V0020",
                        format!("conflicting statements for {}", describe(&key)),
                    ),
                };
                report(db, Diagnostic::error(code, message)
                        .primary(file, located.span, "this statement…")
                        .secondary(file, earlier.span, "…contradicts this one")
                        .help("keep one of them; to override a profile, write the statement in the file that `use`s it"),
                );
            }
        }
        seen.insert(key, located);
    }
    for conflict in [SOCKETS, HTTP] {
        report_grant_with_rules(db, file, settings, &conflict);
    }
}

/// A subsystem that rules refine: `allow S;` or `deny S;` written in the file that also writes
/// rules for it contradicts them (the one passes the host's interface through untouched, the
/// other denies it all, so either leaves the rules meaningless).
struct RuledSubsystem {
    subsystem: Subsystem,
    is_rule: fn(&Setting) -> bool,
    /// What `allow S;` means.
    allowed: &'static str,
    /// What `deny S;` means.
    denied: &'static str,
    help: &'static str,
}

const SOCKETS: RuledSubsystem = RuledSubsystem {
    subsystem: Subsystem::Sockets,
    is_rule: |s| matches!(s, Setting::Net { .. }),
    allowed: "the host's network, untouched",
    denied: "no network at all",
    help: "with `tcp`, `udp` or `dns` rules the network is what they allow and nothing else: remove the `allow sockets;` or `deny sockets;`",
};

const HTTP: RuledSubsystem = RuledSubsystem {
    subsystem: Subsystem::Http,
    is_rule: |s| matches!(s, Setting::Http { .. }),
    allowed: "the host's HTTP, untouched",
    denied: "no outgoing HTTP at all",
    help: "with `http allow` or `http deny` rules, outgoing HTTP is what they allow and nothing else: remove the `allow http;` or `deny http;`",
};

fn report_grant_with_rules(
    db: &dyn Db,
    file: SourceFile,
    settings: &[Located],
    ruled: &RuledSubsystem,
) {
    let grant = settings.iter().find_map(|l| match *l.setting {
        Setting::Grant { subsystem, allow } if !l.implied && subsystem == ruled.subsystem => {
            Some((l, allow))
        }
        _ => None,
    });
    let rule = settings.iter().find(|l| (ruled.is_rule)(&l.setting));
    let (Some((grant, allow)), Some(rule)) = (grant, rule) else {
        return;
    };
    let meaning = if allow { ruled.allowed } else { ruled.denied };
    report(
        db,
        Diagnostic::error(
            "V0020",
            format!("conflicting statements for `{}`", ruled.subsystem.name()),
        )
        .primary(file, grant.span, format!("this statement means {meaning}…"))
        .secondary(file, rule.span, "…contradicts this rule")
        .help(ruled.help),
    );
}

/// Words for a key in messages.
pub fn describe(key: &Key) -> String {
    match key {
        Key::Grant(s) => format!("`{}`", s.name()),
        Key::Stream(s) => format!("`{}`", s.name()),
        Key::EnvVar(n) => format!("environment variable `{n}`"),
        Key::ConfigVar(k) => format!("configuration key `{k}`"),
        Key::Args => "`args`".into(),
        Key::Preopen(g) => format!("the guest path `{g}`"),
    }
}
