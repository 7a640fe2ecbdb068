//! What `wasi:http/types` accepts from a component, for the adapter's own (virtual) HTTP
//! resources when no host HTTP is imported: the checks wasmtime makes through the `http` crate
//! (names are tokens, values carry no control characters, forbidden headers refused; methods,
//! schemes, authorities, paths and status codes validated), small enough for the adapter.

use crate::prelude::*;

/// Why a field name is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldNameError {
    /// Not a token.
    InvalidSyntax,
    /// A header wasmtime does not let a component set.
    Forbidden,
}

/// RFC 9110 `tchar`.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// A token (a field name, a method): one or more `tchar`s.
pub fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(is_tchar)
}

/// A field value the `http` crate accepts: visible ASCII, obs-text, space and tab; no control
/// characters.
pub fn is_field_value(v: &[u8]) -> bool {
    v.iter().all(|&b| b == b'\t' || (b >= 0x20 && b != 0x7f))
}

/// Headers wasmtime refuses to let a component set (its `DEFAULT_FORBIDDEN_HEADERS`).
const FORBIDDEN: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "transfer-encoding",
    "upgrade",
    "host",
    "http2-settings",
];

/// A field name checked and lower-cased, as the `http` crate stores it.
pub fn field_name(name: &str) -> Result<String, FieldNameError> {
    if !is_token(name) {
        return Err(FieldNameError::InvalidSyntax);
    }
    let name = name.to_ascii_lowercase();
    if FORBIDDEN.contains(&name.as_str()) {
        return Err(FieldNameError::Forbidden);
    }
    Ok(name)
}

/// A scheme as `http::uri::Scheme` parses it: letters, digits, `+`, `-`, `.` (in any order);
/// at most 64 characters.
pub fn is_scheme(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 64
        && b.iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.'))
}

/// An authority as `http::uri::Authority` parses it: userinfo, host and port characters, a
/// bracketed IPv6 host, a numeric port; no path, query or fragment.
pub fn is_authority(s: &str) -> bool {
    if s.is_empty() {
        return false;
    }
    let host_port = s.rsplit_once('@').map_or(s, |(_, h)| h);
    let allowed = |c: u8| c.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@[]%".contains(&c);
    if !s.bytes().all(allowed) || host_port.contains('@') {
        return false;
    }
    // Only the port is checked further (the host's characters were checked above).
    let port = if let Some(rest) = host_port.strip_prefix('[') {
        let Some((v6, after)) = rest.split_once(']') else {
            return false;
        };
        if v6.is_empty() || v6.contains('[') {
            return false;
        }
        match after {
            "" => None,
            _ => match after.strip_prefix(':') {
                Some(port) => Some(port),
                None => return false,
            },
        }
    } else {
        if host_port.contains(['[', ']']) {
            return false;
        }
        match host_port.split_once(':') {
            Some((_, p)) if !p.contains(':') => Some(p),
            Some(_) => return false,
            None => None,
        }
    };
    port.is_none_or(|p| p.is_empty() || (p.len() <= 5 && p.bytes().all(|c| c.is_ascii_digit())))
}

/// A path with an optional query, as wasmtime's `parse_path_with_query` accepts it: visible
/// ASCII and no fragment.
pub fn is_path_with_query(s: &str) -> bool {
    s.bytes().all(|b| (0x21..0x7f).contains(&b) && b != b'#')
}

/// A status code `http::StatusCode` accepts.
pub fn is_status(code: u16) -> bool {
    (100..=999).contains(&code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        assert!(is_token("x-from") && !is_token("a b") && !is_token(""));
        assert!(is_field_value(b"text\there") && !is_field_value(b"a\r\nb"));
        assert_eq!(field_name("Content-Type"), Ok("content-type".into()));
        assert_eq!(field_name("Host"), Err(FieldNameError::Forbidden));
        assert_eq!(field_name("a:b"), Err(FieldNameError::InvalidSyntax));
        assert!(is_scheme("https") && is_scheme("1http") && !is_scheme("a b") && !is_scheme(""));
        for ok in ["example.com", "example.com:8080", "[::1]:80", "u:p@h", "h:"] {
            assert!(is_authority(ok), "{ok}");
        }
        for bad in ["", "a/b", "a b", "[::1", "h:80:90", "h:port", "h?q"] {
            assert!(!is_authority(bad), "{bad}");
        }
        assert!(
            is_path_with_query("/a?b=c")
                && !is_path_with_query("/a b")
                && !is_path_with_query("/a#f")
        );
        assert!(is_status(200) && !is_status(99) && !is_status(1000));
    }
}
