//! A command that reports what it sees of time and randomness, for the tests of virtual clocks
//! and seeded random numbers. Its steps come from the `STEPS` environment variable, separated by
//! `;`, one line each:
//!
//! ```text
//! wall             wall: SECONDS.NANOSECONDS
//! mono             mono: NANOSECONDS
//! resolution       resolution: mono NS, wall SECONDS.NANOSECONDS
//! random           random: 16 bytes of get-random-bytes, hex
//! u64              u64: get-random-u64
//! insecure         insecure: 16 bytes of get-insecure-random-bytes, hex
//! seed             seed: insecure-seed, twice (the same both times)
//! hashmap          hashmap: the iteration order of a std HashMap of 12 keys (seeded from insecure-seed)
//! sleep MS         sleep MS: mono +NS, wall +NS (std::thread::sleep)
//! race A B         race A B: ready [INDICES] after +NS (one poll of two timers, A and B ms)
//! stdin-race MS    stdin-race MS: ready [INDICES] (one poll of stdin and an MS ms timer)
//! ```

use std::collections::HashMap;
use std::fmt::Write as _;

use wasi::clocks::{monotonic_clock, wall_clock};
use wasi::random::{insecure, insecure_seed, random};

fn main() {
    let steps = std::env::var("STEPS").unwrap_or_default();
    for step in steps.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        let words: Vec<&str> = step.split_whitespace().collect();
        let line = match words.as_slice() {
            ["wall"] => {
                let t = wall_clock::now();
                format!("wall: {}.{:09}", t.seconds, t.nanoseconds)
            }
            ["mono"] => format!("mono: {}", monotonic_clock::now()),
            ["resolution"] => {
                let w = wall_clock::resolution();
                format!(
                    "resolution: mono {}, wall {}.{:09}",
                    monotonic_clock::resolution(),
                    w.seconds,
                    w.nanoseconds
                )
            }
            ["random"] => format!("random: {}", hex(&random::get_random_bytes(16))),
            ["u64"] => format!("u64: {}", random::get_random_u64()),
            ["insecure"] => format!(
                "insecure: {}",
                hex(&insecure::get_insecure_random_bytes(16))
            ),
            ["seed"] => format!(
                "seed: {:?} {:?}",
                insecure_seed::insecure_seed(),
                insecure_seed::insecure_seed()
            ),
            ["hashmap"] => {
                let map: HashMap<String, u32> = (0..12).map(|i| (format!("k{i}"), i)).collect();
                let order: Vec<&str> = map.keys().map(String::as_str).collect();
                format!("hashmap: {}", order.join(","))
            }
            ["sleep", ms] => {
                let ms: u64 = ms.parse().unwrap_or(0);
                let (m0, w0) = (monotonic_clock::now(), wall_ns());
                std::thread::sleep(std::time::Duration::from_millis(ms));
                let (m1, w1) = (monotonic_clock::now(), wall_ns());
                format!("sleep {ms}: mono +{}, wall +{}", m1 - m0, w1 - w0)
            }
            ["race", a, b] => {
                let (a, b): (u64, u64) = (a.parse().unwrap_or(0), b.parse().unwrap_or(0));
                let start = monotonic_clock::now();
                let timers = [
                    monotonic_clock::subscribe_duration(a * 1_000_000),
                    monotonic_clock::subscribe_duration(b * 1_000_000),
                ];
                let ready = wasi::io::poll::poll(&[&timers[0], &timers[1]]);
                format!(
                    "race {a} {b}: ready {ready:?} after +{}",
                    monotonic_clock::now() - start
                )
            }
            ["stdin-race", ms] => {
                let ms: u64 = ms.parse().unwrap_or(0);
                let stdin = wasi::cli::stdin::get_stdin();
                let readable = stdin.subscribe();
                let timer = monotonic_clock::subscribe_duration(ms * 1_000_000);
                let ready = wasi::io::poll::poll(&[&readable, &timer]);
                format!("stdin-race {ms}: ready {ready:?}")
            }
            _ => format!("unknown step: {step}"),
        };
        println!("{line}");
    }
}

fn wall_ns() -> u128 {
    let t = wall_clock::now();
    u128::from(t.seconds) * 1_000_000_000 + u128::from(t.nanoseconds)
}

fn hex(bytes: &[u8]) -> String {
    let mut out = String::new();
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}
