//! `wasi:sockets/network`: the adapter's `network` resource, and the conversions between the
//! host's socket values and the adapter's (the same WIT, distinct Rust types), shared by TCP, UDP
//! and name lookup.

use crate::Adapter;
use crate::bindings::exports::wasi::sockets::network as api;
use crate::bindings::wasi::sockets::network as host;

/// The adapter's `network` resource: a host network, or none when the network is denied.
pub struct Network {
    host: Option<host::Network>,
}

impl Network {
    /// Wraps a host network into the adapter's resource.
    pub fn from_host(host: host::Network) -> api::Network {
        api::Network::new(Network { host: Some(host) })
    }

    /// The network of a policy that denies it: nothing behind it.
    pub fn virtual_network() -> api::Network {
        api::Network::new(Network { host: None })
    }

    /// The host network behind a borrowed one (`access-denied` for the virtual network, which
    /// no socket can use anyway, since none can be created).
    pub fn host(network: api::NetworkBorrow<'_>) -> Result<&host::Network, api::ErrorCode> {
        network
            .get::<Network>()
            .host
            .as_ref()
            .ok_or(api::ErrorCode::AccessDenied)
    }
}

impl api::Guest for Adapter {
    type Network = Network;
}

impl api::GuestNetwork for Network {}

/// Implements `From` between the host's and the adapter's version of an enum whose cases are
/// spelled alike on both sides, in the direction given.
macro_rules! map_enum {
    ($from:ident::$ty:ident -> $to:ident { $($case:ident),* $(,)? }) => {
        impl From<$from::$ty> for $to::$ty {
            fn from(value: $from::$ty) -> Self {
                match value {
                    $($from::$ty::$case => $to::$ty::$case,)*
                }
            }
        }
    };
}

map_enum!(host::ErrorCode -> api {
    Unknown, AccessDenied, NotSupported, InvalidArgument, OutOfMemory, Timeout,
    ConcurrencyConflict, NotInProgress, WouldBlock, InvalidState, NewSocketLimit,
    AddressNotBindable, AddressInUse, RemoteUnreachable, ConnectionRefused, ConnectionReset,
    ConnectionAborted, DatagramTooLarge, NameUnresolvable, TemporaryResolverFailure,
    PermanentResolverFailure,
});

map_enum!(host::IpAddressFamily -> api { Ipv4, Ipv6 });
map_enum!(api::IpAddressFamily -> host { Ipv4, Ipv6 });

impl From<host::IpAddress> for api::IpAddress {
    fn from(address: host::IpAddress) -> Self {
        match address {
            host::IpAddress::Ipv4(a) => api::IpAddress::Ipv4(a),
            host::IpAddress::Ipv6(a) => api::IpAddress::Ipv6(a),
        }
    }
}

/// Implements `From` between the host's and the adapter's `ip-socket-address`, in the direction
/// given. (The address tuples are the same Rust types on both sides.)
macro_rules! map_socket_address {
    ($from:ident -> $to:ident) => {
        impl From<$from::IpSocketAddress> for $to::IpSocketAddress {
            fn from(address: $from::IpSocketAddress) -> Self {
                match address {
                    $from::IpSocketAddress::Ipv4(a) => {
                        $to::IpSocketAddress::Ipv4($to::Ipv4SocketAddress {
                            port: a.port,
                            address: a.address,
                        })
                    }
                    $from::IpSocketAddress::Ipv6(a) => {
                        $to::IpSocketAddress::Ipv6($to::Ipv6SocketAddress {
                            port: a.port,
                            flow_info: a.flow_info,
                            address: a.address,
                            scope_id: a.scope_id,
                        })
                    }
                }
            }
        }
    };
}

map_socket_address!(host -> api);
map_socket_address!(api -> host);
