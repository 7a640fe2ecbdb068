//! Lowering `http allow` and `http deny` statements: every URL rule parsed by the policy crate's
//! one definition (`virtc_policy::http::UrlRule`), and each error or warning labelled on the
//! characters of the string that cause it.

use virtc_grammar::{Span, Str};
use virtc_policy::http::{UrlPatternError, UrlProblem, UrlRule, Warning, WarningKind};
use virtc_policy::net::Problem;

use super::lower::Lowering;
use super::net::inside;
use crate::diagnostic::Diagnostic;

/// Which list of the HTTP rules a statement adds to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HttpList {
    /// `http allow`: requests some rule of this list matches may be sent...
    Allow,
    /// `http deny`: ...unless a rule of this list matches them.
    Deny,
}

impl HttpList {
    pub const ALL: [HttpList; 2] = [HttpList::Allow, HttpList::Deny];

    /// The word after `http`.
    pub fn verb(self) -> &'static str {
        match self {
            HttpList::Allow => "allow",
            HttpList::Deny => "deny",
        }
    }
}

/// Parses the rules of an `http allow` or `http deny` statement: each invalid one is reported
/// and left out, each valid one kept with its string (after its warnings are reported).
pub(super) fn rules(cx: &mut Lowering, list: HttpList, strings: &[Str]) -> Vec<(UrlRule, Span)> {
    let mut out = Vec::new();
    for s in strings {
        match UrlRule::parse(&s.value) {
            Ok((rule, warnings)) => {
                for warning in &warnings {
                    warn(cx, s, warning);
                }
                out.push((rule, s.span));
            }
            Err(error) => report(cx, list, s, &error),
        }
    }
    out
}

/// The condition families of rule errors, each with its code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Method,
    Scheme,
    Host,
    Port,
    Path,
    Query,
}

impl Family {
    fn of(problem: &UrlProblem) -> Family {
        match problem {
            UrlProblem::EmptyMethodList
            | UrlProblem::EmptyMethod
            | UrlProblem::BadMethodCharacter(_) => Family::Method,
            UrlProblem::MissingSeparator | UrlProblem::BadScheme => Family::Scheme,
            UrlProblem::Address(p) if p.concerns_port() => Family::Port,
            UrlProblem::Address(_) | UrlProblem::AddressLikeName | UrlProblem::CidrBlock => {
                Family::Host
            }
            UrlProblem::BadPathCharacter(_)
            | UrlProblem::BadEscape
            | UrlProblem::MisplacedDoubleStar
            | UrlProblem::PathEscapesRoot => Family::Path,
            UrlProblem::QueryOrFragment => Family::Query,
        }
    }

    fn code(self) -> &'static str {
        match self {
            Family::Method => "V0090",
            Family::Scheme => "V0091",
            Family::Host => "V0092",
            Family::Port => "V0093",
            Family::Path => "V0094",
            Family::Query => "V0095",
        }
    }

    /// The short description of the message.
    fn what(self) -> &'static str {
        match self {
            Family::Method => "invalid method",
            Family::Scheme => "invalid scheme",
            Family::Host => "invalid host",
            Family::Port => "invalid port",
            Family::Path => "invalid path",
            Family::Query => "a query or fragment",
        }
    }

    fn help(self) -> &'static str {
        match self {
            Family::Method => {
                "METHODS come before the scheme, separated by commas: `GET,HEAD https://…`; leave them out to match any method"
            }
            Family::Scheme => {
                "a URL rule is `[METHODS ]SCHEME://HOST[:PORTS][PATH]`, SCHEME being `http`, `https` or `*`"
            }
            Family::Host => {
                "HOST is an IP address (IPv6 in brackets: `[::1]`), a DNS name, `*.suffix` (its subdomains) or `*`; URL rules take no CIDR blocks"
            }
            Family::Port => {
                "PORTS is a port, LOW-HIGH or `*`; without it, the scheme's default port (80 for http, 443 for https)"
            }
            Family::Path => {
                "PATH is a glob over the URL path: `*` within a segment, `**` as a whole segment for any number of them (`/v1/**`); other characters are percent-encoded"
            }
            Family::Query => {
                "requests are matched on their path alone: a rule for `/search` covers `/search?q=…` too"
            }
        }
    }
}

fn report(cx: &mut Lowering, list: HttpList, s: &Str, error: &UrlPatternError) {
    let file = cx.file;
    let at = inside(cx, s, error.range.clone());
    let family = Family::of(&error.problem);
    let mut d = Diagnostic::error(
        family.code(),
        format!(
            "{} in `http {}` rule \"{}\"",
            family.what(),
            list.verb(),
            s.value
        ),
    )
    .primary(file, at, error.problem.to_string())
    .help(family.help());
    match error.problem {
        UrlProblem::Address(Problem::InvertedRange { first, last }) => {
            d = d.fix(
                format!("write the range as {last}-{first}"),
                file,
                at,
                format!("{last}-{first}"),
            );
        }
        UrlProblem::QueryOrFragment => {
            d = d.fix("remove the query", file, at, "");
        }
        UrlProblem::MissingSeparator if looks_like_a_host(&s.value) => {
            let fixed = format!("\"https://{}\"", s.value);
            d = d.fix(format!("use {fixed}"), file, s.span, fixed.clone());
        }
        _ => {}
    }
    cx.report(d);
}

/// `api.example.com/v1`: a rule that lacks only its scheme.
fn looks_like_a_host(value: &str) -> bool {
    value
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '*')
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._~/*".contains(c))
}

fn warn(cx: &mut Lowering, s: &Str, warning: &Warning) {
    let file = cx.file;
    let at = inside(cx, s, warning.range.clone());
    let method = s.value.get(warning.range.clone()).unwrap_or_default();
    let mut d = Diagnostic::warning(
        "V0096",
        format!("method `{method}` in URL rule \"{}\"", s.value),
    )
    .primary(file, at, warning.kind.to_string());
    match warning.kind {
        WarningKind::MethodCase { standard } => {
            d = d.fix(format!("replace with `{standard}`"), file, at, standard);
        }
        WarningKind::StarMethod => {
            d = d.help("a rule without methods (`https://…`) matches any method");
        }
    }
    cx.report(d);
}
