//! `wasi:sockets/udp`: the adapter's `udp-socket` and datagram streams, host ones whose
//! pollables come back wrapped. Under rules: a `udp bind` rule allows binding its address and
//! receiving from anyone (and replying to senders heard from); a `udp send` rule allows the
//! ephemeral bind, sending to its destinations and receiving from them only. Datagrams from
//! anyone else are dropped; a send whose first destination is denied is `access-denied`, one
//! with a denied destination later sends the datagrams before it.

use crate::prelude::*;

use alloc::rc::Rc;
use core::cell::Cell;

use super::network::Network;
use crate::Adapter;
use crate::bindings::exports::wasi::sockets::udp::{
    self as api, ErrorCode, IncomingDatagram, IpAddressFamily, IpSocketAddress, NetworkBorrow,
    OutgoingDatagram, Pollable,
};
use crate::bindings::wasi::sockets::udp as host;
use crate::io::poll;
use virtc_policy::net::Network as Rules;
use virtc_policy::pins::{Bind, Heard, allowed_prefix};

/// What a socket and its streams share under rules.
#[derive(Default)]
struct Filter {
    /// Bound to an address a `udp bind` rule allows: receives from anyone.
    open: Cell<bool>,
    /// The senders an open socket has received from (it may reply to them). A `Cell`, taken and
    /// put back, rather than a `RefCell`, whose borrow checks could panic.
    heard: Cell<Heard>,
}

impl Filter {
    /// Whether a datagram may go to `address`.
    fn may_send(&self, address: &IpSocketAddress) -> bool {
        let (ip, port) = super::ip_port(address);
        super::allowed(Rules::may_send_udp, ip, port)
            || (self.open.get() && {
                let heard = self.heard.take();
                let known = heard.contains(ip, port);
                self.heard.set(heard);
                known
            })
    }

    /// Whether a datagram from `address` reaches the component (and, if so, notes the sender).
    fn may_receive(&self, address: &IpSocketAddress) -> bool {
        let (ip, port) = super::ip_port(address);
        if self.open.get() {
            let mut heard = self.heard.take();
            heard.record(ip, port);
            self.heard.set(heard);
            return true;
        }
        super::allowed(Rules::may_send_udp, ip, port)
    }
}

/// The adapter's `udp-socket` resource.
pub struct UdpSocket {
    host: host::UdpSocket,
    /// Under rules: what the socket may send to and receive from.
    filter: Option<Rc<Filter>>,
}

/// The adapter's `incoming-datagram-stream` resource.
pub struct IncomingDatagramStream {
    host: host::IncomingDatagramStream,
    filter: Option<Rc<Filter>>,
}

/// The adapter's `outgoing-datagram-stream` resource.
pub struct OutgoingDatagramStream {
    host: host::OutgoingDatagramStream,
    filter: Option<Rc<Filter>>,
    /// The remote address given to `stream`, where datagrams without one go.
    remote: Option<IpSocketAddress>,
}

impl UdpSocket {
    /// Wraps a host socket into the adapter's resource.
    pub fn from_host(host: host::UdpSocket) -> api::UdpSocket {
        let filter = super::filtered().then(Rc::default);
        api::UdpSocket::new(UdpSocket { host, filter })
    }
}

impl api::Guest for Adapter {
    type UdpSocket = UdpSocket;
    type IncomingDatagramStream = IncomingDatagramStream;
    type OutgoingDatagramStream = OutgoingDatagramStream;
}

impl UdpSocket {
    /// `start-bind`, untraced.
    fn bind(
        &self,
        network: NetworkBorrow<'_>,
        local_address: IpSocketAddress,
    ) -> Result<(), ErrorCode> {
        let mut open = false;
        if self.filter.is_some() {
            let (ip, port) = super::ip_port(&local_address);
            match super::with_names(ip, |names| super::rules().udp_bind(ip, port, names)) {
                None => return Err(ErrorCode::AccessDenied),
                Some(bind) => open = bind == Bind::Rule,
            }
        }
        self.host
            .start_bind(Network::host(network)?, local_address.into())?;
        if let Some(filter) = &self.filter {
            filter.open.set(open);
        }
        Ok(())
    }

    /// `stream`, untraced.
    fn streams(
        &self,
        remote_address: Option<IpSocketAddress>,
    ) -> Result<(api::IncomingDatagramStream, api::OutgoingDatagramStream), ErrorCode> {
        if let (Some(filter), Some(remote)) = (&self.filter, &remote_address)
            && !filter.may_send(remote)
        {
            return Err(ErrorCode::AccessDenied);
        }
        let (incoming, outgoing) = self.host.stream(remote_address.map(Into::into))?;
        Ok((
            api::IncomingDatagramStream::new(IncomingDatagramStream {
                host: incoming,
                filter: self.filter.clone(),
            }),
            api::OutgoingDatagramStream::new(OutgoingDatagramStream {
                host: outgoing,
                filter: self.filter.clone(),
                remote: remote_address,
            }),
        ))
    }
}

impl api::GuestUdpSocket for UdpSocket {
    fn start_bind(
        &self,
        network: NetworkBorrow<'_>,
        local_address: IpSocketAddress,
    ) -> Result<(), ErrorCode> {
        let result = self.bind(network, local_address);
        trace!(
            "wasi:sockets/udp#start-bind({}) -> {}",
            super::socket_addr(&local_address),
            crate::trace::outcome(&result)
        );
        result
    }

    fn finish_bind(&self) -> Result<(), ErrorCode> {
        let result = self.host.finish_bind().map_err(ErrorCode::from);
        trace!(
            "wasi:sockets/udp#finish-bind() -> {}",
            crate::trace::outcome(&result)
        );
        result
    }

    fn stream(
        &self,
        remote_address: Option<IpSocketAddress>,
    ) -> Result<(api::IncomingDatagramStream, api::OutgoingDatagramStream), ErrorCode> {
        let result = self.streams(remote_address);
        trace!(
            "wasi:sockets/udp#stream({}) -> {}",
            super::socket_addr_or_none(remote_address.as_ref()),
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
            "wasi:sockets/udp#local-address() -> {}",
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
            "wasi:sockets/udp#remote-address() -> {}",
            crate::trace::outcome_with(&result, super::socket_addr)
        );
        result
    }

    fn address_family(&self) -> IpAddressFamily {
        let family = self.host.address_family().into();
        trace!(
            "wasi:sockets/udp#address-family() -> {}",
            crate::trace::case(&family)
        );
        family
    }

    getter!("udp": unicast_hop_limit "unicast-hop-limit" -> u8);
    setter!("udp": set_unicast_hop_limit "set-unicast-hop-limit" (u8));
    getter!("udp": receive_buffer_size "receive-buffer-size" -> u64);
    setter!("udp": set_receive_buffer_size "set-receive-buffer-size" (u64));
    getter!("udp": send_buffer_size "send-buffer-size" -> u64);
    setter!("udp": set_send_buffer_size "set-send-buffer-size" (u64));

    fn subscribe(&self) -> Pollable {
        trace!("wasi:sockets/udp#subscribe()");
        poll::from_host(self.host.subscribe())
    }
}

impl api::GuestIncomingDatagramStream for IncomingDatagramStream {
    fn receive(&self, max_results: u64) -> Result<Vec<IncomingDatagram>, ErrorCode> {
        let result: Result<Vec<_>, _> = self
            .host
            .receive(max_results)
            .map_err(ErrorCode::from)
            .map(|received| {
                let received = received.into_iter().map(|d| IncomingDatagram {
                    data: d.data,
                    remote_address: d.remote_address.into(),
                });
                match &self.filter {
                    None => received.collect(),
                    // Dropped as a firewall would: the component never learns they came.
                    Some(filter) => received
                        .filter(|d| filter.may_receive(&d.remote_address))
                        .collect(),
                }
            });
        trace!(
            "wasi:sockets/udp#receive({max_results}) -> {}",
            crate::trace::outcome_with(&result, |datagrams| format!(
                "[{}]",
                crate::trace::list(
                    datagrams
                        .iter()
                        .map(|d| super::socket_addr(&d.remote_address))
                )
            ))
        );
        result
    }

    fn subscribe(&self) -> Pollable {
        trace!("wasi:sockets/udp#subscribe()");
        poll::from_host(self.host.subscribe())
    }
}

impl OutgoingDatagramStream {
    /// `send`, untraced.
    fn send_all(&self, mut datagrams: Vec<OutgoingDatagram>) -> Result<u64, ErrorCode> {
        if let Some(filter) = &self.filter {
            let allowed = datagrams.iter().map(|d| {
                // Without an address (and none given to `stream`) the host refuses it.
                d.remote_address
                    .as_ref()
                    .or(self.remote.as_ref())
                    .is_none_or(|to| filter.may_send(to))
            });
            let count = allowed_prefix(allowed).ok_or(ErrorCode::AccessDenied)?;
            datagrams.truncate(count);
        }
        let datagrams: Vec<host::OutgoingDatagram> = datagrams
            .into_iter()
            .map(|d| host::OutgoingDatagram {
                data: d.data,
                remote_address: d.remote_address.map(Into::into),
            })
            .collect();
        Ok(self.host.send(&datagrams)?)
    }
}

impl api::GuestOutgoingDatagramStream for OutgoingDatagramStream {
    fn check_send(&self) -> Result<u64, ErrorCode> {
        let result = self.host.check_send().map_err(ErrorCode::from);
        trace!(
            "wasi:sockets/udp#check-send() -> {}",
            crate::trace::value(&result)
        );
        result
    }

    fn send(&self, datagrams: Vec<OutgoingDatagram>) -> Result<u64, ErrorCode> {
        // Each datagram's own destination (`none`: the one given to `stream`).
        let to = crate::trace::list(
            datagrams
                .iter()
                .map(|d| super::socket_addr_or_none(d.remote_address.as_ref())),
        );
        let result = self.send_all(datagrams);
        trace!(
            "wasi:sockets/udp#send([{to}]) -> {}",
            crate::trace::value(&result)
        );
        result
    }

    fn subscribe(&self) -> Pollable {
        trace!("wasi:sockets/udp#subscribe()");
        poll::from_host(self.host.subscribe())
    }
}
