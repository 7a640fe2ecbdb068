//! Reading a rule's text: [`UrlRule::parse`] and the errors it gives, and the canonical text
//! ([`fmt::Display`]) it reads back as the same rule. The methods before the scheme are read by
//! `methods`.

use crate::prelude::*;

use super::methods::{Warning, parse_methods};
use super::path::{escape_at, is_path_char, normalize_path};
use super::{SchemePattern, UrlRule};
use crate::literal;
use crate::net::{self, HostPattern, PatternError, Problem, Side};
use core::fmt;
use core::ops::Range;

/// Why a rule is invalid, and where in its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlPatternError {
    /// Byte range in the rule's text.
    pub range: Range<usize>,
    pub problem: UrlProblem,
}

/// The ways a rule can be wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UrlProblem {
    /// Only spaces before the scheme.
    EmptyMethodList,
    /// Nothing between two commas, or before the first or after the last.
    EmptyMethod,
    /// A character that is no HTTP token character.
    BadMethodCharacter(char),
    /// No `://` after the scheme.
    MissingSeparator,
    /// A scheme other than `http`, `https` or `*`.
    BadScheme,
    /// The host or the ports are wrong, as for network rules.
    Address(Problem),
    /// A name that resolvers read as an IP address (`0x7f.1`, `example.123`).
    AddressLikeName,
    /// An IP address followed by `/N`, with no port: a CIDR block.
    CidrBlock,
    /// A `?query` or `#fragment`.
    QueryOrFragment,
    /// A character that must be percent-encoded in a path.
    BadPathCharacter(char),
    /// `%` not followed by two hex digits.
    BadEscape,
    /// `**` inside a segment (`/a**`), or `***`.
    MisplacedDoubleStar,
    /// A `..` segment above `/`.
    PathEscapesRoot,
}

impl fmt::Display for UrlProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UrlProblem::EmptyMethodList => {
                write!(f, "no methods: leave them out to match any method")
            }
            UrlProblem::EmptyMethod => write!(f, "an empty method in the list"),
            UrlProblem::BadMethodCharacter(c) => write!(
                f,
                "`{c}` cannot appear in an HTTP method (separate methods with `,`)"
            ),
            UrlProblem::MissingSeparator => {
                write!(
                    f,
                    "no scheme: write `SCHEME://HOST`, e.g. `https://example.com`"
                )
            }
            UrlProblem::BadScheme => write!(f, "the scheme is `http`, `https` or `*`"),
            UrlProblem::Address(problem) => problem.fmt(f),
            UrlProblem::AddressLikeName => write!(
                f,
                "resolvers read this as an IP address, not a name: write the address in full"
            ),
            UrlProblem::CidrBlock => write!(
                f,
                "a URL names one host, not a CIDR block: write an address, a name or `*`"
            ),
            UrlProblem::QueryOrFragment => {
                write!(
                    f,
                    "the query and fragment are never matched: leave them out"
                )
            }
            UrlProblem::BadPathCharacter(c) => {
                write!(f, "`{c}` cannot appear in a URL path: percent-encode it")
            }
            UrlProblem::BadEscape => write!(f, "`%` is followed by two hex digits"),
            UrlProblem::MisplacedDoubleStar => {
                write!(f, "`**` stands alone as a whole segment: `/a/**/b`")
            }
            UrlProblem::PathEscapesRoot => write!(f, "`..` climbs above `/`"),
        }
    }
}

impl fmt::Display for UrlPatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.problem.fmt(f)
    }
}

pub(super) fn err<T>(range: Range<usize>, problem: UrlProblem) -> Result<T, UrlPatternError> {
    Err(UrlPatternError { range, problem })
}

/// A host or port error of `net`, its range moved by `offset` into the rule's text.
fn address(e: PatternError, offset: usize) -> UrlPatternError {
    UrlPatternError {
        range: offset + e.range.start..offset + e.range.end,
        problem: UrlProblem::Address(e.problem),
    }
}

impl UrlRule {
    /// Parses `[METHODS ]SCHEME://HOST[:PORTS][PATH]`, with the warnings it deserves.
    pub fn parse(text: &str) -> Result<(UrlRule, Vec<Warning>), UrlPatternError> {
        let mut warnings = Vec::new();
        let Some(sep) = text.find("://") else {
            return err(0..text.len(), UrlProblem::MissingSeparator);
        };
        let (methods, scheme_start) = match text[..sep].rfind(' ') {
            Some(space) => (parse_methods(text, 0..space, &mut warnings)?, space + 1),
            None => (Vec::new(), 0),
        };
        let scheme = match &text[scheme_start..sep] {
            s if s.eq_ignore_ascii_case("http") => SchemePattern::Http,
            s if s.eq_ignore_ascii_case("https") => SchemePattern::Https,
            "*" => SchemePattern::Any,
            _ => return err(scheme_start..sep, UrlProblem::BadScheme),
        };
        let start = sep + 3;
        let end = text[start..]
            .find(['/', '?', '#'])
            .map_or(text.len(), |i| start + i);
        if let Some(i) = text[end..].find(['?', '#']) {
            return err(end + i..text.len(), UrlProblem::QueryOrFragment);
        }
        let (host_range, ports_range) = split_host_ports(text, start..end)?;
        let host = HostPattern::parse_url_host(&text[host_range.clone()])
            .map_err(|e| address(e, host_range.start))?;
        if let HostPattern::Name(name) | HostPattern::Subdomains(name) = &host
            && literal::is_ip_literal(name)
        {
            return err(host_range, UrlProblem::AddressLikeName);
        }
        let ports = match ports_range {
            // As network rules have them, port 0 being no destination.
            Some(range) => {
                Some(net::parse_ports(text, range, Side::Remote).map_err(|e| address(e, 0))?)
            }
            None => None,
        };
        let path = if end == text.len() {
            None
        } else {
            if ports.is_none() && matches!(host, HostPattern::Ip(_)) {
                let digits = text[end + 1..]
                    .bytes()
                    .take_while(u8::is_ascii_digit)
                    .count();
                let after = text.as_bytes().get(end + 1 + digits);
                if (1..=3).contains(&digits) && matches!(after, None | Some(b':')) {
                    return err(host_range.start..end + 1 + digits, UrlProblem::CidrBlock);
                }
            }
            Some(parse_path(text, end..text.len())?)
        };
        let rule = UrlRule {
            methods,
            scheme,
            host,
            ports,
            path,
        };
        Ok((rule, warnings))
    }
}

/// Splits `HOST[:PORTS]` in `text[range]` (after `]` for IPv6).
fn split_host_ports(
    text: &str,
    range: Range<usize>,
) -> Result<(Range<usize>, Option<Range<usize>>), UrlPatternError> {
    let s = &text[range.clone()];
    let base = range.start;
    if s.starts_with('[') {
        let Some(close) = s.find(']') else {
            return err(range, UrlProblem::Address(Problem::BadBrackets));
        };
        let after = &s[close + 1..];
        if after.is_empty() {
            return Ok((range, None));
        }
        if after.starts_with(':') {
            return Ok((base..base + close + 1, Some(base + close + 2..range.end)));
        }
        let stop = after.find(':').map_or(s.len(), |i| close + 1 + i);
        return err(
            base + close + 1..base + stop,
            UrlProblem::Address(Problem::BadBrackets),
        );
    }
    match (s.find(':'), s.rfind(':')) {
        (None, _) => Ok((range, None)),
        (Some(first), Some(last)) if first == last => {
            Ok((base..base + first, Some(base + first + 1..range.end)))
        }
        (_, last) => err(
            base..base + last.unwrap_or(s.len()),
            UrlProblem::Address(Problem::UnbracketedIpv6),
        ),
    }
}

/// The path glob in `text[range]` (starting with `/`, no `?` or `#`), normalised.
fn parse_path(text: &str, range: Range<usize>) -> Result<String, UrlPatternError> {
    let raw = &text[range.clone()];
    let at = |i: usize, len: usize| range.start + i..range.start + i + len;
    for (i, c) in raw.char_indices() {
        if c == '%' {
            if escape_at(raw.as_bytes(), i).is_none() {
                let shown: usize = raw[i + 1..].chars().take(2).map(char::len_utf8).sum();
                return err(at(i, 1 + shown), UrlProblem::BadEscape);
            }
        } else if !is_path_char(c) {
            return err(at(i, c.len_utf8()), UrlProblem::BadPathCharacter(c));
        }
    }
    let mut offset = 1;
    for segment in raw[1..].split('/') {
        if segment != "**" && segment.contains("**") {
            return err(at(offset, segment.len()), UrlProblem::MisplacedDoubleStar);
        }
        offset += segment.len() + 1;
    }
    match normalize_path(raw) {
        Ok(path) => Ok(path.into_owned()),
        Err(dots) => err(at(dots.start, dots.len()), UrlProblem::PathEscapesRoot),
    }
}

impl fmt::Display for SchemePattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SchemePattern::Http => "http",
            SchemePattern::Https => "https",
            SchemePattern::Any => "*",
        })
    }
}

/// The canonical text of a rule; [`UrlRule::parse`] reads it back as the same rule.
impl fmt::Display for UrlRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.methods.is_empty() {
            write!(f, "{} ", self.methods.join(","))?;
        }
        write!(f, "{}://{}", self.scheme, self.host)?;
        if let Some(ports) = self.ports {
            write!(f, ":{ports}")?;
        }
        if let Some(path) = &self.path {
            f.write_str(path)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::testing::*;
    use crate::net::Ports;

    #[test]
    fn parses_every_form() {
        let r = rule("https://api.example.com");
        assert_eq!(
            r,
            UrlRule {
                methods: vec![],
                scheme: SchemePattern::Https,
                host: HostPattern::Name("api.example.com".into()),
                ports: None,
                path: None,
            }
        );
        let r = rule("GET,POST http://10.0.0.1:8080/v1/**");
        assert_eq!(r.methods, vec!["GET", "POST"]);
        assert_eq!(r.scheme, SchemePattern::Http);
        assert_eq!(r.host, HostPattern::Ip(ip("10.0.0.1")));
        assert_eq!(
            r.ports,
            Some(Ports {
                first: 8080,
                last: 8080
            })
        );
        assert_eq!(r.path.as_deref(), Some("/v1/**"));
        assert_eq!(rule("GET, PURGE *://x").methods, vec!["GET", "PURGE"]);
        assert_eq!(rule("M-SEARCH *://x").methods, vec!["M-SEARCH"]);
        assert_eq!(rule("*://x").scheme, SchemePattern::Any);
        assert_eq!(rule("HTTPS://x").scheme, SchemePattern::Https);
        assert_eq!(rule("http://[::1]").host, HostPattern::Ip(ip("::1")));
        assert_eq!(
            rule("http://[::ffff:10.0.0.1]:1").host,
            HostPattern::Ip(ip("10.0.0.1"))
        );
        assert_eq!(rule("http://[fd00::1]:443").ports.unwrap().first, 443);
        assert_eq!(
            rule("http://Example.COM./").host,
            HostPattern::Name("example.com".into())
        );
        assert_eq!(
            rule("http://*.Example.com").host,
            HostPattern::Subdomains("example.com".into())
        );
        assert_eq!(rule("http://*").host, HostPattern::Any);
        assert_eq!(rule("http://*:*").ports, Some(Ports::ANY));
        assert_eq!(
            rule("http://h:8000-8999").ports,
            Some(Ports {
                first: 8000,
                last: 8999
            })
        );
        assert_eq!(rule("http://h:0-10").ports.unwrap().first, 0);
        assert_eq!(rule("http://h/").path.as_deref(), Some("/"));
        assert_eq!(rule("http://h/a/*.json").path.as_deref(), Some("/a/*.json"));
        assert_eq!(rule("http://h/**").path.as_deref(), Some("/**"));
        assert_eq!(rule("http://h/a/**/b").path.as_deref(), Some("/a/**/b"));
        assert_eq!(
            rule("http://h/a:b@c;d=e,f!$&'()+~").path.as_deref(),
            Some("/a:b@c;d=e,f!$&'()+~")
        );
        // The IP with a port is no CIDR block: `/8` is a path.
        assert_eq!(rule("http://10.0.0.0:80/8").path.as_deref(), Some("/8"));
        assert_eq!(rule("http://10.0.0.0/%38").path.as_deref(), Some("/8"));
        assert_eq!(rule("http://h/8").path.as_deref(), Some("/8"));
    }

    #[test]
    fn rule_paths_are_normalised() {
        let path = |t: &str| rule(t).path.unwrap();
        assert_eq!(path("http://h/%61dmin/%7e%2d"), "/admin/~-");
        assert_eq!(path("http://h/a%2fb%5c%2A"), "/a%2Fb%5C%2A");
        assert_eq!(path("http://h//a//b//"), "/a/b/");
        assert_eq!(path("http://h/a/./b/../c"), "/a/c");
        assert_eq!(path("http://h/a/%2E%2e/b"), "/b");
        assert_eq!(path("http://h/a/.."), "/");
        assert_eq!(path("http://h/a/."), "/a/");
    }

    #[test]
    fn points_at_what_is_wrong() {
        use UrlProblem::*;
        let addr = UrlProblem::Address;
        assert_eq!(
            problem("example.com/x"),
            ("example.com/x", MissingSeparator)
        );
        assert_eq!(problem("https:/x"), ("https:/x", MissingSeparator));
        assert_eq!(problem("ftp://x"), ("ftp", BadScheme));
        assert_eq!(problem("://x"), ("", BadScheme));
        assert_eq!(problem("GET ftp://x"), ("ftp", BadScheme));
        assert_eq!(problem(" https://x"), (" ", EmptyMethodList));
        assert_eq!(problem("   https://x"), ("   ", EmptyMethodList));
        assert_eq!(problem("GET,,POST https://x"), (",", EmptyMethod));
        assert_eq!(problem("GET, https://x").1, EmptyMethod);
        assert_eq!(&"GET, https://x"[3..4], ",");
        assert_eq!(UrlRule::parse("GET, https://x").unwrap_err().range, 3..4);
        assert_eq!(UrlRule::parse(",GET https://x").unwrap_err().range, 0..1);
        assert_eq!(
            problem("GET POST https://x"),
            (" ", BadMethodCharacter(' '))
        );
        assert_eq!(problem("GE(T https://x"), ("(", BadMethodCharacter('(')));
        assert_eq!(problem("GÉT https://x"), ("É", BadMethodCharacter('É')));
        assert_eq!(
            problem("GET;POST https://x"),
            (";", BadMethodCharacter(';'))
        );
        assert_eq!(problem("https://"), ("", addr(Problem::EmptyHost)));
        assert_eq!(problem("https:///v1"), ("", addr(Problem::EmptyHost)));
        assert_eq!(problem("https://:80"), ("", addr(Problem::EmptyHost)));
        assert_eq!(problem("https://h:"), ("", addr(Problem::BadPort)));
        assert_eq!(problem("https://h:http/"), ("http", addr(Problem::BadPort)));
        assert_eq!(problem("https://h:+80"), ("+80", addr(Problem::BadPort)));
        assert_eq!(
            problem("https://h:70000"),
            ("70000", addr(Problem::PortOutOfRange))
        );
        assert_eq!(problem("https://h:0"), ("0", addr(Problem::PortZero)));
        assert_eq!(problem("https://h:80-x"), ("x", addr(Problem::BadPort)));
        assert_eq!(
            problem("https://h:90-80/"),
            (
                "90-80",
                addr(Problem::InvertedRange {
                    first: 90,
                    last: 80
                })
            )
        );
        assert_eq!(
            problem("https://10.0.0.300"),
            ("10.0.0.300", addr(Problem::BadIpv4))
        );
        assert_eq!(problem("https://127.1"), ("127.1", addr(Problem::BadIpv4)));
        assert_eq!(
            problem("https://::1:80"),
            ("::1", addr(Problem::UnbracketedIpv6))
        );
        assert_eq!(
            problem("https://[::1:80/x"),
            ("[::1:80", addr(Problem::BadBrackets))
        );
        assert_eq!(problem("https://[::g]"), ("::g", addr(Problem::BadIpv6)));
        assert_eq!(
            problem("https://[::1]x:80"),
            ("x", addr(Problem::BadBrackets))
        );
        assert_eq!(
            problem("https://[::1]:80:90"),
            ("80:90", addr(Problem::BadPort))
        );
        assert_eq!(problem("https://a..b"), ("..", addr(Problem::EmptyLabel)));
        assert_eq!(problem("https://*."), ("*.", addr(Problem::EmptyGlob)));
        assert_eq!(
            problem("https://a.*.b"),
            ("*", addr(Problem::MisplacedStar))
        );
        assert_eq!(
            problem("https://a_b c/"),
            (" ", addr(Problem::BadNameCharacter(' ')))
        );
        assert_eq!(
            problem("https://user@h/"),
            ("@", addr(Problem::BadNameCharacter('@')))
        );
        assert_eq!(problem("https://0x7f.1/"), ("0x7f.1", AddressLikeName));
        assert_eq!(
            problem("https://*.example.123"),
            ("*.example.123", AddressLikeName)
        );
        assert_eq!(problem("https://10.0.0.0/8"), ("10.0.0.0/8", CidrBlock));
        assert_eq!(
            problem("https://10.0.0.0/24:443"),
            ("10.0.0.0/24", CidrBlock)
        );
        assert_eq!(problem("https://[fd00::]/8"), ("[fd00::]/8", CidrBlock));
        assert_eq!(problem("https://h/a?x=1"), ("?x=1", QueryOrFragment));
        assert_eq!(problem("https://h?x"), ("?x", QueryOrFragment));
        assert_eq!(problem("https://h/a#top"), ("#top", QueryOrFragment));
        assert_eq!(problem("https://h/a b"), (" ", BadPathCharacter(' ')));
        assert_eq!(problem("https://h/a\\b"), ("\\", BadPathCharacter('\\')));
        assert_eq!(problem("https://h/é"), ("é", BadPathCharacter('é')));
        assert_eq!(problem("https://h/{x}"), ("{", BadPathCharacter('{')));
        assert_eq!(problem("https://h/a%2"), ("%2", BadEscape));
        assert_eq!(problem("https://h/a%zz/b"), ("%zz", BadEscape));
        assert_eq!(problem("https://h/a%"), ("%", BadEscape));
        assert_eq!(problem("https://h/a%é1"), ("%é1", BadEscape));
        assert_eq!(problem("https://h/a**/b"), ("a**", MisplacedDoubleStar));
        assert_eq!(problem("https://h/x/***"), ("***", MisplacedDoubleStar));
        assert_eq!(problem("https://h/**x"), ("**x", MisplacedDoubleStar));
        assert_eq!(problem("https://h/.."), ("..", PathEscapesRoot));
        assert_eq!(
            problem("https://h/a/../%2e%2E/b"),
            ("%2e%2E", PathEscapesRoot)
        );
        // Every error has a message in plain words.
        let e = UrlRule::parse("https://h:0").unwrap_err();
        assert_eq!(e.to_string(), "port 0 is no destination");
        assert_eq!(
            UrlRule::parse("ftp://x").unwrap_err().to_string(),
            "the scheme is `http`, `https` or `*`"
        );
    }

    #[test]
    fn display_round_trips() {
        for text in [
            "https://api.example.com",
            "GET,POST http://10.0.0.1:8080/v1/**",
            "PURGE,M-SEARCH *://*:*",
            "http://[::1]:8000-8999/a/*/b/**",
            "https://*.example.com/",
            "*://*",
            "https://h:0-10/a%2Fb",
        ] {
            let r = rule(text);
            assert_eq!(r.to_string(), text);
            assert_eq!(rule(&r.to_string()), r);
        }
        for (text, shown) in [
            (
                "GET, PUT HTTPS://Example.COM.:0-65535//a/./%62/",
                "GET,PUT https://example.com:*/a/b/",
            ),
            ("http://[::ffff:1.2.3.4]:80", "http://1.2.3.4:80"),
            ("http://[FD00::0001]", "http://[fd00::1]"),
            ("http://h:443-443/%7euser", "http://h:443/~user"),
        ] {
            let r = rule(text);
            assert_eq!(r.to_string(), shown);
            assert_eq!(rule(shown), r);
        }
    }
}
