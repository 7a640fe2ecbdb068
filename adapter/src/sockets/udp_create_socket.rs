//! `wasi:sockets/udp-create-socket`: new host UDP sockets, wrapped; `access-denied` when no rule
//! allows UDP.

use super::udp::UdpSocket;
use crate::Adapter;
use crate::bindings::exports::wasi::sockets::udp as api_udp;
use crate::bindings::exports::wasi::sockets::udp_create_socket::{
    self as api, ErrorCode, IpAddressFamily,
};
use crate::bindings::wasi::sockets::udp_create_socket as host;
use virtc_policy::net::NetAccess;

impl api::Guest for Adapter {
    fn create_udp_socket(address_family: IpAddressFamily) -> Result<api_udp::UdpSocket, ErrorCode> {
        let rules = super::rules();
        let result = match rules.access {
            NetAccess::Deny => Err(ErrorCode::AccessDenied),
            NetAccess::Rules if !rules.has_udp() => Err(ErrorCode::AccessDenied),
            NetAccess::Host | NetAccess::Rules => host::create_udp_socket(address_family.into())
                .map(UdpSocket::from_host)
                .map_err(ErrorCode::from),
        };
        trace!(
            "wasi:sockets/udp-create-socket#create-udp-socket({}) -> {}",
            crate::trace::case(&address_family),
            crate::trace::outcome(&result)
        );
        result
    }
}
