//! The policy the compiler wrote into this adapter's memory, decoded once on first use.
//!
//! The compiler replaces the two `virtc:policy` imports with constant functions returning where
//! it placed the encoded policy. Host imports are kept by the compiler only when the policy passes
//! the subsystem governing them through: the rule is `host_allowed` in
//! `compiler/src/codegen/adapter.rs`, derived from the interface registry
//! (`adapter/policy/src/registry.rs`). The code here follows it: a host import is called only
//! where the policy grants the host (e.g. [`fs_host`] for the file system; for the network,
//! `crate::sockets` calls the host only when the policy has rules or `allow sockets;`); HTTP is
//! exported only when it passes through, so its wrappers always forward. Under `random seed`
//! ([`RandomSeed`]) the host's randomness is never called (`crate::random`). Under `clocks fixed`
//! ([`ClockMode::Fixed`]) neither are the host's clocks, except the monotonic clock's `now` and
//! `subscribe-duration` inside a `poll` that mixes virtual clocks with host pollables
//! (`crate::io::poll`): host pollables exist only where something host-backed passes through,
//! which is when the compiler keeps that import. Writable trees in memory (`tmpfs`,
//! `mount … writable`, `crate::fs`) call no host import, except the host's wall clock for file
//! timestamps when the policy passes the clocks.
//!
//! The embedded image is not copied: it is read in place from the policy's bytes, which live in
//! the module's memory for the instance's life. The network, HTTP and config parts are decoded
//! on their first use ([`net`], [`http`], [`config`]), so their decoders ship only in components
//! whose imports can reach them.

pub use virtc_policy::image::{Image, Kind, Node};
use virtc_policy::net::Network;
pub use virtc_policy::{
    Access, Args, ClockMode, Config, HostFile, HttpAccess, HttpPolicy, Policy, Preopen,
    PreopenSource, RandomSeed, Sections, StreamMode, Trace,
};

use crate::Once;

#[link(wasm_import_module = "virtc:policy")]
unsafe extern "C" {
    #[link_name = "ptr"]
    fn policy_ptr() -> *const u8;
    #[link_name = "len"]
    fn policy_len() -> usize;
}

/// The decoded policy and its image.
struct Loaded {
    policy: Policy,
    image: Image<'static>,
    bytes: &'static [u8],
    sections: Sections,
}

static POLICY: Once<Loaded> = Once::new();

fn loaded() -> &'static Loaded {
    POLICY.get_or_init(load)
}

/// The policy; traps if the embedded bytes do not decode.
pub fn get() -> &'static Policy {
    &loaded().policy
}

/// The embedded image (empty when nothing is embedded).
pub fn image() -> Image<'static> {
    loaded().image
}

/// The network rules; traps if they do not decode.
pub fn net() -> &'static Network {
    static NET: Once<Network> = Once::new();
    NET.get_or_init(|| {
        let l = loaded();
        l.sections.net(l.bytes).unwrap_or_else(|_| crate::trap())
    })
}

/// Outgoing HTTP; traps if it does not decode.
pub fn http() -> &'static HttpPolicy {
    static HTTP: Once<HttpPolicy> = Once::new();
    HTTP.get_or_init(|| {
        let l = loaded();
        l.sections.http(l.bytes).unwrap_or_else(|_| crate::trap())
    })
}

/// The config store; traps if it does not decode.
pub fn config() -> &'static Config {
    static CONFIG: Once<Config> = Once::new();
    CONFIG.get_or_init(|| {
        let l = loaded();
        l.sections.config(l.bytes).unwrap_or_else(|_| crate::trap())
    })
}

/// Whether the host's file system is imported: `allow fs`, a preopen or a file taken from the
/// host.
pub fn fs_host() -> bool {
    let policy = get();
    policy.fs == Access::Host || policy.files.needs_host()
}

fn load() -> Loaded {
    // SAFETY: the compiler writes `len` bytes of encoded policy at `ptr`, inside the module's
    // initial memory, which nothing else uses and which lives as long as the instance.
    let bytes: &'static [u8] = unsafe {
        let ptr = policy_ptr();
        if ptr.is_null() {
            crate::trap();
        }
        core::slice::from_raw_parts(ptr, policy_len())
    };
    let (policy, sections) = Policy::decode_core(bytes).unwrap_or_else(|_| crate::trap());
    let image = match bytes.get(sections.image.clone()) {
        Some([]) => Image::empty(),
        Some(image) => Image::new(image).unwrap_or_else(|_| crate::trap()),
        None => crate::trap(),
    };
    // Every embedded preopen must be a directory of the image: checked once here, so that the
    // file system code can index nodes freely.
    for preopen in &policy.files.preopens {
        if let PreopenSource::Embedded { node } = preopen.source
            && (node >= image.len() || image.node(node).kind != Kind::Directory)
        {
            crate::trap();
        }
    }
    Loaded {
        policy,
        image,
        bytes,
        sections,
    }
}

/// Traps unless `access` passes the subsystem through: for interfaces without an error channel
/// (random, clocks, exit), a trap is how `Deny` is reported.
pub fn require_host(access: Access) {
    if access != Access::Host {
        crate::trap();
    }
}
