//! A command that tries network operations one by one and reports what each got, for the tests
//! of network rules enforced by the adapter. Its steps come from the `STEPS` environment
//! variable (policies give no arguments), separated by `;`; it prints one line per step, then
//! `done`:
//!
//! ```text
//! resolve NAME                 resolve NAME: ok IP…  |  resolve NAME: error CODE
//! connect ADDR                 connect ADDR: ok REPLY  |  connect ADDR: error CODE at STAGE
//! connect-options ADDR         connect-options ADDR: ok keep-alive B, hop-limit N, remote ADDR,
//!                              reply REPLY, after shutdown closed  (options set and read back,
//!                              `ping` written in two pieces, the send side shut down)
//! bind-connect LOCAL ADDR      the same, binding LOCAL first (prefix `bind-connect ADDR:`)
//! listen LOCAL                 listen LOCAL: ok accepted LINE  (accepts one connection, reads a
//!                              line, answers `echo:LINE`)
//! listen-only LOCAL            listen-only LOCAL: ok
//! udp-send ADDR TEXT           udp-send ADDR: reply DATA from SENDER  |  no reply
//! udp-send-many ADDR…          udp-send-many: sent N  (one `send` call, one datagram each)
//! udp-bind LOCAL [OTHER]       udp-bind LOCAL: got DATA from SENDER, reply ok[, other ok]
//! std-connect ADDR             std-connect ADDR: ok REPLY  |  std-connect ADDR: error KIND
//! ```
//!
//! With `PROBE_OUT=stderr` the lines go to stderr instead. `ADDR` is `IP:PORT` or `NAME:PORT`
//! (resolved first, the first address used). `connect` sends `ping` and reads one line. `CODE`
//! is the WASI error code's name, `STAGE` the call that returned it (`resolve`, `create`,
//! `bind`, `listen`, `accept`, `connect`, `stream`, `send`, `receive`, `options`, `shutdown`,
//! `io`). Every wait is bounded by the monotonic clock.

mod tcp;
mod udp;
mod wait;

use std::io::{BufRead, BufReader, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};

use wasi::sockets::network::{
    ErrorCode, IpAddress, IpAddressFamily, IpSocketAddress, Ipv4SocketAddress, Ipv6SocketAddress,
    Network,
};

/// A failed step: the error code and the stage that returned it.
pub struct Failed {
    code: String,
    stage: &'static str,
}

impl Failed {
    pub fn at(stage: &'static str) -> impl Fn(ErrorCode) -> Failed {
        move |code| Failed {
            code: code.name().to_string(),
            stage,
        }
    }

    pub fn other(code: &str, stage: &'static str) -> Failed {
        Failed {
            code: code.to_string(),
            stage,
        }
    }
}

impl std::fmt::Display for Failed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "error {} at {}", self.code, self.stage)
    }
}

fn main() {
    let steps = std::env::var("STEPS").unwrap_or_default();
    // `PROBE_OUT=stderr` reports on stderr, for policies that drop stdout.
    let on_stderr = std::env::var("PROBE_OUT").is_ok_and(|v| v == "stderr");
    let say = |line: &str| {
        if on_stderr {
            eprintln!("{line}");
        } else {
            println!("{line}");
        }
    };
    for step in steps.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        say(&run_step(step));
    }
    say("done");
}

fn run_step(step: &str) -> String {
    let words: Vec<&str> = step.split_whitespace().collect();
    let network = wasi::sockets::instance_network::instance_network();
    match words.as_slice() {
        ["resolve", name] => match resolve(&network, name) {
            Ok(ips) => {
                let ips: Vec<String> = ips.iter().map(IpAddr::to_string).collect();
                format!("resolve {name}: ok {}", ips.join(" "))
            }
            Err(code) => format!("resolve {name}: error {}", code.name()),
        },
        ["connect", addr] => {
            let result = target(&network, addr).and_then(|to| tcp::connect(&network, None, to));
            format!("connect {addr}: {}", outcome(result))
        }
        ["connect-options", addr] => {
            let result = target(&network, addr).and_then(|to| tcp::connect_options(&network, to));
            format!("connect-options {addr}: {}", outcome(result))
        }
        ["bind-connect", local, addr] => {
            let result = local_addr(local).and_then(|local| {
                target(&network, addr).and_then(|to| tcp::connect(&network, Some(local), to))
            });
            format!("bind-connect {addr}: {}", outcome(result))
        }
        ["listen", local] => {
            let result = local_addr(local).and_then(|local| tcp::listen_once(&network, local));
            match result {
                Ok(line) => format!("listen {local}: ok accepted {line}"),
                Err(e) => format!("listen {local}: {e}"),
            }
        }
        ["listen-only", local] => {
            let result = local_addr(local).and_then(|local| tcp::listen_only(&network, local));
            format!(
                "listen-only {local}: {}",
                outcome(result.map(|()| String::new()))
            )
        }
        ["udp-send", addr, text] => {
            let result =
                target(&network, addr).and_then(|to| udp::send_and_wait(&network, to, text));
            match result {
                Ok(Some((data, from))) => format!("udp-send {addr}: reply {data} from {from}"),
                Ok(None) => format!("udp-send {addr}: no reply"),
                Err(e) => format!("udp-send {addr}: {e}"),
            }
        }
        ["udp-send-many", addrs @ ..] if !addrs.is_empty() => {
            let to: Result<Vec<SocketAddr>, Failed> =
                addrs.iter().map(|a| target(&network, a)).collect();
            match to.and_then(|to| udp::send_many(&network, &to)) {
                Ok(n) => format!("udp-send-many: sent {n}"),
                Err(e) => format!("udp-send-many: {e}"),
            }
        }
        ["udp-bind", local, rest @ ..] if rest.len() <= 1 => {
            let other = match rest.first().map(|a| target(&network, a)).transpose() {
                Ok(other) => other,
                Err(e) => return format!("udp-bind {local}: {e}"),
            };
            let result = local_addr(local).and_then(|l| udp::bind_and_answer(&network, l, other));
            match result {
                Ok(report) => format!("udp-bind {local}: {report}"),
                Err(e) => format!("udp-bind {local}: {e}"),
            }
        }
        ["std-connect", addr] => match std_connect(addr) {
            Ok(reply) => format!("std-connect {addr}: ok {reply}"),
            Err(e) => format!("std-connect {addr}: error {:?}", e.kind()),
        },
        _ => format!("{step}: unknown step"),
    }
}

/// `ok REPLY` (`ok` alone for an empty reply) or the failure.
fn outcome(result: Result<String, Failed>) -> String {
    match result {
        Ok(reply) if reply.is_empty() => "ok".to_string(),
        Ok(reply) => format!("ok {reply}"),
        Err(e) => e.to_string(),
    }
}

/// Every address `name` resolves to, sorted and deduplicated.
fn resolve(network: &Network, name: &str) -> Result<Vec<IpAddr>, ErrorCode> {
    let stream = wasi::sockets::ip_name_lookup::resolve_addresses(network, name)?;
    let mut ips = Vec::new();
    let pollable = stream.subscribe();
    for _ in 0..10_000 {
        match stream.resolve_next_address() {
            Ok(Some(ip)) => ips.push(from_wasi_ip(ip)),
            Ok(None) => break,
            Err(ErrorCode::WouldBlock) => {
                if !wait::ready(&pollable, wait::LONG) {
                    return Err(ErrorCode::Timeout);
                }
            }
            Err(e) => return Err(e),
        }
    }
    ips.sort();
    ips.dedup();
    Ok(ips)
}

/// `IP:PORT` as it is, or `NAME:PORT` resolved to its first address.
fn target(network: &Network, addr: &str) -> Result<SocketAddr, Failed> {
    if let Ok(addr) = addr.parse() {
        return Ok(addr);
    }
    let Some((name, port)) = addr.rsplit_once(':') else {
        return Err(Failed::other("not-an-address", "resolve"));
    };
    let Ok(port) = port.parse::<u16>() else {
        return Err(Failed::other("not-a-port", "resolve"));
    };
    let ips = resolve(network, name).map_err(Failed::at("resolve"))?;
    match ips.first() {
        Some(ip) => Ok(SocketAddr::new(*ip, port)),
        None => Err(Failed::other("no-address", "resolve")),
    }
}

fn local_addr(local: &str) -> Result<SocketAddr, Failed> {
    local
        .parse()
        .map_err(|_| Failed::other("not-an-address", "bind"))
}

/// Connects with std's `TcpStream` (through wasi-libc), sends `ping` and reads a line.
fn std_connect(addr: &str) -> std::io::Result<String> {
    let addr: SocketAddr = addr
        .parse()
        .map_err(|_| std::io::Error::from(std::io::ErrorKind::InvalidInput))?;
    let mut stream = TcpStream::connect(addr)?;
    stream.write_all(b"ping\n")?;
    let mut line = String::new();
    BufReader::new(&stream).read_line(&mut line)?;
    Ok(line.trim_end().to_string())
}

pub fn family(addr: &SocketAddr) -> IpAddressFamily {
    match addr {
        SocketAddr::V4(_) => IpAddressFamily::Ipv4,
        SocketAddr::V6(_) => IpAddressFamily::Ipv6,
    }
}

pub fn to_wasi(addr: SocketAddr) -> IpSocketAddress {
    match addr {
        SocketAddr::V4(a) => {
            let o = a.ip().octets();
            IpSocketAddress::Ipv4(Ipv4SocketAddress {
                port: a.port(),
                address: (o[0], o[1], o[2], o[3]),
            })
        }
        SocketAddr::V6(a) => {
            let s = a.ip().segments();
            IpSocketAddress::Ipv6(Ipv6SocketAddress {
                port: a.port(),
                flow_info: a.flowinfo(),
                address: (s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]),
                scope_id: a.scope_id(),
            })
        }
    }
}

pub fn from_wasi(addr: IpSocketAddress) -> SocketAddr {
    match addr {
        IpSocketAddress::Ipv4(a) => {
            SocketAddr::new(from_wasi_ip(IpAddress::Ipv4(a.address)), a.port)
        }
        IpSocketAddress::Ipv6(a) => {
            SocketAddr::new(from_wasi_ip(IpAddress::Ipv6(a.address)), a.port)
        }
    }
}

fn from_wasi_ip(ip: IpAddress) -> IpAddr {
    match ip {
        IpAddress::Ipv4((a, b, c, d)) => IpAddr::V4(Ipv4Addr::new(a, b, c, d)),
        IpAddress::Ipv6((a, b, c, d, e, f, g, h)) => {
            IpAddr::V6(Ipv6Addr::new(a, b, c, d, e, f, g, h))
        }
    }
}
