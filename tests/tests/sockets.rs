//! Network rules enforced inside the component: the `net-probe` guest composed under `tcp`,
//! `udp` and `dns` rules (or none) and run on a host that grants every address, so what it is
//! refused, its adapter refused. Servers are the test's own, on 127.0.0.1 ephemeral ports,
//! stopped by their handles; every wait is bounded.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use virtc::driver::Compiled;
use virtc_run::{Outcome, Status};
use virtc_tests::net::{LineServer, run_open_network};
use virtc_tests::*;

const PROBE: &str = "net-probe";

/// Compiles `rules` (plus the probe's `STEPS` and stdout) against the probe.
fn probe(rules: &str, steps: &str) -> Compiled {
    let steps = steps.replace('\\', "\\\\").replace('"', "\\\"");
    let policy =
        format!("env STEPS = \"{steps}\";\nstdout allow;\nstderr allow;\nallow clocks;\n{rules}\n");
    compile_ok(&policy, &guest(PROBE))
}

/// Runs a compiled probe on the open host and returns its stdout, checking it exited well.
fn run_probe(compiled: &Compiled) -> String {
    let composed = compiled.composed.as_ref().expect("composed");
    let out = run_open_network(composed, &[]);
    stdout_of(&out)
}

fn stdout_of(out: &Outcome) -> String {
    stdout_after_exit(out, 0)
}

fn sockets_imports(component: &[u8]) -> Vec<String> {
    imports(component)
        .into_iter()
        .filter(|i| i.starts_with("wasi:sockets/"))
        .collect()
}

/// A port nothing listens on now (bound, then released).
fn free_tcp_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn denied_by_default_with_no_sockets_import() {
    let server = LineServer::start();
    let a = server.addr;
    let compiled = probe(
        "",
        &format!("connect {a}; resolve localhost; udp-send {a} x; listen-only 127.0.0.1:0"),
    );
    let composed = compiled.composed.as_ref().unwrap();
    assert_eq!(sockets_imports(composed), Vec::<String>::new());
    assert_eq!(
        run_probe(&compiled),
        format!(
            "connect {a}: error access-denied at create\n\
             resolve localhost: error access-denied\n\
             udp-send {a}: error access-denied at create\n\
             listen-only 127.0.0.1:0: error access-denied at create\n\
             done\n"
        )
    );
    // `deny sockets;` is the default written out.
    let explicit = probe("deny sockets;", &format!("connect {a}; resolve localhost"));
    assert_eq!(
        sockets_imports(explicit.composed.as_ref().unwrap()),
        Vec::<String>::new()
    );
    assert_eq!(
        run_probe(&explicit),
        format!(
            "connect {a}: error access-denied at create\n\
             resolve localhost: error access-denied\n\
             done\n"
        )
    );
    assert!(server.finish().is_empty());
}

/// What a component may do with an allowed socket works as on the host: options set and read
/// back, a write in pieces, a shutdown the server sees. Under rules (filtered) and under
/// `allow sockets;` with stdout dropped (so the adapter wraps the host's sockets, the probe
/// reporting on stderr).
#[test]
fn options_pieces_and_shutdown_under_rules_and_wrapped() {
    let server = LineServer::start();
    let a = server.addr;
    let expected = format!(
        "connect-options {a}: ok keep-alive true, hop-limit 33, remote {a}, reply pong, \
         after shutdown closed\ndone\n"
    );
    let ruled = probe(
        &format!("tcp connect \"{a}\";"),
        &format!("connect-options {a}"),
    );
    assert_eq!(run_probe(&ruled), expected);

    let policy = format!(
        "env STEPS = \"connect-options {a}\";\nenv PROBE_OUT = \"stderr\";\n\
         allow clocks;\nallow sockets;\nstdout ignore;\nstderr allow;\n"
    );
    let wrapped = compile_ok(&policy, &guest(PROBE));
    let composed = wrapped.composed.as_ref().unwrap();
    let imported = imports(composed);
    assert!(
        sockets_imports(composed)
            .iter()
            .any(|i| i.starts_with("wasi:sockets/tcp@"))
    );
    assert!(
        !imported.iter().any(|i| i.starts_with("wasi:cli/stdout@")),
        "{imported:?}"
    );
    let out = run_open_network(composed, &[]);
    assert_eq!(out.status, Status::Exited(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stderr), expected);
    assert!(out.stdout.is_empty());
    assert_eq!(server.finish(), ["ping", "ping"]);
}

/// An IP rule, a CIDR block and a port range allow exactly what they name; a listening but
/// unlisted port is `access-denied` (never `connection-refused`: the host was not asked).
#[test]
fn tcp_connect_by_address_cidr_and_range() {
    let mut servers: Vec<LineServer> = (0..3).map(|_| LineServer::start()).collect();
    servers.sort_by_key(|s| s.addr.port());
    let [p1, p2, p3] = [0, 1, 2].map(|i| servers[i].addr.port());
    let steps = format!(
        "connect 127.0.0.1:{p1}; connect 127.0.0.1:{p2}; connect 127.0.0.1:{p3}; \
         bind-connect 0.0.0.0:0 127.0.0.1:{p1}; listen-only 127.0.0.1:0; std-connect 127.0.0.1:{p3}; \
         resolve 127.1; resolve [::1]; resolve 999.1; connect 0x7f.0.0.1.:{p2}"
    );
    let ranged = probe(&format!("tcp connect \"127.0.0.1:{p1}-{p2}\";"), &steps);
    let expected = format!(
        "connect 127.0.0.1:{p1}: ok pong\n\
         connect 127.0.0.1:{p2}: ok pong\n\
         connect 127.0.0.1:{p3}: error access-denied at connect\n\
         bind-connect 127.0.0.1:{p1}: ok pong\n\
         listen-only 127.0.0.1:0: error access-denied at bind\n\
         std-connect 127.0.0.1:{p3}: error PermissionDenied\n\
         resolve 127.1: ok 127.0.0.1\n\
         resolve [::1]: ok ::1\n\
         resolve 999.1: error invalid-argument\n\
         connect 0x7f.0.0.1.:{p2}: ok pong\n\
         done\n"
    );
    assert_eq!(run_probe(&ranged), expected);
    let composed = ranged.composed.as_ref().unwrap();
    assert!(
        sockets_imports(composed)
            .iter()
            .any(|i| i.starts_with("wasi:sockets/tcp@"))
    );

    // The same under `virtc run`, whose host enforces the rules a second time and, with no
    // name in them, looks nothing up: the adapter answers addresses written out itself.
    let out = run(&ranged, &[], &[], "");
    assert_eq!(stdout_of(&out), expected);

    let cidr = probe(
        &format!("tcp connect \"127.0.0.0/8:{p3}\", \"10.0.0.0/8:*\";"),
        &format!("connect 127.0.0.1:{p3}; connect 127.0.0.1:{p1}"),
    );
    assert_eq!(
        run_probe(&cidr),
        format!(
            "connect 127.0.0.1:{p3}: ok pong\n\
             connect 127.0.0.1:{p1}: error access-denied at connect\n\
             done\n"
        )
    );
    for server in servers {
        let seen = server.finish();
        assert!(seen.iter().all(|l| l == "ping"), "{seen:?}");
    }
}

/// A name rule allows the addresses a lookup of that name returned, on its ports, and only
/// after the lookup; other names are not looked up at all.
#[test]
fn names_are_resolved_by_rule_and_pinned() {
    let server = LineServer::start();
    let other = LineServer::start();
    let (a, b) = (server.addr.port(), other.addr.port());
    let compiled = probe(
        &format!("tcp connect \"LocalHost.:{a}\";\ndns resolve \"*.invalid\";"),
        &format!(
            "connect 127.0.0.1:{a}; resolve localhost; connect 127.0.0.1:{a}; \
             connect 127.0.0.1:{b}; resolve example.com; resolve nothing.invalid"
        ),
    );
    let stdout = run_probe(&compiled);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 7, "{stdout}");
    assert_eq!(
        lines[0],
        format!("connect 127.0.0.1:{a}: error access-denied at connect")
    );
    assert!(
        lines[1].starts_with("resolve localhost: ok ") && lines[1].contains("127.0.0.1"),
        "{stdout}"
    );
    assert_eq!(lines[2], format!("connect 127.0.0.1:{a}: ok pong"));
    assert_eq!(
        lines[3],
        format!("connect 127.0.0.1:{b}: error access-denied at connect")
    );
    assert_eq!(lines[4], "resolve example.com: error access-denied");
    // Allowed by `dns resolve`, so the host was asked (and found nothing).
    assert!(
        lines[5].starts_with("resolve nothing.invalid: error ")
            && !lines[5].ends_with("access-denied"),
        "{stdout}"
    );
    assert_eq!(lines[6], "done");
    assert_eq!(server.finish(), ["ping"]);
    assert!(other.finish().is_empty());
}

/// `tcp listen` binds, listens and accepts a connection the test makes; binding elsewhere and
/// connecting out are refused.
#[test]
fn tcp_listen_accepts_a_connection() {
    let port = free_tcp_port();
    let compiled = probe(
        &format!("tcp listen \"127.0.0.1:{port}\";"),
        &format!("listen-only 127.0.0.1:0; connect 127.0.0.1:{port}; listen 127.0.0.1:{port}"),
    );
    let composed = compiled.composed.clone().unwrap();
    let guest: JoinHandle<Outcome> = std::thread::spawn(move || run_open_network(&composed, &[]));
    let reply = connect_and_say(port, "hello");
    let stdout = stdout_of(&guest.join().unwrap());
    assert_eq!(reply.as_deref(), Some("echo:hello"), "{stdout}");
    assert_eq!(
        stdout,
        format!(
            "listen-only 127.0.0.1:0: error access-denied at bind\n\
             connect 127.0.0.1:{port}: error access-denied at connect\n\
             listen 127.0.0.1:{port}: ok accepted hello\n\
             done\n"
        )
    );
}

/// Connects to the guest's listener (retrying while it starts, for at most ten seconds), says
/// one line and returns the reply.
fn connect_and_say(port: u16, line: &str) -> Option<String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    for _ in 0..400 {
        if Instant::now() > deadline {
            break;
        }
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
            std::thread::sleep(Duration::from_millis(25));
            continue;
        };
        stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
        stream.write_all(format!("{line}\n").as_bytes()).ok()?;
        let mut reply = String::new();
        BufReader::new(stream).read_line(&mut reply).ok()?;
        return Some(reply.trim_end().to_string());
    }
    None
}

/// A UDP responder: on the first datagram `ping` to `main`, a `spoof` from `decoy` to its
/// sender, then a `pong` from `main`. Stops after that or after ten seconds.
fn udp_responder() -> (SocketAddr, SocketAddr, JoinHandle<()>) {
    let main = UdpSocket::bind("127.0.0.1:0").unwrap();
    let decoy = UdpSocket::bind("127.0.0.1:0").unwrap();
    let (main_addr, decoy_addr) = (main.local_addr().unwrap(), decoy.local_addr().unwrap());
    main.set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let thread = std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut buf = [0u8; 512];
        while Instant::now() < deadline {
            let Ok((n, from)) = main.recv_from(&mut buf) else {
                continue;
            };
            if &buf[..n] == b"ping" {
                let _ = decoy.send_to(b"spoof", from);
                std::thread::sleep(Duration::from_millis(100));
                let _ = main.send_to(b"pong", from);
                return;
            }
        }
    });
    (main_addr, decoy_addr, thread)
}

/// `udp send` lets datagrams go to its destination and replies come back from it only: the
/// decoy's datagram, sent first, is dropped. Under `allow sockets;` (sockets passed through,
/// stdin virtualized, so wrapped) the decoy's arrives first, which shows the filter is real.
#[test]
fn udp_send_gets_only_filtered_replies() {
    let (main, decoy, responder) = udp_responder();
    let compiled = probe(
        &format!("udp send \"127.0.0.1:{}\";", main.port()),
        &format!(
            "udp-send {main} ping; udp-send {decoy} x; udp-send-many {main} {decoy}; \
             udp-send-many {decoy} {main}"
        ),
    );
    assert_eq!(
        run_probe(&compiled),
        format!(
            "udp-send {main}: reply pong from {main}\n\
             udp-send {decoy}: error access-denied at send\n\
             udp-send-many: sent 1\n\
             udp-send-many: error access-denied at send\n\
             done\n"
        )
    );
    responder.join().unwrap();

    let (main, _decoy, responder) = udp_responder();
    let open = probe("allow sockets;", &format!("udp-send {main} ping"));
    let composed = open.composed.as_ref().unwrap();
    assert!(!sockets_imports(composed).is_empty());
    let stdout = run_probe(&open);
    assert!(
        stdout.starts_with(&format!("udp-send {main}: reply spoof from ")),
        "{stdout}"
    );
    responder.join().unwrap();
}

/// `udp bind` receives from anyone and may reply to the sender, but not send elsewhere.
#[test]
fn udp_bind_receives_from_anyone() {
    let port = UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let elsewhere = UdpSocket::bind("127.0.0.1:0").unwrap();
    let elsewhere_addr = elsewhere.local_addr().unwrap();
    let compiled = probe(
        &format!("udp bind \"127.0.0.1:{port}\";"),
        &format!("udp-bind 127.0.0.1:{port} {elsewhere_addr}"),
    );
    let composed = compiled.composed.clone().unwrap();
    let guest: JoinHandle<Outcome> = std::thread::spawn(move || run_open_network(&composed, &[]));
    let client = UdpSocket::bind("127.0.0.1:0").unwrap();
    let client_addr = client.local_addr().unwrap();
    client
        .set_read_timeout(Some(Duration::from_millis(50)))
        .unwrap();
    let mut reply = None;
    let mut buf = [0u8; 512];
    let deadline = Instant::now() + Duration::from_secs(10);
    for _ in 0..200 {
        if Instant::now() > deadline {
            break;
        }
        let _ = client.send_to(b"hi", ("127.0.0.1", port));
        if let Ok((n, _)) = client.recv_from(&mut buf) {
            reply = Some(String::from_utf8_lossy(&buf[..n]).to_string());
            break;
        }
    }
    let stdout = stdout_of(&guest.join().unwrap());
    assert_eq!(reply.as_deref(), Some("echo:hi"), "{stdout}");
    assert_eq!(
        stdout,
        format!(
            "udp-bind 127.0.0.1:{port}: got hi from {client_addr}, reply ok, other error access-denied\n\
             done\n"
        )
    );
}

/// A one-shot `ping` → `pong` server on `[::1]`, or `None` where IPv6 loopback is unavailable.
/// Accepts one connection within ten seconds.
fn ipv6_server() -> Option<(SocketAddr, JoinHandle<Vec<String>>)> {
    let listener = TcpListener::bind("[::1]:0").ok()?;
    listener.set_nonblocking(true).ok()?;
    let addr = listener.local_addr().ok()?;
    let thread = std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            let Ok((stream, _)) = listener.accept() else {
                std::thread::sleep(Duration::from_millis(5));
                continue;
            };
            let _ = stream.set_nonblocking(false);
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let mut line = String::new();
            let mut reader = BufReader::new(&stream);
            if reader.read_line(&mut line).is_err() {
                return Vec::new();
            }
            let _ = (&stream).write_all(b"pong\n");
            return vec![line.trim_end().to_string()];
        }
        Vec::new()
    });
    Some((addr, thread))
}

/// IPv6 rules: a bracketed address and an IPv6 CIDR block allow connections to `[::1]`, and a
/// port outside them is refused. Skipped (and says so) where the machine has no IPv6 loopback.
#[test]
fn tcp_connect_over_ipv6() {
    let Some((addr, server)) = ipv6_server() else {
        eprintln!("skipped: [::1] cannot be bound here");
        return;
    };
    let port = addr.port();
    let other = port.wrapping_add(1).max(1);
    let compiled = probe(
        &format!("tcp connect \"[::1]:{port}\", \"[fd00::]/8:*\";"),
        &format!("connect [::1]:{other}; connect {addr}"),
    );
    assert_eq!(
        run_probe(&compiled),
        format!(
            "connect [::1]:{other}: error access-denied at connect\n\
             connect {addr}: ok pong\n\
             done\n"
        )
    );
    assert_eq!(server.join().unwrap(), ["ping"]);
}
