//! What HTTP policies cost: the composed size of the http-client guest under a denying policy
//! (the adapter's own `wasi:http/types`), under URL rules and with HTTP passed through; of the
//! http-server guest served with outgoing requests denied and with `allow http;`; and the
//! latency and throughput of serving requests through the adapter compared with the same guest
//! unvirtualized.
//!
//! Run with `cargo bench -p virtc-tests --bench http`; it prints its figures (no harness).
//! Serving goes through wasmtime-wasi-http in-process (`virtc_tests::serve`, as `wasmtime serve`
//! does it, each request in a fresh instance, without a socket): `REQUESTS` GETs one after
//! another per variant after a warm-up, reporting the median and 95th percentile latency and
//! the requests per second.

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
        variants.push((label.to_string(), composed));
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
        let total = start.elapsed();
        times.sort();
        println!(
            "  {label:30} median {:>7.1} µs  p95 {:>7.1} µs  {:>7.0} requests/s",
            times[REQUESTS / 2].as_secs_f64() * 1e6,
            times[REQUESTS * 95 / 100].as_secs_f64() * 1e6,
            REQUESTS as f64 / total.as_secs_f64()
        );
    }
}
