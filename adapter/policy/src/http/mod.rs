//! Outgoing HTTP rules (`http allow "…"; http deny "…";`) as data: URL patterns are parsed here,
//! so the checker's diagnostics, `inspect`'s printout and the adapter's matching share one
//! definition, and matched here, so `outgoing-handler.handle` in the adapter enforces exactly
//! what the checker accepted.
//!
//! A rule is `[METHODS ]SCHEME://HOST[:PORTS][PATH]`:
//!
//! - METHODS: comma-separated HTTP methods (RFC 9110 tokens, spaces after commas allowed),
//!   matched case-sensitively; any method when absent. `get` is accepted with a warning (it
//!   matches only a method spelled `get`), and so is `*` (a method named `*`, not "any").
//! - SCHEME: `http`, `https` or `*` (any case). `*` means http or https; a request with another
//!   scheme is always denied, and one with no scheme is `https`.
//! - HOST: as [`HostPattern::parse_url_host`]: an IP address (IPv6 in brackets), a DNS name, a
//!   `*.suffix` glob or `*`; no CIDR blocks (`http://10.0.0.0/8` is refused, not read as the path
//!   `/8`; write `/%38` for that path). A name that resolvers read as an address (`0x7f.1`) is
//!   refused too: it would never match.
//! - PORTS: a port, `LOW-HIGH` or `*`; absent, the default port of the request's scheme (80 for
//!   http, 443 for https, whichever the request has under scheme `*`).
//! - PATH: a glob starting with `/`; any path when absent. `*` matches a run of characters
//!   within a segment, `**` (a whole segment) any number of segments: `/a/**/b` matches `/a/b`
//!   and `/a/x/y/b`; a final `/**` matches everything below, but not the directory itself:
//!   `/v1/**` matches `/v1/` and `/v1/a/b`, not `/v1`. A rule's path holds only URL path
//!   characters (others percent-encoded), no query or fragment, and is normalised at parse
//!   time exactly as request paths are, so both compare in one form.
//!
//! Requests are matched in normal form. The query and fragment are dropped; an empty path is
//! `/`; escapes of unreserved characters (`%61` → `a`, `%2E` → `.`) are decoded and other escapes
//! kept with upper-case hex (`%2f` → `%2F`, never a separator); then `.` and `..` segments are
//! resolved and repeated `/` merged. A path climbing above `/`, not starting with `/`, or holding
//! spaces, control characters, `\` or a `%` without two hex digits (`/%%32%46` would otherwise
//! decode to a new escape) is denied before any rule is consulted, as is a request with
//! no authority, or an authority that is ambiguous: userinfo (`user@host`), an empty or
//! malformed port, an IPv6 address without brackets, a malformed name or a malformed numeric
//! address. Hosts compare as in `net`: names case-insensitively with a trailing dot ignored, and
//! numeric forms (`127.1`, `[::ffff:10.0.0.1]`) as the address they denote, so a `deny` on an
//! address cannot be sidestepped by spelling it differently. No DNS is involved.
//!
//! A request is allowed when some `allow` rule matches and no `deny` rule does.
//!
//! The work is split by job: `parse` reads a rule's text (and prints it back), `methods` its
//! methods and the warnings about them, `path` holds the normal form of paths and the path glob
//! matcher, `authority` reads a request's authority, and `codec` writes the rules into the
//! policy encoding. This module holds the types and the decision.

use crate::prelude::*;

mod authority;
mod codec;
mod methods;
mod parse;
mod path;
pub mod syntax;
#[cfg(test)]
mod testing;

pub use methods::{Warning, WarningKind};
pub use parse::{UrlPatternError, UrlProblem};

use crate::net::{HostPattern, Ports};
use alloc::borrow::Cow;
use authority::{TargetHost, parse_authority};
use core::fmt;
use path::{path_matches, request_path};

/// The scheme a rule names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SchemePattern {
    Http,
    Https,
    /// `*`: http or https.
    Any,
}

/// One `http allow` / `http deny` pattern.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UrlRule {
    /// The methods, matched exactly; empty for any method.
    pub methods: Vec<String>,
    pub scheme: SchemePattern,
    /// Never [`HostPattern::Cidr`].
    pub host: HostPattern,
    /// `None`: the default port of the request's scheme.
    pub ports: Option<Ports>,
    /// The path glob in normal form; `None`: any path.
    pub path: Option<String>,
}

/// The HTTP part of a policy.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct HttpRules {
    pub allow: Vec<UrlRule>,
    pub deny: Vec<UrlRule>,
}

/// A request's scheme, as `wasi:http/types.scheme` has it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme<'a> {
    Http,
    Https,
    Other(&'a str),
}

/// An outgoing request, as `wasi:http/types.outgoing-request` has it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request<'a> {
    /// The method as sent: `GET` for `method::get`, the string of `method::other`.
    pub method: &'a str,
    /// `None` is `https`.
    pub scheme: Option<Scheme<'a>>,
    pub authority: Option<&'a str>,
    pub path_with_query: Option<&'a str>,
}

/// What happens to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    Deny(Reason),
}

/// Why a request is denied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// The request names no authority (no rule is consulted).
    NoAuthority,
    /// A scheme other than http and https.
    OtherScheme,
    /// An authority that is malformed or ambiguous (userinfo, bad port, bad host).
    BadAuthority,
    /// A path that does not start with `/`, or holds spaces, control characters, `\` or a `%`
    /// without two hex digits.
    BadPath,
    /// A path whose `..` segments climb above `/`.
    PathEscapesRoot,
    /// No `allow` rule matches.
    NoAllowRule,
    /// The `deny` rule at this index in [`HttpRules::deny`] matches.
    DenyRule(usize),
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::NoAuthority => write!(f, "the request names no host"),
            Reason::OtherScheme => write!(f, "only http and https requests are allowed"),
            Reason::BadAuthority => write!(f, "the request's authority is malformed or ambiguous"),
            Reason::BadPath => write!(f, "the request's path is malformed"),
            Reason::PathEscapesRoot => write!(f, "the request's path climbs above `/`"),
            Reason::NoAllowRule => write!(f, "no `http allow` rule matches"),
            Reason::DenyRule(i) => write!(f, "`http deny` rule {i} matches"),
        }
    }
}

/// The request's scheme once other schemes are ruled out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Web {
    Http,
    Https,
}

impl Web {
    fn default_port(self) -> u16 {
        match self {
            Web::Http => 80,
            Web::Https => 443,
        }
    }
}

/// A request reduced to what rules look at.
struct Target<'a> {
    method: &'a str,
    scheme: Web,
    host: TargetHost<'a>,
    port: u16,
    path: Cow<'a, str>,
}

impl<'a> Target<'a> {
    fn new(req: &Request<'a>) -> Result<Target<'a>, Reason> {
        let authority = req.authority.ok_or(Reason::NoAuthority)?;
        let scheme = match req.scheme {
            None | Some(Scheme::Https) => Web::Https,
            Some(Scheme::Http) => Web::Http,
            Some(Scheme::Other(_)) => return Err(Reason::OtherScheme),
        };
        let (host, port) = parse_authority(authority).ok_or(Reason::BadAuthority)?;
        let path = request_path(req.path_with_query.unwrap_or(""))?;
        Ok(Target {
            method: req.method,
            scheme,
            host,
            port: port.unwrap_or(scheme.default_port()),
            path,
        })
    }
}

impl UrlRule {
    /// Whether this rule matches `req`. A request that no rule can match (see
    /// [`HttpRules::decide`]'s reasons before the rules) matches no rule.
    pub fn matches(&self, req: &Request<'_>) -> bool {
        Target::new(req).is_ok_and(|target| self.matches_target(&target))
    }

    fn matches_target(&self, t: &Target<'_>) -> bool {
        let scheme = match self.scheme {
            SchemePattern::Any => true,
            SchemePattern::Http => t.scheme == Web::Http,
            SchemePattern::Https => t.scheme == Web::Https,
        };
        let default = t.scheme.default_port();
        let ports = self.ports.unwrap_or(Ports {
            first: default,
            last: default,
        });
        scheme
            && ports.contains(t.port)
            && (self.methods.is_empty() || self.methods.iter().any(|m| m == t.method))
            && match &t.host {
                TargetHost::Ip(ip) => self.host.matches_ip(*ip, &[]),
                TargetHost::Name(name) => self.host.matches_name(name),
            }
            && self
                .path
                .as_deref()
                .is_none_or(|pattern| path_matches(pattern, &t.path))
    }
}

impl HttpRules {
    /// Whether `req` may be sent: denied before any rule when it cannot be judged, then by the
    /// first matching `deny` rule, then allowed when an `allow` rule matches.
    pub fn decide(&self, req: &Request<'_>) -> Decision {
        let target = match Target::new(req) {
            Ok(target) => target,
            Err(reason) => return Decision::Deny(reason),
        };
        if let Some(i) = self.deny.iter().position(|r| r.matches_target(&target)) {
            return Decision::Deny(Reason::DenyRule(i));
        }
        if self.allow.iter().any(|r| r.matches_target(&target)) {
            Decision::Allow
        } else {
            Decision::Deny(Reason::NoAllowRule)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;

    #[test]
    fn matches_ports() {
        // Default ports per scheme.
        assert!(one("https://h", "https://h/"));
        assert!(one("https://h", "https://h:443/"));
        assert!(one("https://h", "https://h:0443/"));
        assert!(!one("https://h", "https://h:8443/"));
        assert!(one("http://h", "http://h:80/"));
        assert!(!one("http://h", "http://h:443/"));
        assert!(one("*://h", "http://h/"));
        assert!(one("*://h", "https://h/"));
        assert!(!one("*://h", "http://h:443/"));
        assert!(!one("*://h", "https://h:80/"));
        // Explicit ports, ranges and `*`.
        assert!(one("https://h:8443", "https://h:8443/"));
        assert!(!one("https://h:8443", "https://h/"));
        assert!(one("http://h:443", "http://h:443/"));
        assert!(one("http://h:8000-8999", "http://h:8000/"));
        assert!(one("http://h:8000-8999", "http://h:8999/"));
        assert!(!one("http://h:8000-8999", "http://h:9000/"));
        assert!(one("*://h:*", "http://h:1/"));
        assert!(one("*://h:*", "https://h/"));
        assert!(one("http://[::1]:8080", "http://[::1]:8080/x"));
        assert!(!one("http://[::1]:8080", "http://[::1]/x"));
    }

    #[test]
    fn matches_schemes_and_methods() {
        assert!(one("http://h", "http://h/"));
        assert!(!one("http://h", "https://h:80/"));
        assert!(!one("https://h", "http://h:443/"));
        // No scheme is https.
        assert!(one("https://h", "-://h/"));
        assert!(!one("http://h", "-://h:80/"));
        let r = rule("GET,HEAD https://h");
        assert!(r.matches(&request("GET", "https://h/")));
        assert!(r.matches(&request("HEAD", "https://h/")));
        assert!(!r.matches(&request("POST", "https://h/")));
        assert!(!r.matches(&request("get", "https://h/")));
        assert!(rule("PURGE https://h").matches(&request("PURGE", "https://h/")));
        assert!(rule("https://h").matches(&request("ANYTHING", "https://h/")));
    }

    #[test]
    fn deny_wins_and_reasons() {
        let policy = rules(
            &["GET https://api.example.com/v1/**", "*://*.cdn.net"],
            &["https://api.example.com/v1/secret/**", "http://*"],
        );
        assert_eq!(
            policy.decide(&get("https://api.example.com/v1/items")),
            Decision::Allow
        );
        assert_eq!(
            policy.decide(&get("https://api.example.com/v1/secret/x")),
            Decision::Deny(Reason::DenyRule(0))
        );
        assert_eq!(
            policy.decide(&request("POST", "https://api.example.com/v1/items")),
            Decision::Deny(Reason::NoAllowRule)
        );
        assert_eq!(policy.decide(&get("https://a.cdn.net/x")), Decision::Allow);
        assert_eq!(
            policy.decide(&get("http://a.cdn.net/x")),
            Decision::Deny(Reason::DenyRule(1))
        );
        assert_eq!(
            policy.decide(&get("ftp://a.cdn.net/x")),
            Decision::Deny(Reason::OtherScheme)
        );
        assert_eq!(
            policy.decide(&get("/v1/items")),
            Decision::Deny(Reason::NoAuthority)
        );
        assert_eq!(
            HttpRules::default().decide(&get("/x")),
            Decision::Deny(Reason::NoAuthority)
        );
        assert_eq!(
            HttpRules::default().decide(&get("https://h/")),
            Decision::Deny(Reason::NoAllowRule)
        );
        let everything = rules(&["*://*:*"], &[]);
        assert_eq!(
            everything.decide(&Request {
                authority: None,
                ..get("https://h/")
            }),
            Decision::Deny(Reason::NoAuthority)
        );
        assert_eq!(
            everything.decide(&get("weird://h/")),
            Decision::Deny(Reason::OtherScheme)
        );
        assert_eq!(everything.decide(&get("-://h/")), Decision::Allow);
        assert!(Reason::DenyRule(1).to_string().contains("rule 1"));
    }

    /// A tiny linear congruential generator: deterministic, no crates.
    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            self.0 >> 33
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }

        fn string(&mut self, pieces: &[&str], max: usize) -> String {
            let n = self.below(max);
            (0..n).map(|_| pieces[self.below(pieces.len())]).collect()
        }
    }

    #[test]
    fn random_input_never_panics() {
        let pieces = [
            "GET", "get", ",", " ", "http", "https", "*", "://", ":", "/", "//", "[", "]", "::1",
            "10.0.0.1", "a", "B", ".", "..", "%", "%2", "%2e", "%2F", "%61", "-", "8", "80",
            "65536", "?", "#", "@", "**", "é", "\\", "0x7f", "ü", "\t",
        ];
        let mut rng = Lcg(0x5eed);
        let mut parsed = Vec::new();
        for _ in 0..20_000 {
            let text = rng.string(&pieces, 14);
            match UrlRule::parse(&text) {
                Ok((r, warnings)) => {
                    for w in &warnings {
                        let _ = &text[w.range.clone()];
                    }
                    let shown = r.to_string();
                    let (again, _) = UrlRule::parse(&shown)
                        .unwrap_or_else(|e| panic!("{text:?} shown as {shown:?}: {e:?}"));
                    assert_eq!(again, r, "{text:?} shown as {shown:?}");
                    parsed.push(r);
                }
                Err(e) => {
                    // The range slices the text and the message is not empty.
                    let _ = &text[e.range.clone()];
                    assert!(!e.to_string().is_empty());
                }
            }
        }
        parsed.push(rule("*://*/**/a*/**"));
        parsed.push(rule("*://*/*/%2F*/**/"));
        let policy = HttpRules {
            allow: parsed.clone(),
            deny: parsed.iter().rev().take(50).cloned().collect(),
        };
        let path_pieces = [
            "/", "//", "a", "B", ".", "..", "%", "%2", "%2e", "%2F", "%61", "*", "?", "#", "é",
            "\\", " ", "~",
        ];
        let authorities = [
            "a", "B.", "[::1]:80", "10.0.0.1", "x:8080", "127.1", "u@h", "",
        ];
        for _ in 0..5_000 {
            let path = rng.string(&path_pieces, 16);
            let authority = authorities[rng.below(authorities.len())];
            let req = Request {
                method: ["GET", "get", "POST"][rng.below(3)],
                scheme: [None, Some(Scheme::Http), Some(Scheme::Https)][rng.below(3)],
                authority: Some(authority),
                path_with_query: Some(&path),
            };
            let _ = policy.decide(&req);
            if let Ok(normal) = request_path(&path) {
                // The normal form is a fixed point.
                assert_eq!(request_path(&normal).as_deref(), Ok(&*normal), "{path:?}");
            }
        }
    }
}
