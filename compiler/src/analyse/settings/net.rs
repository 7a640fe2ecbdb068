//! Lowering `tcp`, `udp` and `dns` statements: the verb checked against its protocol, every
//! pattern parsed by the policy crate's one definition (`virtc_policy::net`), and a pattern's
//! problem labelled on the characters of the string that cause it.

use std::ops::Range;

use virtc_grammar::lexer::value_range_in_literal;
use virtc_grammar::{Ident, Span, Str};
use virtc_policy::net::{AddrPattern, HostPattern, PatternError, Problem, Side};

use super::lower::Lowering;
use crate::analyse::suggest::closest;
use crate::diagnostic::Diagnostic;

/// Which rule list of the network policy a statement adds to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NetRule {
    /// `tcp connect`
    TcpConnect,
    /// `tcp listen`
    TcpListen,
    /// `udp send`
    UdpSend,
    /// `udp bind`
    UdpBind,
    /// `dns resolve`
    DnsResolve,
}

impl NetRule {
    pub const ALL: [NetRule; 5] = [
        NetRule::TcpConnect,
        NetRule::TcpListen,
        NetRule::UdpSend,
        NetRule::UdpBind,
        NetRule::DnsResolve,
    ];

    /// The statement's keyword.
    pub fn proto(self) -> &'static str {
        match self {
            NetRule::TcpConnect | NetRule::TcpListen => "tcp",
            NetRule::UdpSend | NetRule::UdpBind => "udp",
            NetRule::DnsResolve => "dns",
        }
    }

    /// The word after the keyword.
    pub fn verb(self) -> &'static str {
        match self {
            NetRule::TcpConnect => "connect",
            NetRule::TcpListen => "listen",
            NetRule::UdpSend => "send",
            NetRule::UdpBind => "bind",
            NetRule::DnsResolve => "resolve",
        }
    }

    /// Whether the patterns name remote or local addresses; `None` for names (`dns resolve`).
    pub fn side(self) -> Option<Side> {
        match self {
            NetRule::TcpConnect | NetRule::UdpSend => Some(Side::Remote),
            NetRule::TcpListen | NetRule::UdpBind => Some(Side::Local),
            NetRule::DnsResolve => None,
        }
    }

    pub fn from_words(proto: &str, verb: &str) -> Option<NetRule> {
        NetRule::ALL
            .into_iter()
            .find(|r| r.proto() == proto && r.verb() == verb)
    }

    /// The verbs of a protocol keyword.
    pub fn verbs(proto: &str) -> impl Iterator<Item = &'static str> + Clone + '_ {
        NetRule::ALL
            .into_iter()
            .filter(move |r| r.proto() == proto)
            .map(NetRule::verb)
    }
}

/// One checked pattern of a network statement.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum NetPattern {
    /// `HOST:PORTS` of `tcp` and `udp` statements.
    Addr(AddrPattern),
    /// A name or name glob of `dns resolve`.
    Name(HostPattern),
}

/// The rule a `tcp`/`udp`/`dns` statement names, or `None` (reported) for an unknown verb.
pub(super) fn rule(cx: &mut Lowering, proto: &Ident, verb: &Ident) -> Option<NetRule> {
    if let Some(rule) = NetRule::from_words(&proto.name, &verb.name) {
        return Some(rule);
    }
    let file = cx.file;
    let verbs = NetRule::verbs(&proto.name);
    let list: Vec<String> = verbs
        .clone()
        .map(|v| format!("`{} {v}`", proto.name))
        .collect();
    let mut d = Diagnostic::error(
        "V0086",
        format!(
            "unknown `{}` statement `{} {}`",
            proto.name, proto.name, verb.name
        ),
    )
    .primary(
        file,
        verb.span,
        format!("`{}` takes no such verb", proto.name),
    );
    if let Some(best) = closest(&verb.name, verbs) {
        d = d
            .help(format!("did you mean `{} {best}`?", proto.name))
            .fix(format!("replace with `{best}`"), file, verb.span, best);
    }
    cx.report(d.help(format!(
        "the `{}` statements are {}",
        proto.name,
        list.join(" and ")
    )));
    None
}

/// Parses the patterns of a `rule` statement; each invalid one is reported and left out.
pub(super) fn patterns(cx: &mut Lowering, rule: NetRule, list: &[Str]) -> Vec<(NetPattern, Span)> {
    let mut out = Vec::new();
    for s in list {
        let parsed = match rule.side() {
            Some(side) => AddrPattern::parse(&s.value, side).map(NetPattern::Addr),
            None => HostPattern::parse_name(&s.value).map(NetPattern::Name),
        };
        match parsed {
            Ok(pattern) => out.push((pattern, s.span)),
            Err(error) => report(cx, rule, s, &error),
        }
    }
    out
}

/// Where the bytes `range` of the string's value were written: escapes make the value and the
/// literal differ, and a label must cover the characters the user typed. An empty range
/// (something missing) points at the character before the place it is missing from.
pub(super) fn inside(cx: &Lowering, s: &Str, range: Range<usize>) -> Span {
    let source = cx.file.text(cx.db);
    let literal = source.get(s.span.range()).unwrap_or_default();
    let inner = value_range_in_literal(literal, range);
    let at = Span::new(s.span.start + inner.start, s.span.start + inner.end);
    if at.start == at.end {
        Span::new(at.start.saturating_sub(1).max(s.span.start), at.end)
    } else {
        at
    }
}

fn report(cx: &mut Lowering, rule: NetRule, s: &Str, error: &PatternError) {
    let file = cx.file;
    let at = inside(cx, s, error.range.clone());
    let (code, what) = classify(&error.problem);
    let kind = if rule.side().is_some() {
        "address pattern"
    } else {
        "name pattern"
    };
    let mut d = Diagnostic::error(code, format!("{what} in {kind} \"{}\"", s.value)).primary(
        file,
        at,
        error.problem.to_string(),
    );
    d = match rule.side() {
        Some(Side::Remote) => d.help(format!(
            "`{} {}` takes HOST:PORTS: an IP address, `[IPv6]`, a CIDR block, a DNS name, `*.suffix` or `*`, then a port, LOW-HIGH or `*`",
            rule.proto(),
            rule.verb()
        )),
        Some(Side::Local) => d.help(format!(
            "`{} {}` takes the local HOST:PORTS to bind: an IP address, `[IPv6]`, a CIDR block or `*`, then a port (0 for any free one), LOW-HIGH or `*`",
            rule.proto(),
            rule.verb()
        )),
        None => d.help("`dns resolve` takes names: `db.internal`, `*.example.com` (its subdomains) or `*`"),
    };
    if let Problem::InvertedRange { first, last } = error.problem {
        d = d.fix(
            format!("write the range as {last}-{first}"),
            file,
            at,
            format!("{last}-{first}"),
        );
    }
    cx.report(d);
}

/// The code and the short description of a problem.
fn classify(problem: &Problem) -> (&'static str, &'static str) {
    match problem {
        Problem::EmptyHost
        | Problem::BadBrackets
        | Problem::BadIpv6
        | Problem::UnbracketedIpv6
        | Problem::BadIpv4
        | Problem::BadNameCharacter(_)
        | Problem::EmptyLabel
        | Problem::NameTooLong
        | Problem::EmptyGlob
        | Problem::MisplacedStar => ("V0080", "invalid host"),
        Problem::BadPrefix { .. } | Problem::HostBitsSet { .. } | Problem::CidrOnName => {
            ("V0081", "invalid CIDR block")
        }
        Problem::BadPort | Problem::PortOutOfRange | Problem::InvertedRange { .. } => {
            ("V0082", "invalid port")
        }
        Problem::PortZero => ("V0083", "port 0 as a destination"),
        Problem::MissingPort => ("V0084", "missing port"),
        Problem::NotAName | Problem::PortOnName => ("V0087", "not a name"),
    }
}
