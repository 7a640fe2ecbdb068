//! Helpers the tests of the HTTP rules share: rules from their text, requests from URLs.

use super::{HttpRules, Request, Scheme, UrlProblem, UrlRule};
use core::net::IpAddr;

pub(super) fn rule(text: &str) -> UrlRule {
    let (rule, warnings) = UrlRule::parse(text).unwrap_or_else(|e| panic!("{text}: {e:?}"));
    assert!(warnings.is_empty(), "{text}: {warnings:?}");
    rule
}

/// The problem and the text its range covers.
pub(super) fn problem(text: &str) -> (&str, UrlProblem) {
    let e = UrlRule::parse(text).expect_err(text);
    (&text[e.range], e.problem)
}

pub(super) fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

pub(super) fn get(url: &str) -> Request<'_> {
    request("GET", url)
}

/// A request from `scheme://authority/path?query`; `-` for no scheme, no `://` for no
/// authority.
pub(super) fn request<'a>(method: &'a str, url: &'a str) -> Request<'a> {
    let (scheme, rest) = match url.split_once("://") {
        Some((s, rest)) => (
            match s {
                "-" => None,
                "http" => Some(Scheme::Http),
                "https" => Some(Scheme::Https),
                other => Some(Scheme::Other(other)),
            },
            rest,
        ),
        None => (Some(Scheme::Https), url),
    };
    let (authority, path) = if url.contains("://") {
        let end = rest.find(['/', '?']).unwrap_or(rest.len());
        (Some(&rest[..end]), &rest[end..])
    } else {
        (None, rest)
    };
    Request {
        method,
        scheme,
        authority,
        path_with_query: (!path.is_empty()).then_some(path),
    }
}

pub(super) fn rules(allow: &[&str], deny: &[&str]) -> HttpRules {
    HttpRules {
        allow: allow.iter().map(|t| rule(t)).collect(),
        deny: deny.iter().map(|t| rule(t)).collect(),
    }
}

pub(super) fn one(text: &str, url: &str) -> bool {
    rule(text).matches(&get(url))
}
