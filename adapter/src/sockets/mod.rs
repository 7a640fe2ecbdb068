//! `wasi:sockets`: the network as the policy says (`virtc_policy::net`).
//!
//! - `allow sockets;`: the host's sockets, each wrapped in an adapter resource so that the
//!   streams, pollables and errors they hand out are the adapter's `wasi:io` ones; every call
//!   forwards unchanged.
//! - denied (the default): a virtual network without a host behind it. Creating a socket and
//!   looking a name up are `access-denied`; the compiler strips the host's `wasi:sockets`
//!   imports, so nothing here may call one.
//! - `tcp`/`udp`/`dns` rules: the host's sockets, every call checked first. A denial is
//!   `access-denied` where the call can fail, and a datagram from a sender no rule allows is
//!   dropped. Names are pinned to the addresses their lookups returned ([`pins`]).

use crate::prelude::*;

/// `fn $name(&self) -> Result<$ty, ErrorCode>`, forwarded to `self.host`; traced as
/// `wasi:sockets/$iface#$wit() -> ok(VALUE)`.
macro_rules! getter {
    ($iface:literal: $name:ident $wit:literal -> $ty:ty) => {
        fn $name(&self) -> Result<$ty, ErrorCode> {
            let result = self.host.$name().map_err(ErrorCode::from);
            trace!(
                concat!("wasi:sockets/", $iface, "#", $wit, "() -> {}"),
                crate::trace::value(&result)
            );
            result
        }
    };
}

/// `fn $name(&self, value: $ty) -> Result<(), ErrorCode>`, forwarded to `self.host`; traced as
/// `wasi:sockets/$iface#$wit(VALUE) -> ok`.
macro_rules! setter {
    ($iface:literal: $name:ident $wit:literal ($ty:ty)) => {
        fn $name(&self, value: $ty) -> Result<(), ErrorCode> {
            let result = self.host.$name(value).map_err(ErrorCode::from);
            trace!(
                concat!("wasi:sockets/", $iface, "#", $wit, "({}) -> {}"),
                value,
                crate::trace::outcome(&result)
            );
            result
        }
    };
}

mod instance_network;
mod ip_name_lookup;
mod network;
mod tcp;
mod tcp_create_socket;
mod udp;
mod udp_create_socket;

use core::cell::UnsafeCell;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV6};

use virtc_policy::net::{NetAccess, Network};
use virtc_policy::pins::Pins;

use crate::bindings::exports::wasi::sockets::network::{IpAddress, IpSocketAddress};

/// The network part of the policy.
fn rules() -> &'static Network {
    crate::policy::net()
}

/// Whether calls are checked against rules (else they forward, or the network is virtual).
fn filtered() -> bool {
    rules().access == NetAccess::Rules
}

/// The instance's pinned addresses.
struct PinTable(UnsafeCell<Pins>);

// SAFETY: wasm32 without threads; nothing here is ever shared across threads.
unsafe impl Sync for PinTable {}

static PINS: PinTable = PinTable(UnsafeCell::new(Pins::new()));

/// Runs `f` on the pinned addresses.
fn with_pins<R>(f: impl FnOnce(&mut Pins) -> R) -> R {
    // SAFETY: single-threaded, and `f` (code of this module, which never re-enters) holds the
    // only reference while it runs.
    f(unsafe { &mut *PINS.0.get() })
}

/// Runs `f` on the names `ip` was resolved from (none for an address no allowed lookup
/// returned).
fn with_names<R>(ip: IpAddr, f: impl FnOnce(&[&str]) -> R) -> R {
    with_pins(|pins| f(&pins.names(ip)))
}

/// Checks `ip:port` with one of `Network`'s `may_*` functions, given the names pinned to it.
fn allowed(check: fn(&Network, IpAddr, u16, &[&str]) -> bool, ip: IpAddr, port: u16) -> bool {
    with_names(ip, |names| check(rules(), ip, port, names))
}

fn ip(address: &IpAddress) -> IpAddr {
    match *address {
        IpAddress::Ipv4((a, b, c, d)) => IpAddr::V4(Ipv4Addr::new(a, b, c, d)),
        IpAddress::Ipv6((a, b, c, d, e, f, g, h)) => {
            IpAddr::V6(Ipv6Addr::new(a, b, c, d, e, f, g, h))
        }
    }
}

/// The adapter's form of `ip`.
fn wasi_ip(ip: IpAddr) -> IpAddress {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, d] = v4.octets();
            IpAddress::Ipv4((a, b, c, d))
        }
        IpAddr::V6(v6) => {
            let [a, b, c, d, e, f, g, h] = v6.segments();
            IpAddress::Ipv6((a, b, c, d, e, f, g, h))
        }
    }
}

/// The address and port of a socket address.
fn ip_port(address: &IpSocketAddress) -> (IpAddr, u16) {
    match address {
        IpSocketAddress::Ipv4(a) => (ip(&IpAddress::Ipv4(a.address)), a.port),
        IpSocketAddress::Ipv6(a) => (ip(&IpAddress::Ipv6(a.address)), a.port),
    }
}

/// A socket address as traces show it, `SocketAddr`'s way: `127.0.0.1:80`, `[::1]:443`.
fn socket_addr(address: &IpSocketAddress) -> SocketAddr {
    match *address {
        IpSocketAddress::Ipv6(a) => {
            let (s0, s1, s2, s3, s4, s5, s6, s7) = a.address;
            let ip = Ipv6Addr::new(s0, s1, s2, s3, s4, s5, s6, s7);
            SocketAddr::V6(SocketAddrV6::new(ip, a.port, a.flow_info, a.scope_id))
        }
        IpSocketAddress::Ipv4(_) => {
            let (ip, port) = ip_port(address);
            SocketAddr::new(ip, port)
        }
    }
}

/// An optional socket address as traces show it: the address, or `none`.
fn socket_addr_or_none(address: Option<&IpSocketAddress>) -> String {
    address.map_or_else(|| "none".into(), |a| socket_addr(a).to_string())
}
