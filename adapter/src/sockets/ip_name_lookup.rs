//! `wasi:sockets/ip-name-lookup`: the host's resolver, its address streams wrapped. Under rules,
//! a name no rule allows is `access-denied`, and every address a lookup returns is pinned to
//! the name, which is what lets a name rule allow it.

use super::network::Network;
use crate::Adapter;
use crate::bindings::exports::wasi::io::poll::Pollable;
use crate::bindings::exports::wasi::sockets::ip_name_lookup::{
    self as api, ErrorCode, IpAddress, NetworkBorrow,
};
use crate::bindings::wasi::sockets::ip_name_lookup as host;
use crate::io::poll;
use virtc_policy::net::{NetAccess, normalize_name};
use virtc_policy::pins::is_ip_literal;

/// The adapter's `resolve-address-stream` resource.
pub struct ResolveAddressStream {
    host: host::ResolveAddressStream,
    /// The normalized name the addresses are pinned to (none for a pass-through lookup, or an
    /// IP address written out).
    pin_to: Option<String>,
}

impl api::Guest for Adapter {
    type ResolveAddressStream = ResolveAddressStream;

    fn resolve_addresses(
        network: NetworkBorrow<'_>,
        name: String,
    ) -> Result<api::ResolveAddressStream, ErrorCode> {
        let rules = super::rules();
        let pin_to = match rules.access {
            NetAccess::Deny => return Err(ErrorCode::AccessDenied),
            NetAccess::Host => None,
            // An address written out involves no lookup: it is as good as any rule's.
            NetAccess::Rules if is_ip_literal(&name) => {
                if !rules.has_tcp() && !rules.has_udp() {
                    return Err(ErrorCode::AccessDenied);
                }
                None
            }
            NetAccess::Rules => {
                let normalized = normalize_name(&name);
                if !rules.may_resolve(&normalized) {
                    return Err(ErrorCode::AccessDenied);
                }
                Some(normalized)
            }
        };
        let host = host::resolve_addresses(Network::host(network)?, &name)?;
        Ok(api::ResolveAddressStream::new(ResolveAddressStream {
            host,
            pin_to,
        }))
    }
}

impl api::GuestResolveAddressStream for ResolveAddressStream {
    fn resolve_next_address(&self) -> Result<Option<IpAddress>, ErrorCode> {
        let next = self.host.resolve_next_address()?.map(IpAddress::from);
        if let (Some(address), Some(name)) = (&next, &self.pin_to) {
            let ip = super::ip(address);
            // A full table pins no more: the address is then reachable only by IP rules.
            super::with_pins(|pins| pins.pin(ip, name));
        }
        Ok(next)
    }

    fn subscribe(&self) -> Pollable {
        poll::from_host(self.host.subscribe())
    }
}
