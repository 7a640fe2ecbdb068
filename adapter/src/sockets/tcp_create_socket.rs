//! `wasi:sockets/tcp-create-socket`: new host TCP sockets, wrapped; `access-denied` when no rule
//! allows TCP.

use super::tcp::TcpSocket;
use crate::Adapter;
use crate::bindings::exports::wasi::sockets::tcp as api_tcp;
use crate::bindings::exports::wasi::sockets::tcp_create_socket::{
    self as api, ErrorCode, IpAddressFamily,
};
use crate::bindings::wasi::sockets::tcp_create_socket as host;
use virtc_policy::net::NetAccess;

impl api::Guest for Adapter {
    fn create_tcp_socket(address_family: IpAddressFamily) -> Result<api_tcp::TcpSocket, ErrorCode> {
        let rules = super::rules();
        match rules.access {
            NetAccess::Deny => return Err(ErrorCode::AccessDenied),
            NetAccess::Rules if !rules.has_tcp() => return Err(ErrorCode::AccessDenied),
            NetAccess::Host | NetAccess::Rules => {}
        }
        Ok(TcpSocket::from_host(host::create_tcp_socket(
            address_family.into(),
        )?))
    }
}
