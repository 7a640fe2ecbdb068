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
        match rules.access {
            NetAccess::Deny => return Err(ErrorCode::AccessDenied),
            NetAccess::Rules if !rules.has_udp() => return Err(ErrorCode::AccessDenied),
            NetAccess::Host | NetAccess::Rules => {}
        }
        Ok(UdpSocket::from_host(host::create_udp_socket(
            address_family.into(),
        )?))
    }
}
