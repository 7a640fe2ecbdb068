//! HTTP rules in the policy encoding: what the compiler writes into the adapter and the adapter
//! reads back at run time, with the primitives and host tags of the policy's own codec.

use crate::prelude::*;

use super::{HttpRules, SchemePattern, UrlRule};
use crate::DecodeError;
use crate::codec::{Error, bad};
use crate::codec::{Reader, Writer};
use crate::net::Ports;

impl HttpRules {
    /// Appends the rules in the policy encoding: little-endian integers, length-prefixed
    /// strings; `allow` then `deny`, each a count and the rules.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        let mut w = Writer(core::mem::take(out));
        self.write(&mut w);
        *out = w.0;
    }

    /// Reads rules written by [`HttpRules::encode_into`] from the front of `bytes`, advancing
    /// it past them. With the feature `trap` (the adapter), only for bytes the compiler wrote:
    /// strings are then not checked for UTF-8 (see `codec::Reader::str`).
    pub fn decode(bytes: &mut &[u8]) -> Result<HttpRules, Error> {
        let mut r = Reader { bytes, pos: 0 };
        let rules = HttpRules::read(&mut r)?;
        *bytes = &bytes[r.pos..];
        Ok(rules)
    }

    pub(crate) fn write(&self, w: &mut Writer) {
        for rules in [&self.allow, &self.deny] {
            w.u32(rules.len() as u32);
            for rule in rules {
                rule.write(w);
            }
        }
    }

    pub(crate) fn read(r: &mut Reader<'_>) -> Result<HttpRules, Error> {
        let allow = read_rules(r)?;
        let deny = read_rules(r)?;
        Ok(HttpRules { allow, deny })
    }
}

impl UrlRule {
    fn write(&self, w: &mut Writer) {
        w.u32(self.methods.len() as u32);
        for method in &self.methods {
            w.str(method);
        }
        w.u8(match self.scheme {
            SchemePattern::Http => 0,
            SchemePattern::Https => 1,
            SchemePattern::Any => 2,
        });
        w.host(&self.host);
        match self.ports {
            None => w.u8(0),
            Some(ports) => {
                w.u8(1);
                w.u16(ports.first);
                w.u16(ports.last);
            }
        }
        match &self.path {
            None => w.u8(0),
            Some(path) => {
                w.u8(1);
                w.str(path);
            }
        }
    }

    fn read(r: &mut Reader<'_>) -> Result<UrlRule, Error> {
        let n = r.u32()?;
        let mut methods = Vec::with_capacity((n as usize).min(16));
        for _ in 0..n {
            methods.push(r.str()?);
        }
        let scheme = match r.u8()? {
            0 => SchemePattern::Http,
            1 => SchemePattern::Https,
            2 => SchemePattern::Any,
            t => return Err(bad(DecodeError::BadTag(t))),
        };
        let host = r.host()?;
        let ports = match r.u8()? {
            0 => None,
            1 => Some(Ports {
                first: r.u16()?,
                last: r.u16()?,
            }),
            t => return Err(bad(DecodeError::BadTag(t))),
        };
        let path = match r.u8()? {
            0 => None,
            1 => Some(r.str()?),
            t => return Err(bad(DecodeError::BadTag(t))),
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

fn read_rules(r: &mut Reader<'_>) -> Result<Vec<UrlRule>, Error> {
    let n = r.u32()?;
    let mut rules = Vec::with_capacity((n as usize).min(64));
    for _ in 0..n {
        rules.push(UrlRule::read(r)?);
    }
    Ok(rules)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::testing::*;
    use crate::net::HostPattern;

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
            Err(bad(DecodeError::BadTag(9)))
        );
    }
}
