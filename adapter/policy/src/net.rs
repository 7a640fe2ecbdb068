//! Network rules as data: the address patterns of `tcp connect`, `tcp listen`, `udp send`,
//! `udp bind` and `dns resolve`, parsed here (so the checker's errors and the adapter's matching
//! share one definition) and matched here (so the adapter inside the component and the host of
//! `virtc run` enforce one rule).
//!
//! An address pattern is `HOST:PORTS`: HOST an IPv4 address, a bracketed IPv6 address, a CIDR
//! block (`10.0.0.0/8`, `[fd00::]/8`), a DNS name, a subdomain glob (`*.example.com`) or `*`;
//! PORTS a number, a range `LOW-HIGH` (inclusive) or `*`. Names compare case-insensitively with
//! a trailing dot ignored. IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`) are the IPv4 address
//! they map, in patterns and in the addresses checked, so an IPv6 socket cannot slip past an
//! IPv4 rule.

use crate::prelude::*;

use alloc::borrow::Cow;
use core::fmt;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use core::ops::Range;

/// How the network is governed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum NetAccess {
    /// No network: the adapter implements `wasi:sockets` itself and refuses everything.
    #[default]
    Deny,
    /// `allow sockets;`: the host's sockets, untouched.
    Host,
    /// Address rules: the host's sockets, every call checked against [`Network`]'s rules.
    Rules,
}

/// The network part of a policy.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Network {
    pub access: NetAccess,
    /// `tcp connect`: outgoing connections.
    pub tcp_connect: Vec<AddrPattern>,
    /// `tcp listen`: local addresses to bind, listen and accept on.
    pub tcp_listen: Vec<AddrPattern>,
    /// `udp send`: destinations of datagrams (and the senders replies are accepted from).
    pub udp_send: Vec<AddrPattern>,
    /// `udp bind`: local addresses to bind and receive on from anyone.
    pub udp_bind: Vec<AddrPattern>,
    /// `dns resolve`: names that may be looked up (besides those of the rules above).
    pub dns: Vec<HostPattern>,
}

/// The host part of a pattern.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum HostPattern {
    /// One address (IPv4-mapped IPv6 stored as IPv4).
    Ip(IpAddr),
    /// A CIDR block: the network address (host bits zero) and the prefix length.
    Cidr { network: IpAddr, prefix: u8 },
    /// One DNS name, lower case, no trailing dot.
    Name(String),
    /// `*.suffix`: every name below `suffix` (lower case), not `suffix` itself.
    Subdomains(String),
    /// `*`: any address and any name.
    Any,
}

/// An inclusive port range; `*` is `0..=65535`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ports {
    pub first: u16,
    pub last: u16,
}

impl Ports {
    pub const ANY: Ports = Ports {
        first: 0,
        last: u16::MAX,
    };

    pub fn contains(self, port: u16) -> bool {
        self.first <= port && port <= self.last
    }
}

/// `HOST:PORTS`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AddrPattern {
    pub host: HostPattern,
    pub ports: Ports,
}

/// What an address pattern names: a place to reach (port 0 is meaningless there) or a local
/// address to bind (port 0 asks for an ephemeral port).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Remote,
    Local,
}

/// Why a pattern is invalid, and where in the pattern's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternError {
    /// Byte range in the pattern's text.
    pub range: Range<usize>,
    pub problem: Problem,
}

/// The ways a pattern can be wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// No `:PORTS` after the host.
    MissingPort,
    /// The host is empty.
    EmptyHost,
    /// `[` without its `]`, or text between `]` and `:`.
    BadBrackets,
    /// Inside brackets, not an IPv6 address.
    BadIpv6,
    /// An IPv6 address without brackets.
    UnbracketedIpv6,
    /// Looks like an IPv4 address (digits and dots) but is not one.
    BadIpv4,
    /// A character a DNS name cannot hold.
    BadNameCharacter(char),
    /// An empty label (`a..b`, a leading dot).
    EmptyLabel,
    /// A label over 63 bytes, or a name over 253.
    NameTooLong,
    /// `*.` with nothing after it.
    EmptyGlob,
    /// `*` anywhere but alone or as the first label of `*.suffix`.
    MisplacedStar,
    /// A CIDR prefix that is not a number, or longer than the address.
    BadPrefix { max: u8 },
    /// A CIDR block whose address has bits set beyond the prefix.
    HostBitsSet { network: String },
    /// A CIDR block on a name.
    CidrOnName,
    /// A port that is not a number.
    BadPort,
    /// A port over 65535.
    PortOutOfRange,
    /// Port 0 as a destination.
    PortZero,
    /// A range whose first port is above its last.
    InvertedRange { first: u16, last: u16 },
    /// An IP address or a CIDR block where only names make sense (`dns resolve`).
    NotAName,
    /// A port on a `dns resolve` name.
    PortOnName,
}

impl Problem {
    /// Whether the problem lies in the `PORTS` part of a pattern (else in its host part).
    pub fn concerns_port(&self) -> bool {
        matches!(
            self,
            Problem::MissingPort
                | Problem::BadPort
                | Problem::PortOutOfRange
                | Problem::PortZero
                | Problem::InvertedRange { .. }
                | Problem::PortOnName
        )
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::MissingPort => write!(f, "no port: write HOST:PORT, HOST:LOW-HIGH or HOST:*"),
            Problem::EmptyHost => write!(f, "no host before the port"),
            Problem::BadBrackets => write!(f, "an IPv6 address is written `[ADDRESS]:PORTS`"),
            Problem::BadIpv6 => write!(f, "not an IPv6 address"),
            Problem::UnbracketedIpv6 => {
                write!(f, "an IPv6 address needs brackets: `[ADDRESS]:PORTS`")
            }
            Problem::BadIpv4 => write!(f, "not an IPv4 address"),
            Problem::BadNameCharacter(c) => write!(f, "`{c}` cannot appear in a DNS name"),
            Problem::EmptyLabel => write!(f, "empty label in a DNS name"),
            Problem::NameTooLong => {
                write!(f, "too long for a DNS name (63 bytes a label, 253 in all)")
            }
            Problem::EmptyGlob => write!(f, "nothing after `*.`"),
            Problem::MisplacedStar => {
                write!(
                    f,
                    "`*` stands alone or as the first label: `*` or `*.example.com`"
                )
            }
            Problem::BadPrefix { max } => write!(f, "a prefix length is 0 to {max}"),
            Problem::HostBitsSet { network } => {
                write!(f, "bits set beyond the prefix (the block is `{network}`)")
            }
            Problem::CidrOnName => write!(f, "a CIDR block needs an IP address"),
            Problem::BadPort => write!(f, "not a port: a number, LOW-HIGH or `*`"),
            Problem::PortOutOfRange => write!(f, "ports go up to 65535"),
            Problem::PortZero => write!(f, "port 0 is no destination"),
            Problem::InvertedRange { first, last } => {
                write!(f, "the range is inverted: did you mean {last}-{first}?")
            }
            Problem::NotAName => write!(f, "an address needs no lookup: name a host"),
            Problem::PortOnName => write!(f, "names are looked up without a port"),
        }
    }
}

fn err<T>(range: Range<usize>, problem: Problem) -> Result<T, PatternError> {
    Err(PatternError { range, problem })
}

/// An IPv4-mapped IPv6 address as the IPv4 address it maps; others unchanged.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(v6),
        },
        v4 => v4,
    }
}

/// A DNS name in the form names are compared in: lower case, no trailing dot.
pub fn normalize_name(name: &str) -> String {
    normalized_name(name).into_owned()
}

/// [`normalize_name`], without copying a name already in that form.
pub(crate) fn normalized_name(name: &str) -> Cow<'_, str> {
    let name = name.strip_suffix('.').unwrap_or(name);
    if name.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(name.to_ascii_lowercase())
    } else {
        Cow::Borrowed(name)
    }
}

/// Whether `c` may appear in a label of a DNS name: letters, digits, `-` and `_`.
pub(crate) fn is_label_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

impl AddrPattern {
    /// Parses `HOST:PORTS`.
    pub fn parse(text: &str, side: Side) -> Result<AddrPattern, PatternError> {
        let (host_range, ports_range) = split_host_port(text)?;
        let host = HostPattern::parse_at(text, host_range, true)?;
        let ports = parse_ports(text, ports_range, side)?;
        Ok(AddrPattern { host, ports })
    }

    /// Whether the address `ip:port`, resolved from `names` (none for an address the component
    /// did not look up), matches.
    pub fn matches(&self, ip: IpAddr, port: u16, names: &[&str]) -> bool {
        self.ports.contains(port) && self.host.matches_ip(ip, names)
    }
}

/// Splits `HOST:PORTS` at the colon after the host (after `]` for IPv6).
fn split_host_port(text: &str) -> Result<(Range<usize>, Range<usize>), PatternError> {
    let end = text.len();
    if text.starts_with('[') {
        let Some(close) = text.find(']') else {
            return err(0..end, Problem::BadBrackets);
        };
        // `[v6]` or `[v6]/N`, then `:PORTS`.
        let after = &text[close + 1..];
        let colon = match after.find(':') {
            Some(i) => close + 1 + i,
            None => return err(0..end, Problem::MissingPort),
        };
        let between = &text[close + 1..colon];
        if !between.is_empty() && !between.starts_with('/') {
            return err(close + 1..colon, Problem::BadBrackets);
        }
        return Ok((0..colon, colon + 1..end));
    }
    match text.rfind(':') {
        None => err(0..end, Problem::MissingPort),
        Some(colon) => {
            if text[..colon].contains(':') {
                return err(0..colon, Problem::UnbracketedIpv6);
            }
            Ok((0..colon, colon + 1..end))
        }
    }
}

/// A port number in `text[range]`: decimal digits up to 65535. Errors point into `text`.
pub(crate) fn parse_port(text: &str, range: Range<usize>) -> Result<u16, PatternError> {
    let digits = &text[range.clone()];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return err(range, Problem::BadPort);
    }
    match digits.parse::<u32>() {
        Ok(n) if n <= u32::from(u16::MAX) => Ok(n as u16),
        _ => err(range, Problem::PortOutOfRange),
    }
}

/// `PORT`, `LOW-HIGH` or `*` in `text[range]`; port 0 alone is refused on the [`Side::Remote`].
/// Errors point into `text`.
pub(crate) fn parse_ports(
    text: &str,
    range: Range<usize>,
    side: Side,
) -> Result<Ports, PatternError> {
    let spec = &text[range.clone()];
    if spec == "*" {
        return Ok(Ports::ANY);
    }
    let ports = match spec.find('-') {
        Some(dash) => {
            let first = parse_port(text, range.start..range.start + dash)?;
            let last = parse_port(text, range.start + dash + 1..range.end)?;
            if first > last {
                return err(range, Problem::InvertedRange { first, last });
            }
            Ports { first, last }
        }
        None => {
            let port = parse_port(text, range.clone())?;
            Ports {
                first: port,
                last: port,
            }
        }
    };
    if side == Side::Remote && ports.first == 0 && ports.last == 0 {
        return err(range, Problem::PortZero);
    }
    Ok(ports)
}

impl HostPattern {
    /// Parses a `dns resolve` pattern: a name, `*.suffix` or `*`.
    pub fn parse_name(text: &str) -> Result<HostPattern, PatternError> {
        if text.contains(':') && !text.starts_with('[') && text.matches(':').count() == 1 {
            let colon = text.find(':').unwrap_or(0);
            return err(colon..text.len(), Problem::PortOnName);
        }
        let host = HostPattern::parse_at(text, 0..text.len(), true)?;
        match host {
            HostPattern::Ip(_) | HostPattern::Cidr { .. } => err(0..text.len(), Problem::NotAName),
            host => Ok(host),
        }
    }

    /// Parses a URL's host: an IP address (IPv6 in brackets), a name, `*.suffix` or `*`; no
    /// CIDR blocks.
    pub fn parse_url_host(text: &str) -> Result<HostPattern, PatternError> {
        HostPattern::parse_at(text, 0..text.len(), false)
    }

    /// Parses the host in `text[range]`; errors point into `text`.
    fn parse_at(text: &str, range: Range<usize>, cidr: bool) -> Result<HostPattern, PatternError> {
        let host = &text[range.clone()];
        let at = |r: Range<usize>| range.start + r.start..range.start + r.end;
        if host.is_empty() {
            return err(range, Problem::EmptyHost);
        }
        if host == "*" {
            return Ok(HostPattern::Any);
        }
        // A CIDR suffix.
        let (addr_text, prefix) = match host.rfind('/') {
            Some(slash) if cidr => (&host[..slash], Some(slash)),
            Some(slash) => return err(at(slash..host.len()), Problem::BadNameCharacter('/')),
            None => (host, None),
        };
        let ip = if let Some(inner) = addr_text.strip_prefix('[') {
            let Some(inner) = inner.strip_suffix(']') else {
                return err(at(0..addr_text.len()), Problem::BadBrackets);
            };
            match inner.parse::<Ipv6Addr>() {
                Ok(v6) => Some(IpAddr::V6(v6)),
                Err(_) => return err(at(1..1 + inner.len()), Problem::BadIpv6),
            }
        } else if addr_text.contains(':') {
            return err(at(0..addr_text.len()), Problem::UnbracketedIpv6);
        } else if !addr_text.is_empty()
            && addr_text.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        {
            match addr_text.parse::<Ipv4Addr>() {
                Ok(v4) => Some(IpAddr::V4(v4)),
                Err(_) => return err(at(0..addr_text.len()), Problem::BadIpv4),
            }
        } else {
            None
        };
        match (ip, prefix) {
            (Some(ip), None) => Ok(HostPattern::Ip(canonical(ip))),
            (Some(ip), Some(slash)) => {
                let prefix_range = at(slash + 1..host.len());
                let (ip, max, offset) = match ip {
                    IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                        // `[::ffff:10.0.0.0]/104` is `10.0.0.0/8`.
                        Some(v4) => (IpAddr::V4(v4), 128, 96),
                        None => (ip, 128, 0),
                    },
                    IpAddr::V4(_) => (ip, 32, 0),
                };
                let digits = &text[prefix_range.clone()];
                let length = match digits.parse::<u8>() {
                    Ok(n) if n <= max && digits.bytes().all(|b| b.is_ascii_digit()) => n,
                    _ => return err(prefix_range, Problem::BadPrefix { max }),
                };
                if length < offset {
                    return err(prefix_range, Problem::BadPrefix { max });
                }
                let length = length - offset;
                let network = mask(ip, length);
                let block = HostPattern::Cidr {
                    network,
                    prefix: length,
                };
                if network != ip {
                    let network = block.to_string();
                    return err(at(0..host.len()), Problem::HostBitsSet { network });
                }
                Ok(block)
            }
            (None, Some(slash)) => err(at(slash..host.len()), Problem::CidrOnName),
            (None, None) => parse_name_pattern(text, range),
        }
    }

    /// Whether an address the component uses matches; `names` are the allowed names it was
    /// resolved from.
    pub fn matches_ip(&self, ip: IpAddr, names: &[&str]) -> bool {
        let ip = canonical(ip);
        match self {
            HostPattern::Any => true,
            HostPattern::Ip(own) => *own == ip,
            HostPattern::Cidr { network, prefix } => {
                same_family(*network, ip) && mask(ip, *prefix) == *network
            }
            HostPattern::Name(_) | HostPattern::Subdomains(_) => {
                names.iter().any(|n| self.matches_name(n))
            }
        }
    }

    /// Whether a name (already [`normalize_name`]d) matches: exact names, subdomain globs and
    /// `*` do; IP patterns match no name.
    pub fn matches_name(&self, name: &str) -> bool {
        match self {
            HostPattern::Any => true,
            HostPattern::Name(own) => own == name,
            HostPattern::Subdomains(suffix) => name
                .strip_suffix(suffix.as_str())
                .is_some_and(|head| head.len() > 1 && head.ends_with('.')),
            HostPattern::Ip(_) | HostPattern::Cidr { .. } => false,
        }
    }
}

/// The canonical text of a port pattern: `80`, `8000-8999`, `*`.
impl fmt::Display for Ports {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Ports::ANY => f.write_str("*"),
            Ports { first, last } if first == last => write!(f, "{first}"),
            Ports { first, last } => write!(f, "{first}-{last}"),
        }
    }
}

/// The canonical text of an address pattern, `HOST:PORTS`; [`AddrPattern::parse`] reads it back.
impl fmt::Display for AddrPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.host, self.ports)
    }
}

/// The canonical text of a host pattern, as the patterns are written: an IPv4 address as it is,
/// an IPv6 address in brackets, a CIDR block `ADDRESS/PREFIX` (IPv6 in brackets), a name,
/// `*.suffix` or `*`. [`AddrPattern::parse`] reads it back (before `:PORTS`) as the same host.
impl fmt::Display for HostPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HostPattern::Ip(IpAddr::V4(v4)) => write!(f, "{v4}"),
            HostPattern::Ip(IpAddr::V6(v6)) => write!(f, "[{v6}]"),
            HostPattern::Cidr {
                network: IpAddr::V4(v4),
                prefix,
            } => write!(f, "{v4}/{prefix}"),
            HostPattern::Cidr {
                network: IpAddr::V6(v6),
                prefix,
            } => write!(f, "[{v6}]/{prefix}"),
            HostPattern::Name(name) => f.write_str(name),
            HostPattern::Subdomains(suffix) => write!(f, "*.{suffix}"),
            HostPattern::Any => f.write_str("*"),
        }
    }
}

/// `name`, `*.suffix`: labels of [`is_label_char`]s.
fn parse_name_pattern(text: &str, range: Range<usize>) -> Result<HostPattern, PatternError> {
    let host = &text[range.clone()];
    let (glob, name, base) = match host.strip_prefix("*.") {
        Some(rest) => (true, rest, range.start + 2),
        None => (false, host, range.start),
    };
    let name = name.strip_suffix('.').unwrap_or(name);
    if glob && name.is_empty() {
        return err(range, Problem::EmptyGlob);
    }
    if name.len() > 253 {
        return err(range, Problem::NameTooLong);
    }
    let mut offset = base;
    for label in name.split('.') {
        let label_range = offset..offset + label.len();
        if label.is_empty() {
            return err(offset.saturating_sub(1)..offset + 1, Problem::EmptyLabel);
        }
        if label.len() > 63 {
            return err(label_range, Problem::NameTooLong);
        }
        for (i, c) in label.char_indices() {
            if c == '*' {
                return err(offset + i..offset + i + 1, Problem::MisplacedStar);
            }
            if !is_label_char(c) {
                return err(
                    offset + i..offset + i + c.len_utf8(),
                    Problem::BadNameCharacter(c),
                );
            }
        }
        offset += label.len() + 1;
    }
    let name = name.to_ascii_lowercase();
    Ok(if glob {
        HostPattern::Subdomains(name)
    } else {
        HostPattern::Name(name)
    })
}

fn same_family(a: IpAddr, b: IpAddr) -> bool {
    a.is_ipv4() == b.is_ipv4()
}

/// `ip` with every bit after the first `prefix` cleared.
fn mask(ip: IpAddr, prefix: u8) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => {
            let bits = u32::from(v4);
            let kept = if prefix == 0 {
                0
            } else {
                bits & (u32::MAX << (32 - u32::from(prefix)))
            };
            IpAddr::V4(Ipv4Addr::from(kept))
        }
        IpAddr::V6(v6) => {
            let bits = u128::from(v6);
            let kept = if prefix == 0 {
                0
            } else {
                bits & (u128::MAX << (128 - u32::from(prefix)))
            };
            IpAddr::V6(Ipv6Addr::from(kept))
        }
    }
}

/// How a host's own check (wasmtime's `socket_addr_check`) classifies a use of an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostUse {
    TcpBind,
    TcpConnect,
    UdpBind,
    /// A UDP socket's fixed remote address, or one datagram's destination.
    UdpSend,
}

impl Network {
    /// Whether any TCP rule exists (else `create-tcp-socket` is refused).
    pub fn has_tcp(&self) -> bool {
        !self.tcp_connect.is_empty() || !self.tcp_listen.is_empty()
    }

    /// Whether any UDP rule exists (else `create-udp-socket` is refused).
    pub fn has_udp(&self) -> bool {
        !self.udp_send.is_empty() || !self.udp_bind.is_empty()
    }

    fn address_rules(&self) -> impl Iterator<Item = &AddrPattern> {
        self.tcp_connect
            .iter()
            .chain(&self.tcp_listen)
            .chain(&self.udp_send)
            .chain(&self.udp_bind)
    }

    /// Whether any name may be looked up at all.
    pub fn resolves_names(&self) -> bool {
        !self.dns.is_empty()
            || self.address_rules().any(|r| {
                matches!(
                    r.host,
                    HostPattern::Name(_) | HostPattern::Subdomains(_) | HostPattern::Any
                )
            })
    }

    /// Whether `name` ([`normalize_name`]d) may be looked up: a `dns resolve` pattern or the
    /// host of an address rule matches it.
    pub fn may_resolve(&self, name: &str) -> bool {
        self.dns.iter().any(|p| p.matches_name(name))
            || self.address_rules().any(|r| r.host.matches_name(name))
    }

    /// Whether the component may connect to `ip:port` (resolved from `names`).
    pub fn may_connect(&self, ip: IpAddr, port: u16, names: &[&str]) -> bool {
        self.tcp_connect.iter().any(|r| r.matches(ip, port, names))
    }

    /// Whether a TCP socket may bind `ip:port` to listen there.
    pub fn may_listen(&self, ip: IpAddr, port: u16, names: &[&str]) -> bool {
        self.tcp_listen.iter().any(|r| r.matches(ip, port, names))
    }

    /// Whether a UDP socket may bind `ip:port` to receive from anyone.
    pub fn may_bind_udp(&self, ip: IpAddr, port: u16, names: &[&str]) -> bool {
        self.udp_bind.iter().any(|r| r.matches(ip, port, names))
    }

    /// Whether a datagram may go to (or be received from) `ip:port` by the `udp send` rules.
    pub fn may_send_udp(&self, ip: IpAddr, port: u16, names: &[&str]) -> bool {
        self.udp_send.iter().any(|r| r.matches(ip, port, names))
    }

    /// The host's coarser check, for a host that enforces the rules a second time (`virtc
    /// run`): it does not know which names an address was resolved from, so a name rule allows
    /// any address on its ports there (the adapter pins names to addresses), and a UDP
    /// destination is allowed by `udp bind` too (the adapter allows replies only to senders).
    pub fn host_allows(&self, ip: IpAddr, port: u16, used: HostUse) -> bool {
        let loose = |rules: &[AddrPattern]| {
            rules.iter().any(|r| {
                r.ports.contains(port)
                    && match r.host {
                        HostPattern::Name(_) | HostPattern::Subdomains(_) => true,
                        ref host => host.matches_ip(ip, &[]),
                    }
            })
        };
        let ephemeral = ip.is_unspecified() && port == 0;
        match self.access {
            NetAccess::Host => true,
            NetAccess::Deny => false,
            NetAccess::Rules => match used {
                HostUse::TcpConnect => loose(&self.tcp_connect),
                HostUse::TcpBind => {
                    loose(&self.tcp_listen) || (ephemeral && !self.tcp_connect.is_empty())
                }
                HostUse::UdpBind => {
                    loose(&self.udp_bind) || (ephemeral && !self.udp_send.is_empty())
                }
                HostUse::UdpSend => loose(&self.udp_send) || !self.udp_bind.is_empty(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn remote(text: &str) -> AddrPattern {
        AddrPattern::parse(text, Side::Remote).unwrap_or_else(|e| panic!("{text}: {e:?}"))
    }

    fn problem(text: &str, side: Side) -> (Range<usize>, Problem) {
        let e = AddrPattern::parse(text, side).expect_err(text);
        (e.range, e.problem)
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn parses_every_host_form() {
        assert_eq!(remote("10.1.2.3:80").host, HostPattern::Ip(ip("10.1.2.3")));
        assert_eq!(remote("[::1]:80").host, HostPattern::Ip(ip("::1")));
        assert_eq!(
            remote("[::ffff:10.0.0.1]:80").host,
            HostPattern::Ip(ip("10.0.0.1"))
        );
        assert_eq!(
            remote("10.0.0.0/8:*").host,
            HostPattern::Cidr {
                network: ip("10.0.0.0"),
                prefix: 8
            }
        );
        assert_eq!(
            remote("[fd00::]/8:443").host,
            HostPattern::Cidr {
                network: ip("fd00::"),
                prefix: 8
            }
        );
        assert_eq!(
            remote("[::ffff:10.0.0.0]/104:1").host,
            HostPattern::Cidr {
                network: ip("10.0.0.0"),
                prefix: 8
            }
        );
        assert_eq!(
            remote("DB.Internal.:5432").host,
            HostPattern::Name("db.internal".into())
        );
        assert_eq!(
            remote("*.Example.com:443").host,
            HostPattern::Subdomains("example.com".into())
        );
        assert_eq!(remote("*:*").host, HostPattern::Any);
        assert_eq!(remote("*:*").ports, Ports::ANY);
        assert_eq!(
            remote("h:8000-8999").ports,
            Ports {
                first: 8000,
                last: 8999
            }
        );
        assert_eq!(
            AddrPattern::parse("0.0.0.0:0", Side::Local).unwrap().ports,
            Ports { first: 0, last: 0 }
        );
    }

    #[test]
    fn points_at_what_is_wrong() {
        use Problem::*;
        let r = Side::Remote;
        assert_eq!(problem("db.internal", r), (0..11, MissingPort));
        assert_eq!(problem(":80", r), (0..0, EmptyHost));
        assert_eq!(problem("h:", r), (2..2, BadPort));
        assert_eq!(problem("h:http", r), (2..6, BadPort));
        assert_eq!(problem("h:70000", r), (2..7, PortOutOfRange));
        assert_eq!(problem("h:0", r), (2..3, PortZero));
        assert_eq!(problem("h:0-0", r), (2..5, PortZero));
        assert!(AddrPattern::parse("h:0-10", r).is_ok());
        assert_eq!(
            problem("h:90-80", r),
            (
                2..7,
                InvertedRange {
                    first: 90,
                    last: 80
                }
            )
        );
        assert_eq!(problem("h:80-x", r), (5..6, BadPort));
        assert_eq!(problem("10.0.0.300:1", r), (0..10, BadIpv4));
        assert_eq!(problem("::1:80", r), (0..3, UnbracketedIpv6));
        assert_eq!(problem("[::1:80", r), (0..7, BadBrackets));
        assert_eq!(problem("[::g]:80", r), (1..4, BadIpv6));
        assert_eq!(problem("[::1]x:80", r), (5..6, BadBrackets));
        assert_eq!(problem("[::1]", r), (0..5, MissingPort));
        assert_eq!(problem("10.0.0.0/33:1", r), (9..11, BadPrefix { max: 32 }));
        assert_eq!(problem("10.0.0.0/x:1", r), (9..10, BadPrefix { max: 32 }));
        assert_eq!(
            problem("10.0.0.1/8:1", r),
            (
                0..10,
                HostBitsSet {
                    network: "10.0.0.0/8".into()
                }
            )
        );
        assert_eq!(problem("db/8:1", r), (2..4, CidrOnName));
        assert_eq!(problem("*.:1", r), (0..2, EmptyGlob));
        assert_eq!(problem("a.*.b:1", r), (2..3, MisplacedStar));
        assert_eq!(problem("**.b:1", r), (0..1, MisplacedStar));
        assert_eq!(problem("a..b:1", r), (1..3, EmptyLabel));
        assert_eq!(problem("a b:1", r), (1..2, BadNameCharacter(' ')));
        assert_eq!(problem("é.com:1", r), (0..2, BadNameCharacter('é')));
        let long = format!("{}.com:1", "a".repeat(64));
        assert_eq!(problem(&long, r), (0..64, NameTooLong));
    }

    #[test]
    fn displays_hosts_as_written() {
        for (text, shown) in [
            ("10.1.2.3:1", "10.1.2.3"),
            ("[::1]:1", "[::1]"),
            ("[::ffff:10.0.0.1]:1", "10.0.0.1"),
            ("10.0.0.0/8:1", "10.0.0.0/8"),
            ("[FD00::]/8:1", "[fd00::]/8"),
            ("[::ffff:10.0.0.0]/104:1", "10.0.0.0/8"),
            ("DB.Internal.:1", "db.internal"),
            ("*.Example.com:1", "*.example.com"),
            ("*:1", "*"),
        ] {
            let host = remote(text).host;
            assert_eq!(host.to_string(), shown, "{text}");
            assert_eq!(remote(&format!("{shown}:1")).host, host, "{text}");
        }
        assert_eq!(normalize_name("DB.Internal."), "db.internal");
        assert!(matches!(
            normalized_name("db.internal."),
            Cow::Borrowed("db.internal")
        ));
    }

    #[test]
    fn dns_patterns_are_names() {
        assert_eq!(
            HostPattern::parse_name("*.example.com"),
            Ok(HostPattern::Subdomains("example.com".into()))
        );
        assert_eq!(HostPattern::parse_name("*"), Ok(HostPattern::Any));
        assert_eq!(
            HostPattern::parse_name("10.0.0.1").unwrap_err().problem,
            Problem::NotAName
        );
        assert_eq!(
            HostPattern::parse_name("db:53").unwrap_err(),
            PatternError {
                range: 2..5,
                problem: Problem::PortOnName
            }
        );
    }

    #[test]
    fn matching() {
        let names = |p: &str, n: &str| remote(p).host.matches_name(&normalize_name(n));
        assert!(names("*.example.com:1", "a.example.com"));
        assert!(names("*.example.com:1", "A.B.Example.COM."));
        assert!(!names("*.example.com:1", "example.com"));
        assert!(!names("*.example.com:1", "badexample.com"));
        assert!(names("db:1", "DB."));
        assert!(!names("10.0.0.1:1", "10.0.0.1"));
        assert!(names("*:1", "anything"));

        let cidr = remote("10.1.0.0/16:8000-8999");
        assert!(cidr.matches(ip("10.1.200.3"), 8000, &[]));
        assert!(cidr.matches(ip("10.1.200.3"), 8999, &[]));
        assert!(!cidr.matches(ip("10.1.200.3"), 9000, &[]));
        assert!(!cidr.matches(ip("10.2.0.1"), 8000, &[]));
        assert!(cidr.matches(ip("::ffff:10.1.0.9"), 8000, &[]));
        assert!(!cidr.matches(ip("::1"), 8000, &[]));
        let zero = remote("0.0.0.0/0:1");
        assert!(zero.matches(ip("8.8.8.8"), 1, &[]));
        assert!(!zero.matches(ip("::2"), 1, &[]));
        let v6 = remote("[fd00::]/8:*");
        assert!(v6.matches(ip("fd12::1"), 5, &[]));
        assert!(!v6.matches(ip("fe00::1"), 5, &[]));

        let name = remote("db.internal:5432");
        assert!(!name.matches(ip("10.0.0.5"), 5432, &[]));
        assert!(name.matches(ip("10.0.0.5"), 5432, &["db.internal"]));
        assert!(!name.matches(ip("10.0.0.5"), 5433, &["db.internal"]));
        assert!(!name.matches(ip("10.0.0.5"), 5432, &["other.internal"]));
    }

    #[test]
    fn a_network_policy() {
        let net = Network {
            access: NetAccess::Rules,
            tcp_connect: vec![remote("db.internal:5432"), remote("10.0.0.0/8:80")],
            tcp_listen: vec![AddrPattern::parse("127.0.0.1:8080", Side::Local).unwrap()],
            udp_send: vec![remote("10.0.0.53:53")],
            udp_bind: vec![],
            dns: vec![HostPattern::parse_name("*.example.com").unwrap()],
        };
        assert!(net.has_tcp() && net.has_udp() && net.resolves_names());
        assert!(net.may_resolve("db.internal"));
        assert!(net.may_resolve("api.example.com"));
        assert!(!net.may_resolve("example.com"));
        assert!(!net.may_resolve("evil.org"));
        assert!(net.may_connect(ip("10.9.9.9"), 80, &[]));
        assert!(!net.may_connect(ip("10.9.9.9"), 5432, &[]));
        assert!(net.may_connect(ip("192.168.1.1"), 5432, &["db.internal"]));
        // A name that may be resolved (dns) but names no connect rule gives no connection.
        assert!(!net.may_connect(ip("192.168.1.1"), 443, &["api.example.com"]));
        assert!(net.may_listen(ip("127.0.0.1"), 8080, &[]));
        assert!(!net.may_listen(ip("0.0.0.0"), 8080, &[]));
        assert!(net.may_send_udp(ip("10.0.0.53"), 53, &[]));
        assert!(!net.may_bind_udp(ip("0.0.0.0"), 53, &[]));

        assert!(net.host_allows(ip("1.2.3.4"), 5432, HostUse::TcpConnect));
        assert!(!net.host_allows(ip("1.2.3.4"), 80, HostUse::TcpConnect));
        assert!(net.host_allows(ip("0.0.0.0"), 0, HostUse::TcpBind));
        assert!(net.host_allows(ip("0.0.0.0"), 0, HostUse::UdpBind));
        assert!(!net.host_allows(ip("0.0.0.0"), 53, HostUse::UdpBind));
        assert!(!Network::default().host_allows(ip("127.0.0.1"), 1, HostUse::TcpConnect));
    }
}
