//! `wasi:clocks/*`: the host's clocks when allowed, a trap otherwise (no error channel).

use crate::Adapter;
use crate::bindings::exports::wasi::clocks::{monotonic_clock, wall_clock};
use crate::bindings::exports::wasi::io::poll::Pollable;
use crate::bindings::wasi::clocks::{monotonic_clock as host_monotonic, wall_clock as host_wall};
use crate::io::poll;
use crate::policy;

fn require() {
    policy::require_host(policy::get().clocks);
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
        require();
        host_monotonic::now()
    }

    fn resolution() -> monotonic_clock::Duration {
        trace!("wasi:clocks/monotonic-clock#resolution()");
        require();
        host_monotonic::resolution()
    }

    fn subscribe_instant(when: monotonic_clock::Instant) -> Pollable {
        trace!("wasi:clocks/monotonic-clock#subscribe-instant({when})");
        require();
        poll::from_host(host_monotonic::subscribe_instant(when))
    }

    fn subscribe_duration(when: monotonic_clock::Duration) -> Pollable {
        trace!("wasi:clocks/monotonic-clock#subscribe-duration({when})");
        require();
        poll::from_host(host_monotonic::subscribe_duration(when))
    }
}

impl wall_clock::Guest for Adapter {
    fn now() -> wall_clock::Datetime {
        trace!("wasi:clocks/wall-clock#now()");
        require();
        datetime_from_host(host_wall::now())
    }

    fn resolution() -> wall_clock::Datetime {
        trace!("wasi:clocks/wall-clock#resolution()");
        require();
        datetime_from_host(host_wall::resolution())
    }
}
