//! TCP steps through `wasi:sockets/tcp` directly: connect (optionally after a bind, or with
//! options and a shutdown), listen and accept one connection, or only listen.

use std::net::SocketAddr;

use wasi::io::streams::{InputStream, OutputStream, StreamError};
use wasi::sockets::network::Network;
use wasi::sockets::tcp::{ShutdownType, TcpSocket};
use wasi::sockets::tcp_create_socket::create_tcp_socket;

use crate::{Failed, family, from_wasi, to_wasi, wait};

/// Connects to `to` (binding `local` first when given), sends `ping` and returns the reply line.
pub fn connect(
    network: &Network,
    local: Option<SocketAddr>,
    to: SocketAddr,
) -> Result<String, Failed> {
    let socket = create_tcp_socket(family(&to)).map_err(Failed::at("create"))?;
    if let Some(local) = local {
        bind(&socket, network, local)?;
    }
    socket
        .start_connect(network, to_wasi(to))
        .map_err(Failed::at("connect"))?;
    let (input, output) = finish_connect(&socket)?;
    let reply = write_line(&output, "ping").and_then(|()| read_line(&input));
    drop((input, output));
    reply
}

/// Connects to `to`, sets and reads back options, writes `ping` in two pieces, reads the
/// reply, shuts the send side down and waits for the server to close.
pub fn connect_options(network: &Network, to: SocketAddr) -> Result<String, Failed> {
    let socket = create_tcp_socket(family(&to)).map_err(Failed::at("create"))?;
    socket
        .start_connect(network, to_wasi(to))
        .map_err(Failed::at("connect"))?;
    let (input, output) = finish_connect(&socket)?;
    socket
        .set_keep_alive_enabled(true)
        .map_err(Failed::at("options"))?;
    let keep_alive = socket.keep_alive_enabled().map_err(Failed::at("options"))?;
    socket.set_hop_limit(33).map_err(Failed::at("options"))?;
    let hop_limit = socket.hop_limit().map_err(Failed::at("options"))?;
    let remote = from_wasi(socket.remote_address().map_err(Failed::at("options"))?);
    for piece in ["pi", "ng\n"] {
        output
            .blocking_write_and_flush(piece.as_bytes())
            .map_err(stream_failed)?;
    }
    let reply = read_line(&input)?;
    socket
        .shutdown(ShutdownType::Send)
        .map_err(Failed::at("shutdown"))?;
    let after = until_closed(&input);
    drop((input, output));
    Ok(format!(
        "keep-alive {keep_alive}, hop-limit {hop_limit}, remote {remote}, reply {reply}, \
         after shutdown {after}"
    ))
}

fn finish_connect(socket: &TcpSocket) -> Result<(InputStream, OutputStream), Failed> {
    wait::finish(&socket.subscribe(), "connect", || socket.finish_connect())
}

/// `closed` once the peer closes, `data` if it sends anything, `open` after `wait::LONG`.
fn until_closed(input: &InputStream) -> &'static str {
    let deadline = wait::now() + wait::LONG;
    let pollable = input.subscribe();
    loop {
        match input.read(64) {
            Err(_) => return "closed",
            Ok(bytes) if !bytes.is_empty() => return "data",
            Ok(_) => {}
        }
        let now = wait::now();
        if now >= deadline || !wait::ready(&pollable, deadline - now) {
            return "open";
        }
    }
}

/// Binds, listens, accepts one connection, reads a line and answers `echo:LINE`.
pub fn listen_once(network: &Network, local: SocketAddr) -> Result<String, Failed> {
    let socket = listening(network, local)?;
    let (client, input, output) = wait::finish(&socket.subscribe(), "accept", || socket.accept())?;
    let line = read_line(&input)?;
    write_line(&output, &format!("echo:{line}"))?;
    drop((input, output, client));
    Ok(line)
}

/// Binds and listens, then closes the socket.
pub fn listen_only(network: &Network, local: SocketAddr) -> Result<(), Failed> {
    listening(network, local).map(drop)
}

fn listening(network: &Network, local: SocketAddr) -> Result<TcpSocket, Failed> {
    let socket = create_tcp_socket(family(&local)).map_err(Failed::at("create"))?;
    bind(&socket, network, local)?;
    socket.start_listen().map_err(Failed::at("listen"))?;
    wait::finish(&socket.subscribe(), "listen", || socket.finish_listen())?;
    Ok(socket)
}

fn bind(socket: &TcpSocket, network: &Network, local: SocketAddr) -> Result<(), Failed> {
    socket
        .start_bind(network, to_wasi(local))
        .map_err(Failed::at("bind"))?;
    wait::finish(&socket.subscribe(), "bind", || socket.finish_bind())
}

fn write_line(output: &OutputStream, line: &str) -> Result<(), Failed> {
    output
        .blocking_write_and_flush(format!("{line}\n").as_bytes())
        .map_err(stream_failed)
}

/// Reads up to a newline, waiting at most `wait::LONG` in all.
fn read_line(input: &InputStream) -> Result<String, Failed> {
    let deadline = wait::now() + wait::LONG;
    let pollable = input.subscribe();
    let mut line = Vec::new();
    while !line.ends_with(b"\n") && line.len() < 4096 {
        let chunk = input.read(1).map_err(stream_failed)?;
        if chunk.is_empty() {
            let now = wait::now();
            if now >= deadline || !wait::ready(&pollable, deadline - now) {
                return Err(Failed::other("timeout", "io"));
            }
        }
        line.extend_from_slice(&chunk);
    }
    Ok(String::from_utf8_lossy(&line).trim_end().to_string())
}

fn stream_failed(e: StreamError) -> Failed {
    match e {
        StreamError::Closed => Failed::other("closed", "io"),
        StreamError::LastOperationFailed(e) => Failed::other(&e.to_debug_string(), "io"),
    }
}
