//! `wasi:sockets/ip-name-lookup`: the host's resolver, its address streams wrapped.

use super::network::Network;
use crate::Adapter;
use crate::bindings::exports::wasi::io::poll::Pollable;
use crate::bindings::exports::wasi::sockets::ip_name_lookup::{
    self as api, ErrorCode, IpAddress, NetworkBorrow,
};
use crate::bindings::wasi::sockets::ip_name_lookup as host;
use crate::io::poll;

/// The adapter's `resolve-address-stream` resource.
pub struct ResolveAddressStream {
    host: host::ResolveAddressStream,
}

impl api::Guest for Adapter {
    type ResolveAddressStream = ResolveAddressStream;

    fn resolve_addresses(
        network: NetworkBorrow<'_>,
        name: String,
    ) -> Result<api::ResolveAddressStream, ErrorCode> {
        let host = host::resolve_addresses(Network::host(network), &name)?;
        Ok(api::ResolveAddressStream::new(ResolveAddressStream {
            host,
        }))
    }
}

impl api::GuestResolveAddressStream for ResolveAddressStream {
    fn resolve_next_address(&self) -> Result<Option<IpAddress>, ErrorCode> {
        Ok(self.host.resolve_next_address()?.map(IpAddress::from))
    }

    fn subscribe(&self) -> Pollable {
        poll::from_host(self.host.subscribe())
    }
}
