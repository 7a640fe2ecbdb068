//! `wasi:clocks/*`: the host's clocks when allowed, a trap otherwise (no error channel). Under
//! `clocks fixed` ([`ClockMode::Fixed`]) the clocks are virtual and never ask the host; under
//! `clocks resolution` ([`ClockMode::Resolution`]) they are the host's, every reading rounded
//! down.
//!
//! Virtual time is one counter, the monotonic clock in nanoseconds from 0; the wall clock is the
//! policy's start plus it. It moves only forward, and only when the component waits on a virtual
//! clock's pollable (see `crate::io::poll`).

use core::cell::Cell;

use crate::Adapter;
use crate::bindings::exports::wasi::clocks::{monotonic_clock, wall_clock};
use crate::bindings::exports::wasi::io::poll::Pollable;
use crate::bindings::wasi::clocks::{monotonic_clock as host_monotonic, wall_clock as host_wall};
use crate::io::poll;
use crate::policy::{self, Access, ClockMode};

const NANOS_PER_SECOND: u64 = 1_000_000_000;

fn require() {
    policy::require_host(policy::get().clocks);
}

fn mode() -> ClockMode {
    policy::get().clock_mode
}

/// Virtual monotonic time (`clocks fixed`), in nanoseconds since the instance started.
struct VirtualTime(Cell<u64>);

// SAFETY: wasm32 without threads; nothing here is ever shared across threads.
unsafe impl Sync for VirtualTime {}

static NOW: VirtualTime = VirtualTime(Cell::new(0));

/// The virtual monotonic clock's reading.
pub fn virtual_now() -> u64 {
    NOW.0.get()
}

/// Moves virtual time to `to`, unless it is there or later already.
pub fn advance(to: u64) {
    if to > NOW.0.get() {
        NOW.0.set(to);
    }
}

/// The granularity of `clocks resolution`: at least 1 ns.
fn granularity(ns: u64) -> u64 {
    ns.max(1)
}

/// A duration in nanoseconds as a `datetime`.
fn datetime_of(ns: u64) -> wall_clock::Datetime {
    wall_clock::Datetime {
        seconds: ns / NANOS_PER_SECOND,
        nanoseconds: (ns % NANOS_PER_SECOND) as u32,
    }
}

/// `(x + y) % m` for `x, y < m`, without overflow.
fn add_mod(x: u64, y: u64, m: u64) -> u64 {
    let (sum, carry) = x.overflowing_add(y);
    if carry || sum >= m {
        sum.wrapping_sub(m)
    } else {
        sum
    }
}

/// A host wall-clock time rounded down to a multiple of `ns` nanoseconds since the epoch (in
/// 64-bit arithmetic: 128-bit division would cost the adapter more than this).
fn round_datetime(t: host_wall::Datetime, ns: u64) -> wall_clock::Datetime {
    let (mut seconds, mut nanos) = (t.seconds, u64::from(t.nanoseconds));
    // (seconds * 10^9 + nanos) % ns, the multiplication by doubling and adding.
    let mut rem = nanos % ns;
    let (mut a, mut b) = (seconds % ns, NANOS_PER_SECOND);
    while b > 0 {
        if b & 1 == 1 {
            rem = add_mod(rem, a, ns);
        }
        a = add_mod(a, a, ns);
        b >>= 1;
    }
    // Subtract it; the reading is at least `rem`, so nothing goes below zero.
    let rem_nanos = rem % NANOS_PER_SECOND;
    seconds -= rem / NANOS_PER_SECOND;
    if nanos < rem_nanos {
        nanos += NANOS_PER_SECOND;
        seconds -= 1;
    }
    nanos -= rem_nanos;
    wall_clock::Datetime {
        seconds,
        nanoseconds: nanos as u32,
    }
}

/// The virtual wall clock: `seconds.nanoseconds` after the epoch plus virtual time, saturating
/// at the largest `datetime`.
fn fixed_datetime(seconds: u64, nanoseconds: u32) -> wall_clock::Datetime {
    let now = virtual_now();
    // Below 2^32 + 10^9: no overflow.
    let nanos = u64::from(nanoseconds) + now % NANOS_PER_SECOND;
    match seconds
        .checked_add(now / NANOS_PER_SECOND)
        .and_then(|s| s.checked_add(nanos / NANOS_PER_SECOND))
    {
        Some(seconds) => wall_clock::Datetime {
            seconds,
            nanoseconds: (nanos % NANOS_PER_SECOND) as u32,
        },
        None => wall_clock::Datetime {
            seconds: u64::MAX,
            nanoseconds: (NANOS_PER_SECOND - 1) as u32,
        },
    }
}

/// The wall clock as in-memory files' timestamps read it (`crate::fs::memory`): virtual under
/// `clocks fixed`, the host's (rounded under `clocks resolution`) when the policy passes the
/// clocks, else the epoch. Never traps, never traces, and asks the host only when its clocks
/// are passed.
pub fn file_time() -> wall_clock::Datetime {
    match mode() {
        ClockMode::Fixed {
            seconds,
            nanoseconds,
        } => fixed_datetime(seconds, nanoseconds),
        _ if policy::get().clocks != Access::Host => datetime_of(0),
        ClockMode::Resolution { ns } => round_datetime(host_wall::now(), granularity(ns)),
        ClockMode::Plain => datetime_from_host(host_wall::now()),
    }
}

/// A host wall-clock time as the adapter exports it (also used by file timestamps).
pub fn datetime_from_host(t: host_wall::Datetime) -> wall_clock::Datetime {
    wall_clock::Datetime {
        seconds: t.seconds,
        nanoseconds: t.nanoseconds,
    }
}

/// A wall-clock time from the component, for the host.
pub fn datetime_to_host(t: wall_clock::Datetime) -> host_wall::Datetime {
    host_wall::Datetime {
        seconds: t.seconds,
        nanoseconds: t.nanoseconds,
    }
}

impl monotonic_clock::Guest for Adapter {
    fn now() -> monotonic_clock::Instant {
        trace!("wasi:clocks/monotonic-clock#now()");
        match mode() {
            ClockMode::Plain => {
                require();
                host_monotonic::now()
            }
            ClockMode::Fixed { .. } => virtual_now(),
            ClockMode::Resolution { ns } => {
                require();
                let t = host_monotonic::now();
                t - t % granularity(ns)
            }
        }
    }

    fn resolution() -> monotonic_clock::Duration {
        trace!("wasi:clocks/monotonic-clock#resolution()");
        match mode() {
            ClockMode::Plain => {
                require();
                host_monotonic::resolution()
            }
            ClockMode::Fixed { .. } => 1,
            ClockMode::Resolution { ns } => {
                require();
                granularity(ns)
            }
        }
    }

    fn subscribe_instant(when: monotonic_clock::Instant) -> Pollable {
        trace!("wasi:clocks/monotonic-clock#subscribe-instant({when})");
        if let ClockMode::Fixed { .. } = mode() {
            return poll::deadline(when);
        }
        require();
        poll::from_host(host_monotonic::subscribe_instant(when))
    }

    fn subscribe_duration(when: monotonic_clock::Duration) -> Pollable {
        trace!("wasi:clocks/monotonic-clock#subscribe-duration({when})");
        if let ClockMode::Fixed { .. } = mode() {
            return poll::deadline(virtual_now().saturating_add(when));
        }
        require();
        poll::from_host(host_monotonic::subscribe_duration(when))
    }
}

impl wall_clock::Guest for Adapter {
    fn now() -> wall_clock::Datetime {
        trace!("wasi:clocks/wall-clock#now()");
        match mode() {
            ClockMode::Plain => {
                require();
                datetime_from_host(host_wall::now())
            }
            ClockMode::Fixed {
                seconds,
                nanoseconds,
            } => fixed_datetime(seconds, nanoseconds),
            ClockMode::Resolution { ns } => {
                require();
                round_datetime(host_wall::now(), granularity(ns))
            }
        }
    }

    fn resolution() -> wall_clock::Datetime {
        trace!("wasi:clocks/wall-clock#resolution()");
        match mode() {
            ClockMode::Plain => {
                require();
                datetime_from_host(host_wall::resolution())
            }
            ClockMode::Fixed { .. } => datetime_of(1),
            ClockMode::Resolution { ns } => {
                require();
                datetime_of(granularity(ns))
            }
        }
    }
}
