//! `wasi:sockets/tcp`: the adapter's `tcp-socket`, a host socket whose streams and pollables
//! come back wrapped. Under rules, binding, listening and connecting are checked first:
//! `tcp listen` rules allow binding (then listening and accepting from any peer), `tcp connect`
//! rules connecting and the ephemeral bind a connect makes.

use core::cell::Cell;

use super::network::Network;
use crate::Adapter;
use crate::bindings::exports::wasi::sockets::tcp::{
    self as api, Duration, ErrorCode, InputStream, IpAddressFamily, IpSocketAddress, NetworkBorrow,
    OutputStream, Pollable, ShutdownType,
};
use crate::bindings::wasi::sockets::tcp as host;
use crate::io::poll;
use crate::io::streams::{input_from_host, output_from_host};
use virtc_policy::net::Network as Rules;
use virtc_policy::pins::Bind;

/// The adapter's `tcp-socket` resource.
pub struct TcpSocket {
    host: host::TcpSocket,
    /// Bound to an address a `tcp listen` rule allows: it may listen.
    may_listen: Cell<bool>,
}

impl TcpSocket {
    /// Wraps a host socket into the adapter's resource.
    pub fn from_host(host: host::TcpSocket) -> api::TcpSocket {
        api::TcpSocket::new(TcpSocket {
            host,
            may_listen: Cell::new(false),
        })
    }
}

impl api::Guest for Adapter {
    type TcpSocket = TcpSocket;
}

impl TcpSocket {
    /// `start-bind`, untraced.
    fn bind(
        &self,
        network: NetworkBorrow<'_>,
        local_address: IpSocketAddress,
    ) -> Result<(), ErrorCode> {
        let mut listen = false;
        if super::filtered() {
            let (ip, port) = super::ip_port(&local_address);
            match super::with_names(ip, |names| super::rules().tcp_bind(ip, port, names)) {
                None => return Err(ErrorCode::AccessDenied),
                Some(bind) => listen = bind == Bind::Rule,
            }
        }
        self.host
            .start_bind(Network::host(network)?, local_address.into())?;
        self.may_listen.set(listen);
        Ok(())
    }

    /// `start-connect`, untraced.
    fn connect(
        &self,
        network: NetworkBorrow<'_>,
        remote_address: IpSocketAddress,
    ) -> Result<(), ErrorCode> {
        if super::filtered() {
            let (ip, port) = super::ip_port(&remote_address);
            if !super::allowed(Rules::may_connect, ip, port) {
                return Err(ErrorCode::AccessDenied);
            }
        }
        Ok(self
            .host
            .start_connect(Network::host(network)?, remote_address.into())?)
    }
}

impl api::GuestTcpSocket for TcpSocket {
    fn start_bind(
        &self,
        network: NetworkBorrow<'_>,
        local_address: IpSocketAddress,
    ) -> Result<(), ErrorCode> {
        let result = self.bind(network, local_address);
        trace!(
            "wasi:sockets/tcp#start-bind({}) -> {}",
            super::socket_addr(&local_address),
            crate::trace::outcome(&result)
        );
        result
    }

    fn finish_bind(&self) -> Result<(), ErrorCode> {
        let result = self.host.finish_bind().map_err(ErrorCode::from);
        trace!(
            "wasi:sockets/tcp#finish-bind() -> {}",
            crate::trace::outcome(&result)
        );
        result
    }

    fn start_connect(
        &self,
        network: NetworkBorrow<'_>,
        remote_address: IpSocketAddress,
    ) -> Result<(), ErrorCode> {
        let result = self.connect(network, remote_address);
        trace!(
            "wasi:sockets/tcp#start-connect({}) -> {}",
            super::socket_addr(&remote_address),
            crate::trace::outcome(&result)
        );
        result
    }

    fn finish_connect(&self) -> Result<(InputStream, OutputStream), ErrorCode> {
        let result = self
            .host
            .finish_connect()
            .map(|(input, output)| (input_from_host(input), output_from_host(output)))
            .map_err(ErrorCode::from);
        trace!(
            "wasi:sockets/tcp#finish-connect() -> {}",
            crate::trace::outcome(&result)
        );
        result
    }

    fn start_listen(&self) -> Result<(), ErrorCode> {
        // Unbound, the host would bind an ephemeral address implicitly: no rule names that.
        let result = if super::filtered() && !self.may_listen.get() {
            Err(ErrorCode::AccessDenied)
        } else {
            self.host.start_listen().map_err(ErrorCode::from)
        };
        trace!(
            "wasi:sockets/tcp#start-listen() -> {}",
            crate::trace::outcome(&result)
        );
        result
    }

    fn finish_listen(&self) -> Result<(), ErrorCode> {
        let result = self.host.finish_listen().map_err(ErrorCode::from);
        trace!(
            "wasi:sockets/tcp#finish-listen() -> {}",
            crate::trace::outcome(&result)
        );
        result
    }

    fn accept(&self) -> Result<(api::TcpSocket, InputStream, OutputStream), ErrorCode> {
        let result = self
            .host
            .accept()
            .map(|(socket, input, output)| {
                (
                    TcpSocket::from_host(socket),
                    input_from_host(input),
                    output_from_host(output),
                )
            })
            .map_err(ErrorCode::from);
        trace!(
            "wasi:sockets/tcp#accept() -> {}",
            crate::trace::outcome(&result)
        );
        result
    }

    fn local_address(&self) -> Result<IpSocketAddress, ErrorCode> {
        let result = self
            .host
            .local_address()
            .map(IpSocketAddress::from)
            .map_err(ErrorCode::from);
        trace!(
            "wasi:sockets/tcp#local-address() -> {}",
            crate::trace::outcome_with(&result, super::socket_addr)
        );
        result
    }

    fn remote_address(&self) -> Result<IpSocketAddress, ErrorCode> {
        let result = self
            .host
            .remote_address()
            .map(IpSocketAddress::from)
            .map_err(ErrorCode::from);
        trace!(
            "wasi:sockets/tcp#remote-address() -> {}",
            crate::trace::outcome_with(&result, super::socket_addr)
        );
        result
    }

    fn is_listening(&self) -> bool {
        let listening = self.host.is_listening();
        trace!("wasi:sockets/tcp#is-listening() -> {listening}");
        listening
    }

    fn address_family(&self) -> IpAddressFamily {
        let family = self.host.address_family().into();
        trace!(
            "wasi:sockets/tcp#address-family() -> {}",
            crate::trace::case(&family)
        );
        family
    }

    setter!("tcp": set_listen_backlog_size "set-listen-backlog-size" (u64));
    getter!("tcp": keep_alive_enabled "keep-alive-enabled" -> bool);
    setter!("tcp": set_keep_alive_enabled "set-keep-alive-enabled" (bool));
    getter!("tcp": keep_alive_idle_time "keep-alive-idle-time" -> Duration);
    setter!("tcp": set_keep_alive_idle_time "set-keep-alive-idle-time" (Duration));
    getter!("tcp": keep_alive_interval "keep-alive-interval" -> Duration);
    setter!("tcp": set_keep_alive_interval "set-keep-alive-interval" (Duration));
    getter!("tcp": keep_alive_count "keep-alive-count" -> u32);
    setter!("tcp": set_keep_alive_count "set-keep-alive-count" (u32));
    getter!("tcp": hop_limit "hop-limit" -> u8);
    setter!("tcp": set_hop_limit "set-hop-limit" (u8));
    getter!("tcp": receive_buffer_size "receive-buffer-size" -> u64);
    setter!("tcp": set_receive_buffer_size "set-receive-buffer-size" (u64));
    getter!("tcp": send_buffer_size "send-buffer-size" -> u64);
    setter!("tcp": set_send_buffer_size "set-send-buffer-size" (u64));

    fn subscribe(&self) -> Pollable {
        trace!("wasi:sockets/tcp#subscribe()");
        poll::from_host(self.host.subscribe())
    }

    fn shutdown(&self, shutdown_type: ShutdownType) -> Result<(), ErrorCode> {
        let host_type = match shutdown_type {
            ShutdownType::Receive => host::ShutdownType::Receive,
            ShutdownType::Send => host::ShutdownType::Send,
            ShutdownType::Both => host::ShutdownType::Both,
        };
        let result = self.host.shutdown(host_type).map_err(ErrorCode::from);
        trace!(
            "wasi:sockets/tcp#shutdown({}) -> {}",
            crate::trace::case(&shutdown_type),
            crate::trace::outcome(&result)
        );
        result
    }
}
