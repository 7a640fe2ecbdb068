//! `allow import "GLOB";` / `deny import "GLOB";`: the statements for interfaces outside virtc's
//! registry (`wasi:keyvalue/*`, links to other components). Checks each pattern where it is
//! written, and decides what becomes of one import name.

use virtc_grammar::{Span, Str};
use virtc_policy::registry::{self, Governor, INTERFACES};
use virtc_policy::{expand_alternatives, glob_match};

use crate::db::SourceFile;
use crate::diagnostic::Diagnostic;

/// What the policy says about an import outside the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportRule {
    /// `allow import`: passed through to the host.
    Allow,
    /// `deny import`: stubbed out; calls trap.
    Deny,
    /// Named by no pattern.
    Unnamed,
}

/// `wasi:keyvalue/store@0.2.0-draft` → `wasi:keyvalue/store`.
pub fn unversioned(name: &str) -> &str {
    name.split_once('@').map_or(name, |(n, _)| n)
}

/// The rule for import `name` (with or without version) under these patterns. A name both
/// allowed and denied is denied: nothing is granted twice over.
pub fn rule_for(name: &str, allow: &[String], deny: &[String]) -> ImportRule {
    let name = unversioned(name);
    if deny.iter().any(|p| glob_match(p, name)) {
        ImportRule::Deny
    } else if allow.iter().any(|p| glob_match(p, name)) {
        ImportRule::Allow
    } else {
        ImportRule::Unnamed
    }
}

/// The statement that governs a registry interface instead of `allow import`.
fn statement_for(governor: Governor) -> Option<&'static str> {
    Some(match governor {
        Governor::Environment => "`env …` / `allow env;`",
        Governor::Exit => "`allow exit;`",
        Governor::Streams(_) => "`stdin`/`stdout`/`stderr …;`",
        Governor::Random => "`allow random;`",
        Governor::Clocks => "`allow clocks;`",
        Governor::Files => "`mount`, `file`, `preopen` or `allow fs;`",
        Governor::Sockets => "`allow sockets;`",
        Governor::Http => "`allow http;`",
        Governor::Config => "`config …` / `allow config;`",
        Governor::Io | Governor::EntryPoint => return None,
    })
}

/// Checks the patterns of one `allow import`/`deny import` statement; returns the valid ones
/// (alternatives expanded) and reports the others.
pub fn check_patterns(
    file: SourceFile,
    patterns: &[Str],
    report: &mut dyn FnMut(Diagnostic),
) -> Vec<String> {
    let mut out = Vec::new();
    for p in patterns {
        let value: &str = &p.value;
        // The place of byte `at` of the value inside the string literal, where the literal has
        // no escapes; otherwise the whole string.
        let inner = |at: usize, len: usize| {
            if p.span.end - p.span.start == value.len() + 2 {
                Span::new(p.span.start + 1 + at, p.span.start + 1 + at + len.max(1))
            } else {
                p.span
            }
        };
        if let Some(at) = value.find('@') {
            report(
                Diagnostic::error("V0028", format!("import pattern `{value}` names a version"))
                    .primary(file, inner(at, value.len() - at), "remove the version")
                    .help("a pattern matches every version of the interfaces it names"),
            );
            continue;
        }
        let shape = value
            .split_once(':')
            .and_then(|(ns, rest)| rest.split_once('/').map(|(pkg, iface)| (ns, pkg, iface)));
        let Some((namespace, package, interface)) =
            shape.filter(|(n, p, i)| !n.is_empty() && !p.is_empty() && !i.is_empty())
        else {
            report(
                Diagnostic::error(
                    "V0028",
                    format!("import pattern `{value}` is not `namespace:package/interface`"),
                )
                .primary(
                    file,
                    p.span,
                    "expected e.g. `wasi:keyvalue/*` or `example:pong/pingpong`",
                ),
            );
            continue;
        };
        if let Some(e) = super::settings::glob_error(value, false) {
            report(
                Diagnostic::error("V0024", format!("invalid glob `{value}`"))
                    .primary(file, p.span, e)
                    .help("globs use `*`, `?`, `[abc]`, `[!abc]` and `{a,b}`"),
            );
            continue;
        }
        // A pattern that can only ever match interfaces of the registry belongs to a
        // subsystem statement.
        let literal = |s: &str| !s.contains(['*', '?', '[', '{']);
        if namespace == "wasi" && literal(package) {
            let governed: Vec<&registry::Interface> = INTERFACES
                .iter()
                .filter(|i| i.package == package)
                .filter(|i| {
                    expand_alternatives(interface)
                        .iter()
                        .any(|pat| glob_match(pat, i.name))
                })
                .collect();
            let whole_package = INTERFACES.iter().any(|i| i.package == package);
            if whole_package {
                let mut statements: Vec<&str> = governed
                    .iter()
                    .filter_map(|i| statement_for(i.governor))
                    .collect();
                statements.dedup();
                let mut d = Diagnostic::error(
                    "V0029",
                    format!("`{value}` names interfaces virtc governs itself"),
                )
                .primary(
                    file,
                    p.span,
                    format!("wasi:{package} is part of virtc's WASI registry"),
                )
                .help("`allow import` and `deny import` are for interfaces outside the registry");
                if !statements.is_empty() {
                    d = d.help(format!("use {} instead", statements.join(" or ")));
                }
                report(d);
                continue;
            }
        }
        out.extend(expand_alternatives(value));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deny_wins_and_versions_are_ignored() {
        let allow = vec!["wasi:keyvalue/*".to_owned()];
        let deny = vec!["wasi:keyvalue/atomics".to_owned()];
        assert_eq!(
            rule_for("wasi:keyvalue/store@0.2.0-draft", &allow, &deny),
            ImportRule::Allow
        );
        assert_eq!(
            rule_for("wasi:keyvalue/atomics@0.2.0-draft", &allow, &deny),
            ImportRule::Deny
        );
        assert_eq!(
            rule_for("example:pong/pingpong", &allow, &deny),
            ImportRule::Unnamed
        );
    }
}
