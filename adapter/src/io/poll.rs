//! `wasi:io/poll`: pollables that are virtual (always ready, as virtual sources never block, or a
//! virtual clock's deadline) or wrap a host pollable, and `poll` over any mix of them.
//!
//! Virtual clocks (`clocks fixed`, see `crate::clocks`) never wait in real time: a `poll` of
//! virtual pollables only, or a `block` on a deadline, moves virtual time to the earliest
//! deadline at once. Only a `poll` that mixes deadlines with host pollables waits for real, for
//! the host ones and at most for the time left until the earliest deadline (a host timer), and
//! virtual time then advances by the time waited, measured on the host's monotonic clock. That
//! is the only call of the host's clock under `clocks fixed`, and it happens only where host
//! pollables exist, that is where the policy passes something of the host's through.

use crate::prelude::*;

use crate::bindings::exports::wasi::io::poll as api;
use crate::bindings::wasi::clocks::monotonic_clock as host_monotonic;
use crate::bindings::wasi::io::poll as host;
use crate::{Adapter, clocks, trap};

/// The adapter's `pollable` resource.
pub enum Pollable {
    /// Always ready: closed, discarding and in-memory streams never make anyone wait.
    Ready,
    /// A host pollable (host streams, host clocks).
    Host(host::Pollable),
    /// A virtual clock's (`clocks fixed`): ready once virtual time reaches this instant.
    Deadline(u64),
}

/// A pollable that is always ready.
pub fn ready() -> api::Pollable {
    api::Pollable::new(Pollable::Ready)
}

/// Wraps a host pollable.
pub fn from_host(pollable: host::Pollable) -> api::Pollable {
    api::Pollable::new(Pollable::Host(pollable))
}

/// A virtual clock's pollable, ready once virtual time reaches `when`.
pub fn deadline(when: u64) -> api::Pollable {
    api::Pollable::new(Pollable::Deadline(when))
}

impl Pollable {
    /// Whether a virtual pollable is ready when virtual time is `now` (a host one: no).
    fn due(&self, now: u64) -> bool {
        match *self {
            Pollable::Ready => true,
            Pollable::Deadline(when) => when <= now,
            Pollable::Host(_) => false,
        }
    }
}

/// The indices of the virtual pollables ready when virtual time is `now` and, with `hosts`, of
/// the host pollables ready already, in order.
// Not inlined: one copy serves its three callers.
#[inline(never)]
fn ready_at(list: &[&Pollable], now: u64, hosts: bool) -> Vec<u32> {
    (0u32..)
        .zip(list)
        .filter(|(_, p)| match p {
            Pollable::Host(h) => hosts && h.ready(),
            p => p.due(now),
        })
        .map(|(i, _)| i)
        .collect()
}

/// `poll`, untraced, on a non-empty list.
fn poll_list(list: &[&Pollable]) -> Vec<u32> {
    let now = clocks::virtual_now();
    if list.iter().any(|p| p.due(now)) {
        // Do not block: report the virtual ones that are ready and the host ones that are ready
        // already.
        return ready_at(list, now, true);
    }
    let mut host_list: Vec<&host::Pollable> = Vec::with_capacity(list.len() + 1);
    let mut host_index: Vec<u32> = Vec::with_capacity(list.len());
    let mut earliest: Option<u64> = None;
    for (i, p) in (0u32..).zip(list) {
        match p {
            Pollable::Host(h) => {
                host_list.push(h);
                host_index.push(i);
            }
            Pollable::Deadline(when) => earliest = Some(earliest.map_or(*when, |e| e.min(*when))),
            Pollable::Ready => {}
        }
    }
    if host_list.is_empty() {
        let Some(deadline) = earliest else {
            // Nothing could ever become ready.
            trace!("wasi:io/poll#poll({} pollables) -> trap", list.len());
            trap();
        };
        // Virtual clocks only: time jumps to the earliest deadline.
        clocks::advance(deadline);
        return ready_at(list, deadline, false);
    }
    // Wait for the host ones; with virtual clocks, at most until the earliest deadline (a host
    // timer, after the host ones in the host's list), then advance virtual time by the time
    // waited.
    let timer = earliest.map(|deadline| {
        let start = host_monotonic::now();
        (start, host_monotonic::subscribe_duration(deadline - now))
    });
    if let Some((_, t)) = &timer {
        host_list.push(t);
    }
    let timer_index = host_index.len() as u32;
    let fired = host::poll(&host_list);
    if let (Some(deadline), Some((start, _))) = (earliest, &timer) {
        let waited = host_monotonic::now().saturating_sub(*start);
        clocks::advance(if fired.contains(&timer_index) {
            deadline
        } else {
            now.saturating_add(waited).min(deadline)
        });
    }
    let mut ready = Vec::with_capacity(list.len());
    for j in fired {
        match host_index.get(j as usize) {
            Some(i) => ready.push(*i),
            None if timer.is_some() && j == timer_index => {}
            None => trap(),
        }
    }
    if timer.is_some() {
        ready.extend(ready_at(list, clocks::virtual_now(), false));
    }
    ready
}

impl api::Guest for Adapter {
    type Pollable = Pollable;

    fn poll(list: Vec<api::PollableBorrow<'_>>) -> Vec<u32> {
        // Like hosts: an empty list, or one whose indices do not fit in u32, traps.
        if list.is_empty() || u32::try_from(list.len()).is_err() {
            trace!("wasi:io/poll#poll({} pollables) -> trap", list.len());
            trap();
        }
        let list: Vec<&Pollable> = list.iter().map(|p| p.get::<Pollable>()).collect();
        let ready = poll_list(&list);
        trace!(
            "wasi:io/poll#poll({} pollables) -> [{}]",
            list.len(),
            crate::trace::list(ready.iter())
        );
        ready
    }
}

impl api::GuestPollable for Pollable {
    fn ready(&self) -> bool {
        let ready = match self {
            Pollable::Host(p) => p.ready(),
            p => p.due(clocks::virtual_now()),
        };
        trace!("wasi:io/poll#ready() -> {ready}");
        ready
    }

    fn block(&self) {
        // Traced before it blocks: there is no result to wait for.
        trace!("wasi:io/poll#block()");
        match self {
            Pollable::Ready => {}
            Pollable::Host(p) => p.block(),
            Pollable::Deadline(when) => clocks::advance(*when),
        }
    }
}
