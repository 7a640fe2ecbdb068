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
