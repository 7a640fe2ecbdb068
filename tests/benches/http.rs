//! What HTTP policies cost: the composed size of the http-client guest under a denying policy
//! (the adapter's own `wasi:http/types`), under URL rules and with HTTP passed through; of the
//! http-server guest served with outgoing requests denied and with `allow http;`; and the
//! latency and throughput of serving requests through the adapter compared with the same guest
//! unvirtualized.
//!
//! Run with `cargo bench -p virtc-tests --bench http`; it prints its figures (no harness).
//! Serving is measured twice, each request in a fresh instance: in-process through
//! wasmtime-wasi-http (`virtc_tests::serve`, no socket), and over loopback through `virtc run`'s
//! server (`virtc_run::serve_until` on 127.0.0.1, one keep-alive connection): `REQUESTS` GETs
//! one after another per variant after a warm-up, reporting the median and 95th percentile
//! latency and the requests per second.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use virtc_tests::serve::{Request, ServeHost, Server};
use virtc_tests::{compile_ok, guest};

const REQUESTS: usize = 2000;

fn main() {
    let client = guest("http-client");
    println!("http-client: {} bytes uncomposed", client.len());
    for (label, policy) in [
        ("denied (no HTTP statement)", "stdout allow;"),
        (
            "rules (http allow)",
            "stdout allow; http allow \"https://api.example.com/v1/**\";",
        ),
        ("allow http", "stdout allow; allow http;"),
    ] {
        let composed = compile_ok(policy, &client).composed.expect("composed");
        println!("  {label:30} {:>9} bytes composed", composed.len());
    }

    let server_guest = guest("http_server");
    println!("http-server: {} bytes uncomposed", server_guest.len());
    let env = [("GREETING", "host")];
    let mut variants = vec![("unvirtualized".to_string(), server_guest.clone())];
    for (label, policy) in [
        (
            "served, outgoing denied",
            "env GREETING = \"virtual\"; stdout ignore;",
        ),
        (
            "served, allow http",
            "env GREETING = \"virtual\"; stdout ignore; allow http;",
        ),
    ] {
        let composed = compile_ok(policy, &server_guest)
            .composed
            .expect("composed");
        println!("  {label:30} {:>9} bytes composed", composed.len());
        variants.push((label.to_string(), composed.into_vec()));
    }

    println!("serving {REQUESTS} GET /hello, one after another, each in a fresh instance:");
    for (label, component) in &variants {
        let server = Server::new(component, ServeHost::with_env(&env)).expect("serves");
        for _ in 0..20 {
            server
                .handle(Request::get("/hello?name=world"))
                .expect("warm-up");
        }
        let mut times: Vec<Duration> = Vec::with_capacity(REQUESTS);
        let start = Instant::now();
        for _ in 0..REQUESTS {
            let t = Instant::now();
            let response = server
                .handle(Request::get("/hello?name=world"))
                .expect("served");
            assert_eq!(response.status, 200);
            times.push(t.elapsed());
        }
        report(label, times, start.elapsed());
    }

    println!("over loopback through virtc run's server (one keep-alive connection):");
    for (label, policy) in [
        ("unvirtualized (allow all)", "allow all;"),
        (
            "served, outgoing denied",
            "env GREETING = \"virtual\"; stdout ignore;",
        ),
        (
            "served, allow http",
            "env GREETING = \"virtual\"; stdout ignore; allow http;",
        ),
    ] {
        let compiled = compile_ok(policy, &server_guest);
        loopback(label, &compiled);
    }
}

fn report(label: &str, mut times: Vec<Duration>, total: Duration) {
    times.sort();
    let n = times.len();
    println!(
        "  {label:30} median {:>7.1} µs  p95 {:>7.1} µs  {:>7.0} requests/s",
        times[n / 2].as_secs_f64() * 1e6,
        times[n * 95 / 100].as_secs_f64() * 1e6,
        n as f64 / total.as_secs_f64()
    );
}

/// Serves `compiled` with `virtc_run::serve_until` on 127.0.0.1:0 and times `REQUESTS` GETs
/// over one connection; stops the server by its handle.
fn loopback(label: &str, compiled: &virtc::driver::Compiled) {
    let composed = compiled.composed.clone().expect("composed");
    let ir = compiled.ir.clone();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (bound, addr) = std::sync::mpsc::channel();
    let server = std::thread::spawn(move || {
        let options = virtc_run::RunOptions {
            program: "server.wasm".into(),
            args: Vec::new(),
            host_env: vec![("GREETING".into(), "host".into())],
            host_config: Vec::new(),
            stdio: virtc_run::Stdio::Inherit,
            trace: None,
        };
        virtc_run::serve_until(
            &ir,
            &composed,
            &options,
            "127.0.0.1:0".parse().unwrap(),
            |a| bound.send(a).unwrap(),
            async {
                let _ = stopped.await;
            },
        )
        .expect("serves");
    });
    let addr = addr
        .recv_timeout(Duration::from_secs(60))
        .expect("listening");
    let stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    let mut get = || {
        writer
            .write_all(b"GET /hello?name=world HTTP/1.1\r\nhost: localhost\r\n\r\n")
            .unwrap();
        let mut length = 0usize;
        let mut chunked = false;
        let mut status = String::new();
        reader.read_line(&mut status).unwrap();
        assert!(status.starts_with("HTTP/1.1 200"), "{status}");
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if line == "\r\n" || line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().unwrap();
                } else if name.eq_ignore_ascii_case("transfer-encoding") {
                    chunked = value.trim().eq_ignore_ascii_case("chunked");
                }
            }
        }
        if !chunked {
            let mut body = vec![0u8; length];
            reader.read_exact(&mut body).unwrap();
            return;
        }
        // Chunks: a hex size line, the data, CRLF; a zero size, then trailers and CRLF.
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).unwrap();
            let size = usize::from_str_radix(size.trim().split(';').next().unwrap(), 16).unwrap();
            if size == 0 {
                let mut line = String::new();
                while reader.read_line(&mut line).unwrap() > 2 {
                    line.clear();
                }
                break;
            }
            let mut data = vec![0u8; size + 2];
            reader.read_exact(&mut data).unwrap();
        }
    };
    for _ in 0..20 {
        get();
    }
    let mut times = Vec::with_capacity(REQUESTS);
    let start = Instant::now();
    for _ in 0..REQUESTS {
        let t = Instant::now();
        get();
        times.push(t.elapsed());
    }
    report(label, times, start.elapsed());
    let _ = stop.send(());
    server.join().unwrap();
}
