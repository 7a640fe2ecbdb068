//! `wasi:io/poll`: pollables that are always ready (virtual sources never block) or wrap a host
//! pollable, and `poll` over any mix of them.

use crate::bindings::exports::wasi::io::poll as api;
use crate::bindings::wasi::io::poll as host;
use crate::{Adapter, trap};

/// The adapter's `pollable` resource.
pub enum Pollable {
    /// Always ready: closed, discarding and in-memory streams never make anyone wait.
    Ready,
    /// A host pollable (host streams, host clocks).
    Host(host::Pollable),
}

/// A pollable that is always ready.
pub fn ready() -> api::Pollable {
    api::Pollable::new(Pollable::Ready)
}

/// Wraps a host pollable.
pub fn from_host(pollable: host::Pollable) -> api::Pollable {
    api::Pollable::new(Pollable::Host(pollable))
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
        let any_ready = list.iter().any(|p| matches!(p, Pollable::Ready));
        let ready: Vec<u32> = if any_ready {
            // Do not block: report the virtual ones and the host ones that are ready already.
            (0u32..)
                .zip(&list)
                .filter(|(_, p)| match p {
                    Pollable::Ready => true,
                    Pollable::Host(h) => h.ready(),
                })
                .map(|(i, _)| i)
                .collect()
        } else {
            let mut host_list: Vec<&host::Pollable> = Vec::with_capacity(list.len());
            let mut host_index: Vec<u32> = Vec::with_capacity(list.len());
            for (i, p) in (0u32..).zip(&list) {
                if let Pollable::Host(h) = p {
                    host_list.push(h);
                    host_index.push(i);
                }
            }
            if host_list.is_empty() {
                // Nothing could ever become ready.
                trace!("wasi:io/poll#poll({} pollables) -> trap", list.len());
                trap();
            }
            host::poll(&host_list)
                .into_iter()
                .map(|j| *host_index.get(j as usize).unwrap_or_else(|| trap()))
                .collect()
        };
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
            Pollable::Ready => true,
            Pollable::Host(p) => p.ready(),
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
        }
    }
}
