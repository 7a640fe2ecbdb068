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
    report_sockets_with_rules(db, file, settings);
}

/// `allow sockets;` or `deny sockets;` written in the file that also writes address rules: the
/// one passes the host's network through untouched, the other denies it all, so either leaves
/// the rules meaningless.
fn report_sockets_with_rules(db: &dyn Db, file: SourceFile, settings: &[Located]) {
    let grant = settings.iter().find(|l| {
        !l.implied
            && matches!(
                *l.setting,
                Setting::Grant {
                    subsystem: Subsystem::Sockets,
                    ..
                }
            )
    });
    let rule = settings
        .iter()
        .find(|l| matches!(*l.setting, Setting::Net { .. }));
    let (Some(grant), Some(rule)) = (grant, rule) else {
        return;
    };
    let Setting::Grant { allow, .. } = *grant.setting else {
        return;
    };
    let meaning = if allow {
        "the host's network, untouched"
    } else {
        "no network at all"
    };
    report(
        db,
        Diagnostic::error("V0020", "conflicting statements for `sockets`")
            .primary(file, grant.span, format!("this statement means {meaning}…"))
            .secondary(file, rule.span, "…contradicts this rule")
            .help("with `tcp`, `udp` or `dns` rules the network is what they allow and nothing else: remove the `allow sockets;` or `deny sockets;`"),
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
