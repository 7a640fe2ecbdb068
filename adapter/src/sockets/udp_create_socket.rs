//! `wasi:sockets/udp-create-socket`: new host UDP sockets, wrapped.

use super::udp::UdpSocket;
use crate::Adapter;
use crate::bindings::exports::wasi::sockets::udp as api_udp;
use crate::bindings::exports::wasi::sockets::udp_create_socket::{
    self as api, ErrorCode, IpAddressFamily,
};
use crate::bindings::wasi::sockets::udp_create_socket as host;

impl api::Guest for Adapter {
    fn create_udp_socket(address_family: IpAddressFamily) -> Result<api_udp::UdpSocket, ErrorCode> {
        Ok(UdpSocket::from_host(host::create_udp_socket(
            address_family.into(),
        )?))
    }
}
