//! What network rules cost: the composed size of the `net-probe` guest under a denying policy,
//! under rules and with sockets passed through, and the time a TCP connect (with one line
//! exchanged) takes through the adapter's checks compared with the same guest unvirtualized.
//!
//! Run with `cargo bench -p virtc-tests --bench sockets`; it prints its figures (no harness).
//! Each variant runs `CONNECTS` connections to a line server on 127.0.0.1 and, separately, no
//! step at all; the difference divided by `CONNECTS` is the cost of one connect, without the
//! per-run cost of compiling and instantiating the component. Minimum and median of `RUNS`,
//! after one warm-up run.

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
    let policy = |steps: &str, rules: &str| {
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
        let compose = |steps: &str| {
            compile_ok(&policy(steps, rules), &probe)
                .composed
                .expect("composed")
        };
        let (busy, idle) = (compose(&steps), compose(""));
        println!("{label:32} {:>9} bytes composed", busy.len());
        composed.push((*label, busy, idle));
    }
    let per_connect = |label: &str, busy: &dyn Fn(), idle: &dyn Fn()| {
        let time = |run: &dyn Fn()| {
            run();
            let mut times: Vec<Duration> = (0..RUNS)
                .map(|_| {
                    let start = Instant::now();
                    run();
                    start.elapsed()
                })
                .collect();
            times.sort();
            (times[0], times[RUNS / 2])
        };
        let (busy_min, busy_median) = time(busy);
        let (idle_min, idle_median) = time(idle);
        let per = |busy: Duration, idle: Duration| {
            busy.saturating_sub(idle).as_secs_f64() * 1e6 / CONNECTS as f64
        };
        println!(
            "{label:32} {:>7.1} µs per connect (min), {:>7.1} (median); a run without steps {:.1} ms",
            per(busy_min, idle_min),
            per(busy_median, idle_median),
            idle_min.as_secs_f64() * 1e3
        );
    };
    let busy_env = [("STEPS", steps.as_str())];
    per_connect(
        "unvirtualized",
        &|| {
            assert!(
                run_open_network(&probe, &busy_env)
                    .stdout
                    .ends_with(b"done\n")
            )
        },
        &|| assert!(run_open_network(&probe, &[]).stdout.ends_with(b"done\n")),
    );
    for (label, busy, idle) in &composed[1..] {
        let check = |bytes: &[u8]| {
            let out = run_open_network(bytes, &[]);
            assert!(
                out.stdout.ends_with(b"done\n"),
                "{}",
                String::from_utf8_lossy(&out.stdout)
            );
        };
        per_connect(label, &|| check(busy), &|| check(idle));
    }
    let seen = server.finish();
    println!("the server answered {} pings", seen.len());
}
