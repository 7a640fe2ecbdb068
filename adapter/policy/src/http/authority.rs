//! A request's authority (`host[:port]`) read the way rules compare it, refusing every
//! spelling that could be read two ways.

use crate::literal::{self, Host};
use crate::net;
use alloc::borrow::Cow;
use core::net::{IpAddr, Ipv6Addr};

/// The host of a request's authority.
pub(super) enum TargetHost<'a> {
    Ip(IpAddr),
    /// Normalised as [`crate::net::normalize_name`] does.
    Name(Cow<'a, str>),
}

/// Splits an authority into its host and port; `None` when malformed or ambiguous.
pub(super) fn parse_authority(authority: &str) -> Option<(TargetHost<'_>, Option<u16>)> {
    if authority.contains('@') {
        return None;
    }
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let close = rest.find(']')?;
        let ip = rest[..close].parse::<Ipv6Addr>().ok()?;
        let after = &rest[close + 1..];
        let port = if after.is_empty() {
            None
        } else {
            Some(after.strip_prefix(':')?)
        };
        (TargetHost::Ip(IpAddr::V6(ip)), port)
    } else {
        let (host, port) = match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        };
        let host = match literal::classify(host) {
            Host::Address(ip) => TargetHost::Ip(ip),
            Host::BadAddress => return None,
            Host::Name => TargetHost::Name(request_name(host)?),
        };
        (host, port)
    };
    let port = match port {
        None => None,
        Some(digits) => Some(net::parse_port(digits, 0..digits.len()).ok()?),
    };
    Some((host, port))
}

/// A request's host name, normalised as [`net::normalize_name`] does; `None` unless it is
/// labels of [`net::is_label_char`]s.
fn request_name(host: &str) -> Option<Cow<'_, str>> {
    let name = host.strip_suffix('.').unwrap_or(host);
    let labels_ok = name
        .split('.')
        .all(|label| !label.is_empty() && label.chars().all(net::is_label_char));
    labels_ok.then(|| net::normalized_name(name))
}

#[cfg(test)]
mod tests {
    use crate::http::testing::*;
    use crate::http::*;

    #[test]
    fn matches_hosts() {
        assert!(one("https://api.example.com", "https://API.Example.COM./x"));
        assert!(one("https://api.example.com.", "https://api.example.com"));
        assert!(!one("https://api.example.com", "https://example.com"));
        assert!(one("https://*.example.com", "https://a.b.example.com/"));
        assert!(!one("https://*.example.com", "https://example.com/"));
        assert!(!one("https://*.example.com", "https://badexample.com/"));
        assert!(one("https://*", "https://anything.at.all"));
        assert!(one("https://*", "https://[::1]"));
        assert!(one("https://10.0.0.1", "https://10.0.0.1/"));
        // Numeric forms are the address they denote.
        assert!(one("https://127.0.0.1", "https://127.1/"));
        assert!(one("https://127.0.0.1", "https://0x7f000001./"));
        assert!(one("https://10.0.0.1", "https://[::ffff:10.0.0.1]/"));
        assert!(one("https://[::1]", "https://[0:0::1]:443/"));
        // No DNS: a name rule never matches an address and the reverse.
        assert!(!one("https://localhost", "https://127.0.0.1"));
        assert!(!one("https://127.0.0.1", "https://localhost"));
    }

    #[test]
    fn refuses_ambiguous_authorities() {
        let everything = rules(&["*://*:*"], &[]);
        for authority in [
            "",
            "user@h",
            "user:pass@h:80",
            "@h",
            "h:",
            "h:80:90",
            "h:x",
            "h:+80",
            "h:65536",
            "::1",
            "[::1",
            "[::1]x",
            "[::1]:",
            "[v1.x]",
            "[fe80::1%25eth0]",
            "a..b",
            ".",
            "a b",
            "h/x",
            "é.com",
            "999.1",
            "example.123",
            "*.example.com",
        ] {
            let req = Request {
                authority: Some(authority),
                ..get("https://h/")
            };
            assert_eq!(
                everything.decide(&req),
                Decision::Deny(Reason::BadAuthority),
                "{authority:?}"
            );
        }
        for authority in [
            "h",
            "H.",
            "h:0",
            "h:65535",
            "[::1]:1",
            "10.0.0.1:8080",
            "a_b-c.d",
        ] {
            let req = Request {
                authority: Some(authority),
                ..get("https://h/")
            };
            assert_eq!(everything.decide(&req), Decision::Allow, "{authority:?}");
        }
    }
}
