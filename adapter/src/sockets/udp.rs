//! `wasi:sockets/udp`: the adapter's `udp-socket` and datagram streams, host ones whose
//! pollables come back wrapped.

use super::network::Network;
use crate::Adapter;
use crate::bindings::exports::wasi::sockets::udp::{
    self as api, ErrorCode, IncomingDatagram, IpAddressFamily, IpSocketAddress, NetworkBorrow,
    OutgoingDatagram, Pollable,
};
use crate::bindings::wasi::sockets::udp as host;
use crate::io::poll;

/// The adapter's `udp-socket` resource.
pub struct UdpSocket {
    host: host::UdpSocket,
}

/// The adapter's `incoming-datagram-stream` resource.
pub struct IncomingDatagramStream {
    host: host::IncomingDatagramStream,
}

/// The adapter's `outgoing-datagram-stream` resource.
pub struct OutgoingDatagramStream {
    host: host::OutgoingDatagramStream,
}

impl UdpSocket {
    /// Wraps a host socket into the adapter's resource.
    pub fn from_host(host: host::UdpSocket) -> api::UdpSocket {
        api::UdpSocket::new(UdpSocket { host })
    }
}

impl api::Guest for Adapter {
    type UdpSocket = UdpSocket;
    type IncomingDatagramStream = IncomingDatagramStream;
    type OutgoingDatagramStream = OutgoingDatagramStream;
}

impl api::GuestUdpSocket for UdpSocket {
    fn start_bind(
        &self,
        network: NetworkBorrow<'_>,
        local_address: IpSocketAddress,
    ) -> Result<(), ErrorCode> {
        Ok(self
            .host
            .start_bind(Network::host(network), local_address.into())?)
    }

    fn finish_bind(&self) -> Result<(), ErrorCode> {
        Ok(self.host.finish_bind()?)
    }

    fn stream(
        &self,
        remote_address: Option<IpSocketAddress>,
    ) -> Result<(api::IncomingDatagramStream, api::OutgoingDatagramStream), ErrorCode> {
        let (incoming, outgoing) = self.host.stream(remote_address.map(Into::into))?;
        Ok((
            api::IncomingDatagramStream::new(IncomingDatagramStream { host: incoming }),
            api::OutgoingDatagramStream::new(OutgoingDatagramStream { host: outgoing }),
        ))
    }

    fn local_address(&self) -> Result<IpSocketAddress, ErrorCode> {
        Ok(self.host.local_address()?.into())
    }

    fn remote_address(&self) -> Result<IpSocketAddress, ErrorCode> {
        Ok(self.host.remote_address()?.into())
    }

    fn address_family(&self) -> IpAddressFamily {
        self.host.address_family().into()
    }

    fn unicast_hop_limit(&self) -> Result<u8, ErrorCode> {
        Ok(self.host.unicast_hop_limit()?)
    }

    fn set_unicast_hop_limit(&self, value: u8) -> Result<(), ErrorCode> {
        Ok(self.host.set_unicast_hop_limit(value)?)
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
}

impl api::GuestIncomingDatagramStream for IncomingDatagramStream {
    fn receive(&self, max_results: u64) -> Result<Vec<IncomingDatagram>, ErrorCode> {
        Ok(self
            .host
            .receive(max_results)?
            .into_iter()
            .map(|d| IncomingDatagram {
                data: d.data,
                remote_address: d.remote_address.into(),
            })
            .collect())
    }

    fn subscribe(&self) -> Pollable {
        poll::from_host(self.host.subscribe())
    }
}

impl api::GuestOutgoingDatagramStream for OutgoingDatagramStream {
    fn check_send(&self) -> Result<u64, ErrorCode> {
        Ok(self.host.check_send()?)
    }

    fn send(&self, datagrams: Vec<OutgoingDatagram>) -> Result<u64, ErrorCode> {
        let datagrams: Vec<host::OutgoingDatagram> = datagrams
            .into_iter()
            .map(|d| host::OutgoingDatagram {
                data: d.data,
                remote_address: d.remote_address.map(Into::into),
            })
            .collect();
        Ok(self.host.send(&datagrams)?)
    }

    fn subscribe(&self) -> Pollable {
        poll::from_host(self.host.subscribe())
    }
}
