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
        let result = match rules.access {
            NetAccess::Deny => Err(ErrorCode::AccessDenied),
            NetAccess::Rules if !rules.has_tcp() => Err(ErrorCode::AccessDenied),
            NetAccess::Host | NetAccess::Rules => host::create_tcp_socket(address_family.into())
                .map(TcpSocket::from_host)
                .map_err(ErrorCode::from),
        };
        trace!(
            "wasi:sockets/tcp-create-socket#create-tcp-socket({}) -> {}",
            crate::trace::case(&address_family),
            crate::trace::outcome(&result)
        );
        result
    }
}
