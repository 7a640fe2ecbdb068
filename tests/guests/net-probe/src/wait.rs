//! Bounded waits: a pollable raced against a monotonic-clock timer.

use wasi::clocks::monotonic_clock;
use wasi::io::poll::{Pollable, poll};

/// How long a step waits for a connection, a lookup or a datagram it expects.
pub const LONG: u64 = 10_000_000_000;
/// How long `udp-send` waits for a reply that may never come.
pub const SHORT: u64 = 3_000_000_000;

/// Whether `pollable` became ready within `nanos`.
pub fn ready(pollable: &Pollable, nanos: u64) -> bool {
    let timer = monotonic_clock::subscribe_duration(nanos);
    poll(&[pollable, &timer]).contains(&0)
}

/// Nanoseconds on the monotonic clock, to share one deadline among several waits.
pub fn now() -> u64 {
    monotonic_clock::now()
}
