//! What the adapter remembers while it enforces network rules: which allowed names each
//! resolved address came from (so a name rule allows exactly the addresses its lookups
//! returned), and which senders a `udp bind` socket has heard from (so it may reply to them).
//! Both are bounded, so a component cannot grow the adapter's memory by looking names up.

use std::net::IpAddr;

use crate::net::canonical;

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
        if let Some(i) = self.senders.iter().position(|s| *s == sender) {
            self.senders.remove(i);
        } else if self.senders.len() >= Self::MAX {
            self.senders.remove(0);
        }
        self.senders.push(sender);
    }

    pub fn contains(&self, ip: IpAddr, port: u16) -> bool {
        self.senders.contains(&(canonical(ip), port))
    }
}

/// Whether a name passed to `resolve-addresses` is an IP address written out (no DNS is
/// involved: the host returns it as it is).
pub fn is_ip_literal(name: &str) -> bool {
    let bare = name
        .strip_prefix('[')
        .and_then(|n| n.strip_suffix(']'))
        .unwrap_or(name);
    bare.parse::<IpAddr>().is_ok()
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
    }

    #[test]
    fn literals_and_prefixes() {
        assert!(is_ip_literal("127.0.0.1"));
        assert!(is_ip_literal("::1"));
        assert!(is_ip_literal("[::1]"));
        assert!(!is_ip_literal("localhost"));
        assert!(!is_ip_literal("1.2.3.4.example"));
        assert_eq!(allowed_prefix([true, true, false, true]), Some(2));
        assert_eq!(allowed_prefix([false, true]), None);
        assert_eq!(allowed_prefix([true]), Some(1));
        assert_eq!(allowed_prefix([]), Some(0));
    }
}
