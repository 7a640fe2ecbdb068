//! What network rules cost: the composed size of the `net-probe` guest under a denying policy,
//! under rules and with sockets passed through, and the time a TCP connect (with one line
//! exchanged) takes through the adapter's checks compared with the same guest unvirtualized.
//!
//! Run with `cargo bench -p virtc-tests --bench sockets`; it prints its figures (no harness).
//! The guest makes `CONNECTS` connections in one run, to a line server on 127.0.0.1; a run is
//! timed whole and divided, after one warm-up run (wasmtime compiles the component per run).

use std::time::{Duration, Instant};

use virtc_tests::net::{LineServer, run_open_network};
use virtc_tests::{compile_ok, guest};

const CONNECTS: usize = 200;
const RUNS: usize = 5;

fn main() {
    let probe = guest("net-probe");
    let server = LineServer::start();
    let addr = server.addr;
    let steps: Vec<String> = (0..CONNECTS).map(|_| format!("connect {addr}")).collect();
    let steps = steps.join("; ");
    let policy = |rules: &str| {
        format!("env STEPS = \"{steps}\";\nstdout allow;\nstderr allow;\nallow clocks;\n{rules}\n")
    };
    println!("net-probe: {} bytes uncomposed", probe.len());
    let variants = [
        ("denied (no network statement)", String::new()),
        ("rules (tcp connect)", format!("tcp connect \"{addr}\";")),
        ("allow sockets", "allow sockets;".to_string()),
    ];
    let mut composed = Vec::new();
    for (label, rules) in &variants {
        let compiled = compile_ok(&policy(rules), &probe);
        let bytes = compiled.composed.expect("composed");
        println!("{label:32} {:>9} bytes composed", bytes.len());
        composed.push((label, bytes));
    }
    let uncomposed_env = [("STEPS", steps.as_str())];
    let time = |label: &str, run: &dyn Fn()| {
        run();
        let mut times: Vec<Duration> = (0..RUNS)
            .map(|_| {
                let start = Instant::now();
                run();
                start.elapsed()
            })
            .collect();
        times.sort();
        let per = |d: Duration| d.as_secs_f64() * 1e6 / CONNECTS as f64;
        println!(
            "{label:32} {:>8.1} µs per connect (min), {:>8.1} (median), {RUNS} runs of {CONNECTS}",
            per(times[0]),
            per(times[RUNS / 2])
        );
    };
    time("unvirtualized", &|| {
        let out = run_open_network(&probe, &uncomposed_env);
        assert!(out.stdout.ends_with(b"done\n"));
    });
    for (label, bytes) in &composed[1..] {
        time(label, &|| {
            let out = run_open_network(bytes, &[]);
            assert!(
                out.stdout.ends_with(b"done\n"),
                "{}",
                String::from_utf8_lossy(&out.stdout)
            );
        });
    }
    let seen = server.finish();
    println!("the server answered {} pings", seen.len());
}
