//! IP addresses written where a host name may stand: what a resolver answers without a lookup.
//! Resolvers following the WHATWG host rules (wasmtime's, through the `url` crate) read any
//! name whose last label is a number as IPv4 (`127.1`, `0x7f.1`, `2130706433`, `0177.0.0.1`)
//! or refuse it, never look it up; IPv6 may come with or without brackets. The adapter answers
//! such lookups itself, and never pins an address to one.

use crate::prelude::*;

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// What a string given to `resolve-addresses` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Host {
    /// An address written out, in any of the accepted forms.
    Address(IpAddr),
    /// Read as an address but not a valid one (`999.1`, `1.2.3.4.5`, `0x1g.1`): a resolver
    /// refuses it as an invalid argument.
    BadAddress,
    /// A name to look up.
    Name,
}

/// Classifies `name`. ASCII case and one trailing dot are ignored, as in names.
pub fn classify(name: &str) -> Host {
    let bracketed = name.strip_prefix('[').and_then(|n| n.strip_suffix(']'));
    if let Some(inner) = bracketed {
        return match inner.parse::<Ipv6Addr>() {
            Ok(ip) => Host::Address(IpAddr::V6(ip)),
            Err(_) => Host::Name,
        };
    }
    if let Ok(ip) = name.parse::<Ipv6Addr>() {
        return Host::Address(IpAddr::V6(ip));
    }
    let trimmed = name.strip_suffix('.').unwrap_or(name);
    let last = trimmed.rsplit('.').next().unwrap_or_default();
    if !ends_in_number(last) {
        return Host::Name;
    }
    match whatwg_ipv4(trimmed) {
        Some(ip) => Host::Address(IpAddr::V4(ip)),
        None => Host::BadAddress,
    }
}

/// Whether `name` is an address (valid or not) rather than a name to look up.
pub fn is_ip_literal(name: &str) -> bool {
    classify(name) != Host::Name
}

/// The WHATWG "ends in a number" test, on the last label.
fn ends_in_number(last: &str) -> bool {
    if last.is_empty() {
        return false;
    }
    if last.bytes().all(|b| b.is_ascii_digit()) {
        return true;
    }
    last.strip_prefix("0x")
        .or_else(|| last.strip_prefix("0X"))
        .is_some_and(|digits| digits.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The WHATWG IPv4 parser: one to four parts, each decimal, octal (leading `0`) or hex (`0x`);
/// the last fills the bytes the others leave.
fn whatwg_ipv4(name: &str) -> Option<Ipv4Addr> {
    let parts: Vec<&str> = name.split('.').collect();
    if parts.len() > 4 {
        return None;
    }
    let numbers: Vec<u64> = parts
        .iter()
        .map(|p| number(p))
        .collect::<Option<Vec<u64>>>()?;
    let (last, leading) = numbers.split_last()?;
    if leading.iter().any(|&n| n > 255) {
        return None;
    }
    let room = 8 * (4 - leading.len() as u32);
    if *last >= 1u64 << room {
        return None;
    }
    let mut value = *last;
    for (i, n) in leading.iter().enumerate() {
        value += n << (8 * (3 - i as u32));
    }
    Some(Ipv4Addr::from(u32::try_from(value).ok()?))
}

/// One IPv4 part, or `None` when it is empty or has a digit outside its radix. Values are
/// capped at 2^33 (anything larger is out of range for every position anyway).
fn number(part: &str) -> Option<u64> {
    if part.is_empty() {
        return None;
    }
    let (digits, radix) =
        if let Some(hex) = part.strip_prefix("0x").or_else(|| part.strip_prefix("0X")) {
            (hex, 16)
        } else if let Some(octal) = part.strip_prefix('0').filter(|rest| !rest.is_empty()) {
            (octal, 8)
        } else {
            (part, 10)
        };
    let mut value: u64 = 0;
    for c in digits.chars() {
        let d = c.to_digit(radix)? as u64;
        value = (value * radix as u64 + d).min(1 << 33);
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(name: &str) -> Host {
        Host::Address(name.parse().unwrap())
    }

    #[test]
    fn addresses_in_every_form() {
        for (written, ip) in [
            ("127.0.0.1", "127.0.0.1"),
            ("127.0.0.1.", "127.0.0.1"),
            ("127.1", "127.0.0.1"),
            ("10.1.2", "10.1.0.2"),
            ("2130706433", "127.0.0.1"),
            ("0x7f.1", "127.0.0.1"),
            ("0X7F000001", "127.0.0.1"),
            ("0177.0.0.1", "127.0.0.1"),
            ("0x.0.0.0", "0.0.0.0"),
            ("01.02.03.04", "1.2.3.4"),
            ("4294967295", "255.255.255.255"),
            ("::1", "::1"),
            ("[::1]", "::1"),
            ("[::ffff:10.0.0.1]", "::ffff:10.0.0.1"),
        ] {
            assert_eq!(classify(written), address(ip), "{written}");
        }
    }

    #[test]
    fn bad_addresses_are_not_names() {
        for bad in [
            "999.1",
            "1.2.3.4.5",
            "1.2.3.256",
            "256.1.1.1",
            "4294967296",
            "1.16777216",
            "foo.123",
            "a.0x",
            "08.1",
            "1..1",
            "99999999999999999999999",
        ] {
            assert_eq!(classify(bad), Host::BadAddress, "{bad}");
            assert!(is_ip_literal(bad));
        }
    }

    #[test]
    fn names() {
        for name in [
            "localhost",
            "db.internal",
            "DB.Internal.",
            "1.example.com",
            "1.2.3.4.example",
            "0x7f.example",
            "api.0xg",
            "",
            ".",
            "[db]",
            "fe80::1%eth0",
        ] {
            assert_eq!(classify(name), Host::Name, "{name}");
            assert!(!is_ip_literal(name));
        }
    }
}
