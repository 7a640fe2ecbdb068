//! Bounded waits: a pollable raced against a monotonic-clock timer.

use wasi::clocks::monotonic_clock;
use wasi::io::poll::{Pollable, poll};
use wasi::sockets::network::ErrorCode;

use crate::Failed;

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

/// Calls `finish` (a socket's `finish-*` or `accept`) until it stops answering `would-block`,
/// waiting on `pollable` at most `LONG` each time; a failure is reported at `stage`.
pub fn finish<T>(
    pollable: &Pollable,
    stage: &'static str,
    mut finish: impl FnMut() -> Result<T, ErrorCode>,
) -> Result<T, Failed> {
    loop {
        match finish() {
            Err(ErrorCode::WouldBlock) => {
                if !ready(pollable, LONG) {
                    return Err(Failed::other("timeout", stage));
                }
            }
            result => return result.map_err(Failed::at(stage)),
        }
    }
}
