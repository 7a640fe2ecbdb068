//! HTTP rules in the policy encoding: what the compiler writes into the adapter and the adapter
//! reads back at run time.

use super::{HttpRules, SchemePattern, UrlRule};
use crate::DecodeError;
use crate::net::{HostPattern, Ports};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

impl HttpRules {
    /// Appends the rules in the policy encoding: little-endian integers, length-prefixed
    /// strings; `allow` then `deny`, each a count and the rules.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        for rules in [&self.allow, &self.deny] {
            put_u32(out, rules.len() as u32);
            for rule in rules {
                rule.encode_into(out);
            }
        }
    }

    /// Reads rules written by [`HttpRules::encode_into`] from the front of `bytes`, advancing
    /// it past them.
    pub fn decode(bytes: &mut &[u8]) -> Result<HttpRules, DecodeError> {
        let allow = decode_rules(bytes)?;
        let deny = decode_rules(bytes)?;
        Ok(HttpRules { allow, deny })
    }
}

impl UrlRule {
    fn encode_into(&self, out: &mut Vec<u8>) {
        put_u32(out, self.methods.len() as u32);
        for method in &self.methods {
            put_str(out, method);
        }
        out.push(match self.scheme {
            SchemePattern::Http => 0,
            SchemePattern::Https => 1,
            SchemePattern::Any => 2,
        });
        // The tags of the policy codec's hosts. Parsed URL rules have no CIDR blocks, but one
        // built by hand is kept as it is, never widened.
        match &self.host {
            HostPattern::Ip(IpAddr::V4(v4)) => {
                out.push(0);
                out.extend_from_slice(&v4.octets());
            }
            HostPattern::Ip(IpAddr::V6(v6)) => {
                out.push(1);
                out.extend_from_slice(&v6.octets());
            }
            HostPattern::Cidr { network, prefix } => {
                match network {
                    IpAddr::V4(v4) => {
                        out.push(2);
                        out.extend_from_slice(&v4.octets());
                    }
                    IpAddr::V6(v6) => {
                        out.push(3);
                        out.extend_from_slice(&v6.octets());
                    }
                }
                out.push(*prefix);
            }
            HostPattern::Name(name) => {
                out.push(4);
                put_str(out, name);
            }
            HostPattern::Subdomains(suffix) => {
                out.push(5);
                put_str(out, suffix);
            }
            HostPattern::Any => out.push(6),
        }
        match self.ports {
            None => out.push(0),
            Some(ports) => {
                out.push(1);
                out.extend_from_slice(&ports.first.to_le_bytes());
                out.extend_from_slice(&ports.last.to_le_bytes());
            }
        }
        match &self.path {
            None => out.push(0),
            Some(path) => {
                out.push(1);
                put_str(out, path);
            }
        }
    }

    fn decode(bytes: &mut &[u8]) -> Result<UrlRule, DecodeError> {
        let n = take_u32(bytes)?;
        let mut methods = Vec::with_capacity((n as usize).min(16));
        for _ in 0..n {
            methods.push(take_str(bytes)?);
        }
        let scheme = match take_u8(bytes)? {
            0 => SchemePattern::Http,
            1 => SchemePattern::Https,
            2 => SchemePattern::Any,
            t => return Err(DecodeError::BadTag(t)),
        };
        let host = match take_u8(bytes)? {
            0 => HostPattern::Ip(take_ipv4(bytes)?),
            1 => HostPattern::Ip(take_ipv6(bytes)?),
            2 => HostPattern::Cidr {
                network: take_ipv4(bytes)?,
                prefix: take_u8(bytes)?,
            },
            3 => HostPattern::Cidr {
                network: take_ipv6(bytes)?,
                prefix: take_u8(bytes)?,
            },
            4 => HostPattern::Name(take_str(bytes)?),
            5 => HostPattern::Subdomains(take_str(bytes)?),
            6 => HostPattern::Any,
            t => return Err(DecodeError::BadTag(t)),
        };
        let ports = match take_u8(bytes)? {
            0 => None,
            1 => Some(Ports {
                first: take_u16(bytes)?,
                last: take_u16(bytes)?,
            }),
            t => return Err(DecodeError::BadTag(t)),
        };
        let path = match take_u8(bytes)? {
            0 => None,
            1 => Some(take_str(bytes)?),
            t => return Err(DecodeError::BadTag(t)),
        };
        Ok(UrlRule {
            methods,
            scheme,
            host,
            ports,
            path,
        })
    }
}

fn decode_rules(bytes: &mut &[u8]) -> Result<Vec<UrlRule>, DecodeError> {
    let n = take_u32(bytes)?;
    // Cap the preallocation: a corrupt count must not allocate gigabytes.
    let mut rules = Vec::with_capacity((n as usize).min(64));
    for _ in 0..n {
        rules.push(UrlRule::decode(bytes)?);
    }
    Ok(rules)
}

fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_u32(out, s.len() as u32);
    out.extend_from_slice(s.as_bytes());
}

fn take<'a>(bytes: &mut &'a [u8], n: usize) -> Result<&'a [u8], DecodeError> {
    if bytes.len() < n {
        return Err(DecodeError::Truncated);
    }
    let (head, tail) = bytes.split_at(n);
    *bytes = tail;
    Ok(head)
}

fn take_u8(bytes: &mut &[u8]) -> Result<u8, DecodeError> {
    Ok(take(bytes, 1)?[0])
}

fn take_u16(bytes: &mut &[u8]) -> Result<u16, DecodeError> {
    let b = take(bytes, 2)?;
    Ok(u16::from_le_bytes([b[0], b[1]]))
}

fn take_u32(bytes: &mut &[u8]) -> Result<u32, DecodeError> {
    let b = take(bytes, 4)?;
    Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fn take_ipv4(bytes: &mut &[u8]) -> Result<IpAddr, DecodeError> {
    let b = take(bytes, 4)?;
    Ok(IpAddr::V4(Ipv4Addr::new(b[0], b[1], b[2], b[3])))
}

fn take_ipv6(bytes: &mut &[u8]) -> Result<IpAddr, DecodeError> {
    let mut octets = [0u8; 16];
    octets.copy_from_slice(take(bytes, 16)?);
    Ok(IpAddr::V6(Ipv6Addr::from(octets)))
}

fn take_str(bytes: &mut &[u8]) -> Result<String, DecodeError> {
    let n = take_u32(bytes)? as usize;
    core::str::from_utf8(take(bytes, n)?)
        .map(str::to_owned)
        .map_err(|_| DecodeError::BadUtf8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::testing::*;

    #[test]
    fn codec_round_trips() {
        let mut policy = rules(
            &[
                "GET,POST https://api.example.com/v1/**",
                "*://*.cdn.net:*",
                "http://[::1]:8000-8999/a%2Fb",
                "https://10.0.0.1",
                "*://*",
            ],
            &["https://api.example.com/v1/secret/**"],
        );
        policy.deny.push(UrlRule {
            host: HostPattern::Cidr {
                network: ip("fd00::"),
                prefix: 8,
            },
            ..rule("https://x")
        });
        policy.deny.push(UrlRule {
            host: HostPattern::Cidr {
                network: ip("10.0.0.0"),
                prefix: 8,
            },
            ..rule("https://x")
        });
        let mut bytes = vec![7];
        policy.encode_into(&mut bytes);
        bytes.push(9);
        let mut input = &bytes[1..];
        assert_eq!(HttpRules::decode(&mut input), Ok(policy.clone()));
        assert_eq!(input, &[9]);
        let end = bytes.len() - 1;
        for cut in 1..end {
            let mut short = &bytes[1..cut];
            assert!(HttpRules::decode(&mut short).is_err(), "prefix {cut}");
        }
        let mut empty = Vec::new();
        HttpRules::default().encode_into(&mut empty);
        assert_eq!(HttpRules::decode(&mut &empty[..]), Ok(HttpRules::default()));
        // A bad scheme tag.
        let mut one_rule = Vec::new();
        rules(&["https://h"], &[]).encode_into(&mut one_rule);
        one_rule[8] = 9;
        assert_eq!(
            HttpRules::decode(&mut &one_rule[..]),
            Err(DecodeError::BadTag(9))
        );
    }
}
