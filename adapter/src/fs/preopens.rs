//! `wasi:filesystem/preopens`: the policy's preopens in order (embedded directories, writable
//! trees in memory, host directories remapped under a guest path, possibly read-only), then,
//! with `allow fs`, every host preopen as the host names it. Each tree in memory is made once
//! per instance: every call lists its root.
//!
//! A host preopen named only by host files ([`super::host_files`]) is never listed: the component
//! reaches its one file through the embedded tree, and nothing else in it.

use crate::prelude::*;

use super::types::Descriptor;
use crate::Adapter;
use crate::bindings::exports::wasi::filesystem::{preopens as api, types as api_types};
use crate::bindings::wasi::filesystem::{preopens as host, types as host_types};
use crate::policy::{self, Access, PreopenSource};

type HostPreopens = Vec<(host_types::Descriptor, String)>;

impl api::Guest for Adapter {
    fn get_directories() -> Vec<(api_types::Descriptor, String)> {
        let policy = policy::get();
        let out = if policy.files.preopens.is_empty() && policy.fs != Access::Host {
            Vec::new()
        } else {
            listed(policy)
        };
        trace!(
            "wasi:filesystem/preopens#get-directories() -> [{}]",
            crate::trace::names(out.iter().map(|(_, p)| p.as_str()))
        );
        out
    }
}

/// The preopens `policy` lists (gated: a policy with none and without `allow fs` has no code
/// for them).
#[inline(never)]
fn listed(policy: &policy::Policy) -> Vec<(api_types::Descriptor, String)> {
    crate::gate::preopens();
    let mut out = Vec::with_capacity(policy.files.preopens.len());
    // Fetched on first need: the host's file system is imported only when some preopen
    // comes from it (or with `allow fs`).
    let mut pool: Option<HostPreopens> = None;
    // The index of the next tree in memory.
    let mut trees = 0;
    for preopen in &policy.files.preopens {
        let d = match &preopen.source {
            PreopenSource::Embedded { node } => Descriptor::virtual_(*node),
            PreopenSource::Memory { .. } => {
                trees += 1;
                Descriptor::memory(trees - 1)
            }
            PreopenSource::Host { host, readonly } => {
                // A host preopen the host does not provide is simply absent.
                let Some(d) = host_dir(&mut pool, host) else {
                    continue;
                };
                Descriptor::host(d, *readonly)
            }
        };
        out.push((d, preopen.guest.clone()));
    }
    if policy.fs == Access::Host {
        all_host_dirs(&mut out);
    }
    for (d, path) in &out {
        crate::trace::name(crate::trace::addr(d.get::<Descriptor>()), path.clone());
    }
    out
}

/// The host's preopen `host`, taken from `pool` (the host's list, fetched on first need)
/// (gated: only a policy with host directories has the code).
#[inline(never)]
fn host_dir(pool: &mut Option<HostPreopens>, host: &str) -> Option<host_types::Descriptor> {
    crate::gate::host_dirs();
    let pool = pool.get_or_insert_with(host::get_directories);
    match pool.iter().position(|(_, path)| path == host) {
        Some(i) => Some(pool.swap_remove(i).0),
        // Absent, or already handed out under another guest path: a fresh list has a new
        // descriptor for it if the host has it at all.
        None => host::get_directories()
            .into_iter()
            .find(|(_, path)| path == host)
            .map(|(d, _)| d),
    }
}

/// Appends every host preopen as the host names it (`allow fs`; gated like [`host_dir`]).
#[inline(never)]
fn all_host_dirs(out: &mut Vec<(api_types::Descriptor, String)>) {
    crate::gate::host_dirs();
    out.extend(
        host::get_directories()
            .into_iter()
            .map(|(d, path)| (Descriptor::host(d, false), path)),
    );
}
