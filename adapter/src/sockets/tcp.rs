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

impl api::GuestTcpSocket for TcpSocket {
    fn start_bind(
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

    fn finish_bind(&self) -> Result<(), ErrorCode> {
        Ok(self.host.finish_bind()?)
    }

    fn start_connect(
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

    fn finish_connect(&self) -> Result<(InputStream, OutputStream), ErrorCode> {
        let (input, output) = self.host.finish_connect()?;
        Ok((input_from_host(input), output_from_host(output)))
    }

    fn start_listen(&self) -> Result<(), ErrorCode> {
        // Unbound, the host would bind an ephemeral address implicitly: no rule names that.
        if super::filtered() && !self.may_listen.get() {
            return Err(ErrorCode::AccessDenied);
        }
        Ok(self.host.start_listen()?)
    }

    fn finish_listen(&self) -> Result<(), ErrorCode> {
        Ok(self.host.finish_listen()?)
    }

    fn accept(&self) -> Result<(api::TcpSocket, InputStream, OutputStream), ErrorCode> {
        let (socket, input, output) = self.host.accept()?;
        Ok((
            TcpSocket::from_host(socket),
            input_from_host(input),
            output_from_host(output),
        ))
    }

    fn local_address(&self) -> Result<IpSocketAddress, ErrorCode> {
        Ok(self.host.local_address()?.into())
    }

    fn remote_address(&self) -> Result<IpSocketAddress, ErrorCode> {
        Ok(self.host.remote_address()?.into())
    }

    fn is_listening(&self) -> bool {
        self.host.is_listening()
    }

    fn address_family(&self) -> IpAddressFamily {
        self.host.address_family().into()
    }

    fn set_listen_backlog_size(&self, value: u64) -> Result<(), ErrorCode> {
        Ok(self.host.set_listen_backlog_size(value)?)
    }

    fn keep_alive_enabled(&self) -> Result<bool, ErrorCode> {
        Ok(self.host.keep_alive_enabled()?)
    }

    fn set_keep_alive_enabled(&self, value: bool) -> Result<(), ErrorCode> {
        Ok(self.host.set_keep_alive_enabled(value)?)
    }

    fn keep_alive_idle_time(&self) -> Result<Duration, ErrorCode> {
        Ok(self.host.keep_alive_idle_time()?)
    }

    fn set_keep_alive_idle_time(&self, value: Duration) -> Result<(), ErrorCode> {
        Ok(self.host.set_keep_alive_idle_time(value)?)
    }

    fn keep_alive_interval(&self) -> Result<Duration, ErrorCode> {
        Ok(self.host.keep_alive_interval()?)
    }

    fn set_keep_alive_interval(&self, value: Duration) -> Result<(), ErrorCode> {
        Ok(self.host.set_keep_alive_interval(value)?)
    }

    fn keep_alive_count(&self) -> Result<u32, ErrorCode> {
        Ok(self.host.keep_alive_count()?)
    }

    fn set_keep_alive_count(&self, value: u32) -> Result<(), ErrorCode> {
        Ok(self.host.set_keep_alive_count(value)?)
    }

    fn hop_limit(&self) -> Result<u8, ErrorCode> {
        Ok(self.host.hop_limit()?)
    }

    fn set_hop_limit(&self, value: u8) -> Result<(), ErrorCode> {
        Ok(self.host.set_hop_limit(value)?)
    }

    fn receive_buffer_size(&self) -> Result<u64, ErrorCode> {
        Ok(self.host.receive_buffer_size()?)
    }

    fn set_receive_buffer_size(&self, value: u64) -> Result<(), ErrorCode> {
        Ok(self.host.set_receive_buffer_size(value)?)
    }

    fn send_buffer_size(&self) -> Result<u64, ErrorCode> {
        Ok(self.host.send_buffer_size()?)
    }

    fn set_send_buffer_size(&self, value: u64) -> Result<(), ErrorCode> {
        Ok(self.host.set_send_buffer_size(value)?)
    }

    fn subscribe(&self) -> Pollable {
        poll::from_host(self.host.subscribe())
    }

    fn shutdown(&self, shutdown_type: ShutdownType) -> Result<(), ErrorCode> {
        let shutdown_type = match shutdown_type {
            ShutdownType::Receive => host::ShutdownType::Receive,
            ShutdownType::Send => host::ShutdownType::Send,
            ShutdownType::Both => host::ShutdownType::Both,
        };
        Ok(self.host.shutdown(shutdown_type)?)
    }
}
