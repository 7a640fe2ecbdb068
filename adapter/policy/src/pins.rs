//! What the adapter remembers while it enforces network rules: which allowed names each
//! resolved address came from (so a name rule allows exactly the addresses its lookups
//! returned), and which senders a `udp bind` socket has heard from (so it may reply to them).
//! Both are bounded, so a component cannot grow the adapter's memory by looking names up.
//! With them, the other pure decisions of the adapter's socket wrappers (how a bind is allowed,
//! how much of a datagram batch goes), so that all are tested natively.

use crate::prelude::*;

use core::net::IpAddr;

use crate::net::{Network, canonical};

/// Addresses pinned to the names they were resolved from, for the instance's lifetime.
///
/// Full (more than [`Pins::MAX_ADDRESSES`] addresses, or [`Pins::MAX_NAMES`] names on one
/// address), a lookup still returns its addresses but pins no more: connecting to one that
/// is not pinned is then allowed only by an IP or CIDR rule. Nothing pinned is ever dropped,
/// so a connection allowed once stays allowed.
#[derive(Debug, Default)]
pub struct Pins {
    entries: Vec<(IpAddr, Vec<String>)>,
}

impl Pins {
    pub const MAX_ADDRESSES: usize = 1024;
    pub const MAX_NAMES: usize = 8;

    pub const fn new() -> Pins {
        Pins {
            entries: Vec::new(),
        }
    }

    /// Pins `ip` to `name` (already normalized); false when the table is full.
    pub fn pin(&mut self, ip: IpAddr, name: &str) -> bool {
        let ip = canonical(ip);
        if let Some((_, names)) = self.entries.iter_mut().find(|(a, _)| *a == ip) {
            if names.iter().any(|n| n == name) {
                return true;
            }
            if names.len() >= Self::MAX_NAMES {
                return false;
            }
            names.push(name.to_owned());
            return true;
        }
        if self.entries.len() >= Self::MAX_ADDRESSES {
            return false;
        }
        self.entries.push((ip, vec![name.to_owned()]));
        true
    }

    /// The names `ip` was resolved from.
    pub fn names(&self, ip: IpAddr) -> Vec<&str> {
        let ip = canonical(ip);
        self.entries
            .iter()
            .find(|(a, _)| *a == ip)
            .map(|(_, names)| names.iter().map(String::as_str).collect())
            .unwrap_or_default()
    }
}

/// The senders a socket has received datagrams from, most recent last; at most
/// [`Heard::MAX`], the oldest forgotten first.
#[derive(Debug, Default)]
pub struct Heard {
    senders: Vec<(IpAddr, u16)>,
}

impl Heard {
    pub const MAX: usize = 256;

    pub fn record(&mut self, ip: IpAddr, port: u16) {
        let sender = (canonical(ip), port);
        // Rotating rather than `Vec::remove`, which would bring a panic path (and the
        // formatting machinery behind it) into the adapter.
        let stale = match self.senders.iter().position(|s| *s == sender) {
            Some(i) => self.senders.get_mut(i..),
            None if self.senders.len() >= Self::MAX => Some(&mut self.senders[..]),
            None => None,
        };
        match stale {
            // The sender heard again, or the oldest: moved to the end, then replaced.
            Some(tail) => {
                tail.rotate_left(1);
                if let Some(last) = tail.last_mut() {
                    *last = sender;
                }
            }
            None => self.senders.push(sender),
        }
    }

    pub fn contains(&self, ip: IpAddr, port: u16) -> bool {
        self.senders.contains(&(canonical(ip), port))
    }
}

/// How a bind is allowed under rules; a socket's wrapper remembers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bind {
    /// A `tcp listen` or `udp bind` rule allows the address: a TCP socket may then listen (and
    /// accept from any peer), a UDP socket receives from any sender (and may reply to it).
    Rule,
    /// The ephemeral bind (the unspecified address, port 0) that a `tcp connect` or `udp send`
    /// rule permits: for connecting or sending only.
    Ephemeral,
}

/// Binding the unspecified address (`0.0.0.0`, `::`) on port 0: the bind a connect or a send
/// makes.
pub fn is_ephemeral(ip: IpAddr, port: u16) -> bool {
    ip.is_unspecified() && port == 0
}

impl Network {
    /// How a TCP socket may bind `ip:port` (resolved from `names`), if at all: a `tcp listen`
    /// rule (which wins, allowing more), or the ephemeral bind when a `tcp connect` rule exists.
    pub fn tcp_bind(&self, ip: IpAddr, port: u16, names: &[&str]) -> Option<Bind> {
        if self.may_listen(ip, port, names) {
            Some(Bind::Rule)
        } else if is_ephemeral(ip, port) && !self.tcp_connect.is_empty() {
            Some(Bind::Ephemeral)
        } else {
            None
        }
    }

    /// How a UDP socket may bind `ip:port` (resolved from `names`), if at all: a `udp bind`
    /// rule (which wins), or the ephemeral bind when a `udp send` rule exists.
    pub fn udp_bind(&self, ip: IpAddr, port: u16, names: &[&str]) -> Option<Bind> {
        if self.may_bind_udp(ip, port, names) {
            Some(Bind::Rule)
        } else if is_ephemeral(ip, port) && !self.udp_send.is_empty() {
            Some(Bind::Ephemeral)
        } else {
            None
        }
    }
}

/// How many datagrams of a `send` go out: the longest prefix whose destinations are allowed.
/// `None` when the first one is denied (the call then fails with `access-denied`); an empty
/// `send` sends nothing.
pub fn allowed_prefix(allowed: impl IntoIterator<Item = bool>) -> Option<usize> {
    let mut count = 0;
    for ok in allowed {
        if !ok {
            return (count > 0).then_some(count);
        }
        count += 1;
    }
    Some(count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::{AddrPattern, NetAccess, Side};

    fn rules(side: Side, patterns: &[&str]) -> Vec<AddrPattern> {
        patterns
            .iter()
            .map(|p| AddrPattern::parse(p, side).unwrap())
            .collect()
    }

    #[test]
    fn binds_are_classified() {
        let net = Network {
            access: NetAccess::Rules,
            tcp_connect: rules(Side::Remote, &["10.0.0.0/8:80"]),
            tcp_listen: rules(
                Side::Local,
                &["127.0.0.1:8080", "[::]:9000-9001", "me.local:7"],
            ),
            udp_send: rules(Side::Remote, &["10.0.0.53:53"]),
            udp_bind: rules(Side::Local, &["0.0.0.0:5353"]),
            dns: vec![],
        };
        assert_eq!(net.tcp_bind(ip("127.0.0.1"), 8080, &[]), Some(Bind::Rule));
        assert_eq!(net.tcp_bind(ip("::"), 9001, &[]), Some(Bind::Rule));
        assert_eq!(net.tcp_bind(ip("0.0.0.0"), 0, &[]), Some(Bind::Ephemeral));
        assert_eq!(net.tcp_bind(ip("::"), 0, &[]), Some(Bind::Ephemeral));
        assert_eq!(net.tcp_bind(ip("127.0.0.1"), 0, &[]), None);
        assert_eq!(net.tcp_bind(ip("0.0.0.0"), 8080, &[]), None);
        assert_eq!(net.tcp_bind(ip("127.0.0.1"), 8081, &[]), None);
        // A listen rule on a name: the addresses pinned to it.
        assert_eq!(net.tcp_bind(ip("192.168.1.2"), 7, &[]), None);
        assert_eq!(
            net.tcp_bind(ip("192.168.1.2"), 7, &["me.local"]),
            Some(Bind::Rule)
        );

        assert_eq!(net.udp_bind(ip("0.0.0.0"), 5353, &[]), Some(Bind::Rule));
        assert_eq!(net.udp_bind(ip("0.0.0.0"), 0, &[]), Some(Bind::Ephemeral));
        assert_eq!(net.udp_bind(ip("0.0.0.0"), 53, &[]), None);
        assert_eq!(net.udp_bind(ip("127.0.0.1"), 0, &[]), None);

        // No connect (send) rule: no ephemeral bind.
        let listen_only = Network {
            tcp_connect: vec![],
            udp_send: vec![],
            ..net.clone()
        };
        assert_eq!(listen_only.tcp_bind(ip("0.0.0.0"), 0, &[]), None);
        assert_eq!(listen_only.udp_bind(ip("0.0.0.0"), 0, &[]), None);
        // A rule covering the ephemeral bind makes it a bind by that rule.
        let wide = Network {
            tcp_listen: rules(Side::Local, &["0.0.0.0:*"]),
            udp_bind: rules(Side::Local, &["0.0.0.0:*"]),
            ..net
        };
        assert_eq!(wide.tcp_bind(ip("0.0.0.0"), 0, &[]), Some(Bind::Rule));
        assert_eq!(wide.udp_bind(ip("0.0.0.0"), 0, &[]), Some(Bind::Rule));
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn pins_gather_names_and_stay_bounded() {
        let mut pins = Pins::new();
        assert!(pins.pin(ip("10.0.0.1"), "a.example"));
        assert!(pins.pin(ip("::ffff:10.0.0.1"), "b.example"));
        assert!(pins.pin(ip("10.0.0.1"), "a.example"));
        assert_eq!(pins.names(ip("10.0.0.1")), ["a.example", "b.example"]);
        assert!(pins.names(ip("10.0.0.2")).is_empty());
        for i in 2..Pins::MAX_NAMES {
            assert!(pins.pin(ip("10.0.0.1"), &format!("n{i}")));
        }
        assert!(!pins.pin(ip("10.0.0.1"), "one-too-many"));
        let mut full = Pins::new();
        for i in 0..Pins::MAX_ADDRESSES {
            let a = IpAddr::from([10, 1, (i >> 8) as u8, i as u8]);
            assert!(full.pin(a, "x"));
        }
        assert!(!full.pin(ip("192.168.0.1"), "x"));
        assert!(
            full.pin(ip("10.1.0.0"), "y"),
            "a known address takes more names"
        );
    }

    #[test]
    fn heard_forgets_the_oldest() {
        let mut heard = Heard::default();
        heard.record(ip("10.0.0.1"), 53);
        assert!(heard.contains(ip("::ffff:10.0.0.1"), 53));
        assert!(!heard.contains(ip("10.0.0.1"), 54));
        for port in 1..=Heard::MAX as u16 {
            heard.record(ip("10.9.9.9"), port);
        }
        assert!(!heard.contains(ip("10.0.0.1"), 53));
        assert!(heard.contains(ip("10.9.9.9"), 1));
        heard.record(ip("10.9.9.9"), 1);
        heard.record(ip("10.8.8.8"), 1);
        assert!(
            heard.contains(ip("10.9.9.9"), 1),
            "a repeated sender is kept fresh"
        );
        assert!(!heard.contains(ip("10.9.9.9"), 2));
        assert_eq!(heard.senders.len(), Heard::MAX);
        // Least recently heard first: 3..=256, then 1 (heard again), then 10.8.8.8.
        assert_eq!(heard.senders.first(), Some(&(ip("10.9.9.9"), 3)));
        assert_eq!(heard.senders[Heard::MAX - 2], (ip("10.9.9.9"), 1));
        assert_eq!(heard.senders.last(), Some(&(ip("10.8.8.8"), 1)));
    }

    #[test]
    fn prefixes() {
        assert_eq!(allowed_prefix([true, true, false, true]), Some(2));
        assert_eq!(allowed_prefix([false, true]), None);
        assert_eq!(allowed_prefix([true]), Some(1));
        assert_eq!(allowed_prefix([]), Some(0));
    }
}
