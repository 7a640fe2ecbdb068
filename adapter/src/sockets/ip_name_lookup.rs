//! `wasi:sockets/ip-name-lookup`: the host's resolver, its address streams wrapped. Under rules,
//! a name no rule allows is `access-denied`, and every address a lookup returns is pinned to
//! the name, which is what lets a name rule allow it. An address written out (`127.0.0.1`,
//! `[::1]`, `127.1`: see `virtc_policy::literal`) is answered here, without the host, whose
//! lookups may be off although the address is allowed (wasmtime refuses even literals then).

use crate::prelude::*;

use core::cell::Cell;
use core::net::IpAddr;

use super::network::Network;
use crate::Adapter;
use crate::bindings::exports::wasi::io::poll::Pollable;
use crate::bindings::exports::wasi::sockets::ip_name_lookup::{
    self as api, ErrorCode, IpAddress, NetworkBorrow,
};
use crate::bindings::wasi::sockets::ip_name_lookup as host;
use crate::io::poll;
use virtc_policy::literal::{self, Host};
use virtc_policy::net::{NetAccess, normalize_name};

/// The adapter's `resolve-address-stream` resource.
pub enum ResolveAddressStream {
    /// The host's lookup, its addresses pinned to the normalized name (none when the network
    /// is passed through).
    Host {
        host: host::ResolveAddressStream,
        pin_to: Option<String>,
    },
    /// An address written out: returned once, then the end of the stream.
    Literal(Cell<Option<IpAddr>>),
}

/// `resolve-addresses`, untraced.
fn resolve(network: NetworkBorrow<'_>, name: &str) -> Result<api::ResolveAddressStream, ErrorCode> {
    let rules = super::rules();
    let pin_to = match rules.access {
        NetAccess::Deny => return Err(ErrorCode::AccessDenied),
        NetAccess::Host => None,
        NetAccess::Rules => match literal::classify(name) {
            // No lookup: the address is checked where it is used.
            Host::Address(ip) => {
                Network::host(network)?;
                let stream = ResolveAddressStream::Literal(Cell::new(Some(ip)));
                return Ok(api::ResolveAddressStream::new(stream));
            }
            Host::BadAddress => return Err(ErrorCode::InvalidArgument),
            Host::Name => {
                let normalized = normalize_name(name);
                if !rules.may_resolve(&normalized) {
                    return Err(ErrorCode::AccessDenied);
                }
                Some(normalized)
            }
        },
    };
    let host = host::resolve_addresses(Network::host(network)?, name)?;
    Ok(api::ResolveAddressStream::new(ResolveAddressStream::Host {
        host,
        pin_to,
    }))
}

impl api::Guest for Adapter {
    type ResolveAddressStream = ResolveAddressStream;

    fn resolve_addresses(
        network: NetworkBorrow<'_>,
        name: String,
    ) -> Result<api::ResolveAddressStream, ErrorCode> {
        let result = resolve(network, &name);
        trace!(
            "wasi:sockets/ip-name-lookup#resolve-addresses({name:?}) -> {}",
            crate::trace::outcome(&result)
        );
        result
    }
}

impl ResolveAddressStream {
    /// `resolve-next-address`, untraced.
    fn next(&self) -> Result<Option<IpAddress>, ErrorCode> {
        let (host, pin_to) = match self {
            ResolveAddressStream::Literal(ip) => return Ok(ip.take().map(super::wasi_ip)),
            ResolveAddressStream::Host { host, pin_to } => (host, pin_to),
        };
        let next = host.resolve_next_address()?.map(IpAddress::from);
        if let (Some(address), Some(name)) = (&next, pin_to) {
            let ip = super::ip(address);
            // A full table pins no more: the address is then reachable only by IP rules.
            super::with_pins(|pins| pins.pin(ip, name));
        }
        Ok(next)
    }
}

impl api::GuestResolveAddressStream for ResolveAddressStream {
    fn resolve_next_address(&self) -> Result<Option<IpAddress>, ErrorCode> {
        let result = self.next();
        trace!(
            "wasi:sockets/ip-name-lookup#resolve-next-address() -> {}",
            crate::trace::outcome_with(&result, |next| match next {
                Some(address) => super::ip(address).to_string(),
                None => "none".into(),
            })
        );
        result
    }

    fn subscribe(&self) -> Pollable {
        trace!("wasi:sockets/ip-name-lookup#subscribe()");
        match self {
            ResolveAddressStream::Literal(_) => poll::ready(),
            ResolveAddressStream::Host { host, .. } => poll::from_host(host.subscribe()),
        }
    }
}
