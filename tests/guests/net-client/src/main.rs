//! A command using the network, for the end-to-end tests of sockets through the adapter. Its
//! instructions come from the environment (policies give no arguments):
//!
//! - `NAME`: a host name to resolve with std's `ToSocketAddrs` (skipped when unset);
//! - `ADDR`: `IP:PORT` of a line server that answers `pong` to `ping`, nothing to `wait`, and
//!   `sent` to `send`.
//!
//! It prints one stable line per step:
//!
//! ```text
//! lookup <NAME>: ok <sorted, deduplicated IPs>   |   lookup <NAME>: error <kind>
//! reply: pong                                    (std::net::TcpStream, first connection)
//! file: "<contents of /data/hello.txt>"          |   file: none <kind>
//! poll mixed: [1]        (socket input before the server sent anything, beside stdin's pollable)
//! poll socket: [0]       (the same socket alone, after asking the server to send)
//! reply: sent
//! done
//! ```
//!
//! The poll step uses `wasi:sockets` and `wasi:io/poll` directly (std hides its socket's
//! streams): one `poll` call over a host socket's pollable, not ready, and stdin's pollable,
//! which is ready at once when stdin is closed or at its end. Any failure prints `error: …` to
//! stderr and exits 1.

use std::io::{BufRead, BufReader, Write};
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};

use wasi::io::streams::{InputStream, OutputStream, StreamError};
use wasi::sockets::network::{IpAddressFamily, IpSocketAddress, Ipv4SocketAddress};

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
    println!("done");
}

fn run() -> Result<(), String> {
    if let Ok(name) = std::env::var("NAME") {
        match (name.as_str(), 0).to_socket_addrs() {
            Ok(addrs) => {
                let mut ips: Vec<IpAddr> = addrs.map(|a| a.ip()).collect();
                ips.sort();
                ips.dedup();
                let ips: Vec<String> = ips.iter().map(|ip| ip.to_string()).collect();
                println!("lookup {name}: ok {}", ips.join(" "));
            }
            Err(e) => println!("lookup {name}: error {:?}", e.kind()),
        }
    }

    let addr = std::env::var("ADDR").map_err(|_| "ADDR is not set".to_string())?;
    let addr: SocketAddr = addr
        .parse()
        .map_err(|e| format!("ADDR {addr:?} is not IP:PORT: {e}"))?;

    // First exchange: std's TcpStream.
    {
        let mut stream = TcpStream::connect(addr).map_err(|e| format!("connect to {addr}: {e}"))?;
        stream
            .write_all(b"ping\n")
            .map_err(|e| format!("write ping: {e}"))?;
        let mut line = String::new();
        BufReader::new(&stream)
            .read_line(&mut line)
            .map_err(|e| format!("read the reply to ping: {e}"))?;
        println!("reply: {}", line.trim_end());
    }

    match std::fs::read_to_string("/data/hello.txt") {
        Ok(s) => println!("file: {s:?}"),
        Err(e) => println!("file: none {:?}", e.kind()),
    }

    // Second exchange: wasi:sockets, to poll the socket's input stream.
    let (input, output) = connect(addr)?;
    send(&output, b"wait\n")?;
    let stdin = wasi::cli::stdin::get_stdin();
    let socket_ready = input.subscribe();
    let stdin_ready = stdin.subscribe();
    let ready = wasi::io::poll::poll(&[&socket_ready, &stdin_ready]);
    println!("poll mixed: {ready:?}");
    send(&output, b"send\n")?;
    let ready = wasi::io::poll::poll(&[&socket_ready]);
    println!("poll socket: {ready:?}");
    drop(socket_ready);
    drop(stdin_ready);
    println!("reply: {}", read_line(&input)?);
    Ok(())
}

/// Connects a `wasi:sockets` TCP socket (IPv4 only: the tests' servers listen on 127.0.0.1).
fn connect(addr: SocketAddr) -> Result<(InputStream, OutputStream), String> {
    let SocketAddr::V4(v4) = addr else {
        return Err(format!("{addr} is not an IPv4 address"));
    };
    let network = wasi::sockets::instance_network::instance_network();
    let socket = wasi::sockets::tcp_create_socket::create_tcp_socket(IpAddressFamily::Ipv4)
        .map_err(|e| format!("create a TCP socket: {e:?}"))?;
    let o = v4.ip().octets();
    let remote = IpSocketAddress::Ipv4(Ipv4SocketAddress {
        port: v4.port(),
        address: (o[0], o[1], o[2], o[3]),
    });
    socket
        .start_connect(&network, remote)
        .map_err(|e| format!("start connecting to {addr}: {e:?}"))?;
    let pollable = socket.subscribe();
    let streams = loop {
        match socket.finish_connect() {
            Ok(streams) => break streams,
            Err(wasi::sockets::network::ErrorCode::WouldBlock) => pollable.block(),
            Err(e) => return Err(format!("connect to {addr}: {e:?}")),
        }
    };
    drop(pollable);
    // The streams are children of the socket, which must outlive them: keep it for the run.
    std::mem::forget(socket);
    Ok(streams)
}

fn send(output: &OutputStream, bytes: &[u8]) -> Result<(), String> {
    output.blocking_write_and_flush(bytes).map_err(|e| {
        format!(
            "write {:?}: {}",
            String::from_utf8_lossy(bytes),
            describe(e)
        )
    })
}

fn read_line(input: &InputStream) -> Result<String, String> {
    let mut line = Vec::new();
    while !line.ends_with(b"\n") {
        match input.blocking_read(1) {
            Ok(bytes) => line.extend_from_slice(&bytes),
            Err(e) => return Err(format!("read a line: {}", describe(e))),
        }
    }
    Ok(String::from_utf8_lossy(&line).trim_end().to_string())
}

fn describe(e: StreamError) -> String {
    match e {
        StreamError::Closed => "closed".into(),
        StreamError::LastOperationFailed(e) => e.to_debug_string(),
    }
}
