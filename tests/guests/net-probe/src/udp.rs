//! UDP steps through `wasi:sockets/udp`: send and wait for a reply, send to several
//! destinations in one call, or bind, receive one datagram and answer it.

use std::net::SocketAddr;

use wasi::sockets::network::Network;
use wasi::sockets::udp::{
    IncomingDatagram, IncomingDatagramStream, OutgoingDatagram, OutgoingDatagramStream, UdpSocket,
};
use wasi::sockets::udp_create_socket::create_udp_socket;

use crate::{Failed, family, from_wasi, to_wasi, wait};

/// Sends `text` to `to` from an ephemeral port and returns the first reply within
/// `wait::SHORT`, with its sender.
pub fn send_and_wait(
    network: &Network,
    to: SocketAddr,
    text: &str,
) -> Result<Option<(String, SocketAddr)>, Failed> {
    let unspecified = unspecified(&to);
    let (_socket, incoming, outgoing) = open(network, unspecified)?;
    send(&outgoing, &[(text, to)])?;
    Ok(receive(&incoming, wait::SHORT)?.map(|d| {
        let data = String::from_utf8_lossy(&d.data).to_string();
        (data, from_wasi(d.remote_address))
    }))
}

/// Sends one datagram `x` to each of `to` in a single `send` call; returns how many went.
pub fn send_many(network: &Network, to: &[SocketAddr]) -> Result<u64, Failed> {
    let (_socket, _incoming, outgoing) = open(network, unspecified(&to[0]))?;
    let datagrams: Vec<(&str, SocketAddr)> = to.iter().map(|a| ("x", *a)).collect();
    send(&outgoing, &datagrams)
}

/// Binds `local`, waits for one datagram, answers `echo:DATA` to its sender and, given
/// `other`, sends `x` there too.
pub fn bind_and_answer(
    network: &Network,
    local: SocketAddr,
    other: Option<SocketAddr>,
) -> Result<String, Failed> {
    let (_socket, incoming, outgoing) = open(network, local)?;
    let Some(datagram) = receive(&incoming, wait::LONG)? else {
        return Ok("timeout".to_string());
    };
    let data = String::from_utf8_lossy(&datagram.data).to_string();
    let sender = from_wasi(datagram.remote_address);
    let echo = format!("echo:{data}");
    let reply = match send(&outgoing, &[(&echo, sender)]) {
        Ok(_) => "ok".to_string(),
        Err(e) => format!("error {}", e.code),
    };
    let mut report = format!("got {data} from {sender}, reply {reply}");
    if let Some(other) = other {
        match send(&outgoing, &[("x", other)]) {
            Ok(_) => report.push_str(", other ok"),
            Err(e) => report.push_str(&format!(", other error {}", e.code)),
        }
    }
    Ok(report)
}

fn unspecified(to: &SocketAddr) -> SocketAddr {
    match to {
        SocketAddr::V4(_) => "0.0.0.0:0".parse().unwrap(),
        SocketAddr::V6(_) => "[::]:0".parse().unwrap(),
    }
}

/// A socket bound to `local` with its unconnected streams.
fn open(
    network: &Network,
    local: SocketAddr,
) -> Result<(UdpSocket, IncomingDatagramStream, OutgoingDatagramStream), Failed> {
    let socket = create_udp_socket(family(&local)).map_err(Failed::at("create"))?;
    socket
        .start_bind(network, to_wasi(local))
        .map_err(Failed::at("bind"))?;
    wait::finish(&socket.subscribe(), "bind", || socket.finish_bind())?;
    let (incoming, outgoing) = socket.stream(None).map_err(Failed::at("stream"))?;
    Ok((socket, incoming, outgoing))
}

/// Sends the datagrams in one call once `check-send` permits them all (or as many as it
/// permits within `wait::LONG`).
fn send(
    outgoing: &OutgoingDatagramStream,
    datagrams: &[(&str, SocketAddr)],
) -> Result<u64, Failed> {
    let deadline = wait::now() + wait::LONG;
    let pollable = outgoing.subscribe();
    let permitted = loop {
        let permitted = outgoing.check_send().map_err(Failed::at("send"))?;
        let now = wait::now();
        if permitted as usize >= datagrams.len() || (permitted > 0 && now >= deadline) {
            break permitted as usize;
        }
        if now >= deadline || !wait::ready(&pollable, deadline - now) {
            return Err(Failed::other("timeout", "send"));
        }
    };
    let datagrams: Vec<OutgoingDatagram> = datagrams
        .iter()
        .take(permitted)
        .map(|(data, to)| OutgoingDatagram {
            data: data.as_bytes().to_vec(),
            remote_address: Some(to_wasi(*to)),
        })
        .collect();
    outgoing.send(&datagrams).map_err(Failed::at("send"))
}

/// The first datagram within `nanos`, if any.
fn receive(
    incoming: &IncomingDatagramStream,
    nanos: u64,
) -> Result<Option<IncomingDatagram>, Failed> {
    let deadline = wait::now() + nanos;
    let pollable = incoming.subscribe();
    loop {
        let mut datagrams = incoming.receive(1).map_err(Failed::at("receive"))?;
        if let Some(datagram) = datagrams.pop() {
            return Ok(Some(datagram));
        }
        let now = wait::now();
        if now >= deadline || !wait::ready(&pollable, deadline - now) {
            return Ok(None);
        }
    }
}
