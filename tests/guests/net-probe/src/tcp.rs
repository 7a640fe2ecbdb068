//! TCP steps through `wasi:sockets/tcp` directly: connect (optionally after a bind), listen and
//! accept one connection, or only listen.

use std::net::SocketAddr;

use wasi::io::streams::{InputStream, OutputStream, StreamError};
use wasi::sockets::network::{ErrorCode, Network};
use wasi::sockets::tcp::TcpSocket;
use wasi::sockets::tcp_create_socket::create_tcp_socket;

use crate::{Failed, family, to_wasi, wait};

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
    let pollable = socket.subscribe();
    let (input, output) = loop {
        match socket.finish_connect() {
            Ok(streams) => break streams,
            Err(ErrorCode::WouldBlock) => {
                if !wait::ready(&pollable, wait::LONG) {
                    return Err(Failed::other("timeout", "connect"));
                }
            }
            Err(e) => return Err(Failed::at("connect")(e)),
        }
    };
    drop(pollable);
    let reply = write_line(&output, "ping").and_then(|()| read_line(&input));
    drop((input, output));
    reply
}

/// Binds, listens, accepts one connection, reads a line and answers `echo:LINE`.
pub fn listen_once(network: &Network, local: SocketAddr) -> Result<String, Failed> {
    let socket = listening(network, local)?;
    let pollable = socket.subscribe();
    let (client, input, output) = loop {
        match socket.accept() {
            Ok(accepted) => break accepted,
            Err(ErrorCode::WouldBlock) => {
                if !wait::ready(&pollable, wait::LONG) {
                    return Err(Failed::other("timeout", "accept"));
                }
            }
            Err(e) => return Err(Failed::at("accept")(e)),
        }
    };
    drop(pollable);
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
    let pollable = socket.subscribe();
    loop {
        match socket.finish_listen() {
            Ok(()) => break,
            Err(ErrorCode::WouldBlock) => {
                if !wait::ready(&pollable, wait::LONG) {
                    return Err(Failed::other("timeout", "listen"));
                }
            }
            Err(e) => return Err(Failed::at("listen")(e)),
        }
    }
    drop(pollable);
    Ok(socket)
}

fn bind(socket: &TcpSocket, network: &Network, local: SocketAddr) -> Result<(), Failed> {
    socket
        .start_bind(network, to_wasi(local))
        .map_err(Failed::at("bind"))?;
    let pollable = socket.subscribe();
    loop {
        match socket.finish_bind() {
            Ok(()) => return Ok(()),
            Err(ErrorCode::WouldBlock) => {
                if !wait::ready(&pollable, wait::LONG) {
                    return Err(Failed::other("timeout", "bind"));
                }
            }
            Err(e) => return Err(Failed::at("bind")(e)),
        }
    }
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
