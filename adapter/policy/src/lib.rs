//! The policy as the adapter sees it: plain data, one binary encoding shared by the compiler
//! (which writes it into the adapter's memory) and the adapter (which reads it at run time).
//!
//! The format is deliberately simple and versioned: a magic header, then fields in a fixed order.
//! Both sides live in this crate so they cannot drift apart.

// One exception, in the adapter's build only (feature `trap`): `codec::Reader::str`.
#![deny(unsafe_code)]
// No `std`: the adapter that reads the policy links no `std`, so that its panics are a trap
// and carry no formatting machinery (see `adapter/src/lib.rs`). Tests use `std`.
#![no_std]
// With `trap`, a decoder's `Err(bad(…))` never returns (see `codec::Error`).
#![cfg_attr(feature = "trap", allow(unreachable_code))]

extern crate alloc;
#[cfg(test)]
extern crate std;

/// What the standard prelude has and `core`'s does not, for every module of the crate.
mod prelude {
    pub use alloc::borrow::ToOwned;
    pub use alloc::boxed::Box;
    pub use alloc::string::{String, ToString};
    pub use alloc::vec::Vec;
    pub use alloc::{format, vec};
}
use prelude::*;

pub mod chacha;
mod codec;
mod glob;
pub mod http;
pub mod image;
pub mod literal;
pub mod memfs;
pub mod net;
pub mod pins;
pub mod registry;

pub use codec::{DecodeError, Error, Sections};
pub use glob::{MAX_ALTERNATIVES, count_alternatives, expand_alternatives, glob_match};

/// Magic bytes at the start of an encoded policy.
pub const MAGIC: &[u8; 4] = b"VPOL";
/// Version of the encoding; bumped on any incompatible change.
pub const FORMAT_VERSION: u32 = 8;

/// What the adapter does for one subsystem it implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Access {
    /// Refuse: an error where the interface has one, a trap where it has none.
    #[default]
    Deny,
    /// Forward to the host's own implementation (imported by the adapter).
    Host,
}

/// Where a traced adapter (`virtc compile --trace`) writes its line per WASI call. An adapter
/// built without tracing ignores it; the compiler sets it only for the tracing adapter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Trace {
    /// No tracing.
    #[default]
    Off,
    /// To the host's `wasi:cli/stderr`, whatever the component's own stderr is.
    Stderr,
    /// To `virtc:adapter/trace`, which `virtc run` implements (to its stderr or a file).
    Sink,
}

/// How the clocks run, beyond whether the host's are passed (`clocks` in [`Policy`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ClockMode {
    /// As `clocks` says: the host's clocks, or none (a call traps).
    #[default]
    Plain,
    /// `clocks fixed "INSTANT"`: virtual time. The wall clock starts at `seconds.nanoseconds`
    /// after the epoch and the monotonic clock at 0; both advance together, only when the
    /// component waits on a clock. `resolution` answers 1 ns. Needs no host clock unless a poll
    /// mixes host and virtual pollables (then the host's monotonic clock measures the wait).
    Fixed { seconds: u64, nanoseconds: u32 },
    /// `clocks resolution "D"`: the host's clocks, every reading rounded down to a multiple of
    /// `ns` (at least 1), and `resolution` answers `ns`.
    Resolution { ns: u64 },
}

/// `random seed N`: the keys of the three ChaCha20 streams (RFC 8439, nonce 0, block counter
/// from 0), each SHA-256 of its label followed by the seed as 8 little-endian bytes. The labels
/// are `virtc random` (`get-random-bytes`/`-u64`), `virtc insecure` (`wasi:random/insecure`) and
/// `virtc insecure-seed` (whose first two u64s are `insecure-seed`). The compiler derives them,
/// so the adapter needs no hash; this derivation is part of the format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RandomSeed {
    pub random: [u8; 32],
    pub insecure: [u8; 32],
    pub insecure_seed: [u8; 32],
}

/// What happens to one standard stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum StreamMode {
    /// The stream is closed: reads and writes report `closed`.
    #[default]
    Deny,
    /// The host's stream, wrapped.
    Host,
    /// Writes are accepted and dropped; reads report end of stream.
    Ignore,
}

/// Command-line arguments seen by the component.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Args {
    /// The host's arguments.
    Host,
    /// Exactly these arguments.
    Fixed(Vec<String>),
}

impl Default for Args {
    fn default() -> Self {
        Args::Fixed(Vec::new())
    }
}

/// `wasi:cli/environment` as the policy says.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Environment {
    /// Virtual variables, in the order the component sees them.
    pub vars: Vec<(String, String)>,
    /// Host variables whose names match one of these globs are passed through...
    pub allow: Vec<String>,
    /// ...unless they match one of these.
    pub deny: Vec<String>,
    /// The arguments.
    pub args: Args,
    /// The initial working directory reported to the component.
    pub cwd: Option<String>,
}

impl Environment {
    /// Whether the adapter needs the host's `wasi:cli/environment` to answer.
    pub fn needs_host(&self) -> bool {
        !self.allow.is_empty() || self.args == Args::Host
    }

    /// Whether a host variable called `name` is passed through.
    pub fn passes(&self, name: &str) -> bool {
        self.allow.iter().any(|p| glob_match(p, name))
            && !self.deny.iter().any(|p| glob_match(p, name))
    }
}

/// The standard streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Stdio {
    pub stdin: StreamMode,
    pub stdout: StreamMode,
    pub stderr: StreamMode,
}

/// Everything the adapter needs to know at run time.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Policy {
    pub env: Environment,
    pub stdio: Stdio,
    /// `wasi:random/*`.
    pub random: Access,
    /// `wasi:clocks/*`.
    pub clocks: Access,
    /// `wasi:cli/exit`.
    pub exit: Access,
    /// `allow fs`: every host preopen passes through as the host names it (`Host`); otherwise
    /// only the preopens of [`Policy::files`].
    pub fs: Access,
    /// Embedded trees and remapped host directories.
    pub files: Files,
    /// `wasi:sockets/*`: denied, the host's, or the host's under address rules.
    pub net: net::Network,
    /// Outgoing `wasi:http` requests: denied, the host's, or the host's under URL rules.
    pub http: HttpPolicy,
    /// `wasi:config/store`: virtual values and host keys passed through by glob.
    pub config: Config,
    /// What the statements said where the run-time data cannot tell, for `virtc inspect`. The
    /// adapter never reads it.
    pub origin: Origin,
    /// Whether and where the adapter traces its calls.
    pub trace: Trace,
    /// Virtual or coarsened clocks (with `clocks`: `Fixed` needs no host clock, `Resolution`
    /// the host's).
    pub clock_mode: ClockMode,
    /// Deterministic random numbers instead of the host's (then `random` is `Deny`: the host's
    /// are never asked).
    pub random_seed: Option<RandomSeed>,
}

/// The parts of a policy that the run-time data does not keep, recorded so that `virtc inspect`
/// can print the policy an output enforces from the output alone.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Origin {
    /// `allow env;`: the host's `wasi:cli/environment` passes through untouched.
    pub env_host: bool,
    /// `allow import` patterns.
    pub import_allow: Vec<String>,
    /// `deny import` patterns.
    pub import_deny: Vec<String>,
    /// The statements that embedded files, in order.
    pub embedded: Vec<Embedding>,
    /// `random seed N`: the seed itself (the run-time data holds only the keys derived from it).
    pub random_seed: Option<u64>,
    /// The policy files compiled, the root first, relative to the root's directory (the root
    /// by its file name).
    pub sources: Vec<String>,
}

impl Origin {
    /// Every host path the output was built from: the policy files, then the directories and
    /// files embedded, in order, each once.
    pub fn host_paths(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        let embedded = self.embedded.iter().filter_map(|e| match e {
            Embedding::Mount { local, .. } | Embedding::File { local, .. } => Some(local.as_str()),
            Embedding::Text { .. } => None,
        });
        for path in self.sources.iter().map(String::as_str).chain(embedded) {
            if !out.contains(&path) {
                out.push(path);
            }
        }
        out
    }
}

/// A statement that embedded files at build time. Local paths are as written when the compiled
/// policy wrote them, and rebased onto its directory when a `use`d file did.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Embedding {
    /// `mount "/guest" from "./local" { include …; exclude …; }`
    Mount {
        guest: String,
        local: String,
        include: Vec<String>,
        exclude: Vec<String>,
    },
    /// `file "/guest" from "./local";`
    File { guest: String, local: String },
    /// `file "/guest" = "text";` (the text is in the image).
    Text { guest: String },
}

/// How outgoing HTTP requests are governed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum HttpAccess {
    /// No outgoing requests: every one is refused with `HTTP-request-denied`.
    #[default]
    Deny,
    /// `allow http;`: the host's HTTP, untouched.
    Host,
    /// URL rules: the host's HTTP, every request checked against [`HttpPolicy::rules`].
    Rules,
}

/// Outgoing HTTP as the policy says.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct HttpPolicy {
    pub access: HttpAccess,
    pub rules: http::HttpRules,
    /// Whether the adapter imports the host's `wasi:http/types` (set by the compiler: HTTP
    /// passed through or under rules, or a component that serves requests). Without it every
    /// HTTP resource the component makes is the adapter's own and no request can be sent.
    pub host_types: bool,
}

/// `wasi:config/store` as the policy says.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Config {
    /// `allow config;`: the host's store, untouched (the adapter is not involved).
    pub access: Access,
    /// Virtual values (`config "key" = "value";`), sorted by key, each key once.
    pub values: Vec<(String, String)>,
    /// Host keys matching one of these globs are passed through...
    pub allow: Vec<String>,
    /// ...unless they match one of these.
    pub deny: Vec<String>,
}

impl Config {
    /// Whether the adapter needs the host's store to answer.
    pub fn needs_host(&self) -> bool {
        !self.allow.is_empty()
    }

    /// Whether the host's value of `key` is passed through (when no virtual value exists).
    pub fn passes(&self, key: &str) -> bool {
        self.allow.iter().any(|p| glob_match(p, key))
            && !self.deny.iter().any(|p| glob_match(p, key))
    }

    /// The virtual value of `key`.
    pub fn value(&self, key: &str) -> Option<&str> {
        self.values
            .binary_search_by(|(k, _)| k.as_str().cmp(key))
            .ok()
            .map(|i| self.values[i].1.as_str())
    }
}

/// The file system the policy builds: preopens, listed to the component in this order, over an
/// embedded image and host directories.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Files {
    pub preopens: Vec<Preopen>,
    /// Host files served at guest paths inside the image (its `HostFile` nodes point here).
    pub host_files: Vec<HostFile>,
    /// The embedded image ([`image::Image`]); empty when nothing is embedded. In the adapter it
    /// is read in place from the policy's bytes.
    pub image: image::ImageBytes,
}

/// One preopened directory as the component sees it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Preopen {
    /// The path the component sees (`/`, `/etc/app`).
    pub guest: String,
    pub source: PreopenSource,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PreopenSource {
    /// A directory node of the embedded image, read-only.
    Embedded { node: u32 },
    /// The host preopen the host names `host` (e.g. `wasmtime run --dir /srv/data`), exposed
    /// under the guest path; `readonly` refuses every change.
    Host { host: String, readonly: bool },
    /// A writable directory in memory (`tmpfs`, `mount … writable`): empty (`node: None`), or
    /// starting as the embedded directory `node`, whose bytes are copied only when a file is
    /// changed. Changes live as long as the instance and never reach the host. `limit`: the most
    /// bytes of file contents created or changed (a changed embedded file counts whole, a hole
    /// counts as written); writing past it is `insufficient-space`.
    Memory {
        node: Option<u32>,
        limit: Option<u64>,
    },
}

/// `file "/guest" from host "/dir/name";`: the host file `name` of the host preopen the host
/// names `dir`, opened at run time. That preopen itself is never listed to the component.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HostFile {
    pub dir: String,
    pub name: String,
    pub readonly: bool,
}

impl Files {
    /// Whether anything comes from the host (the adapter then needs `wasi:filesystem`).
    pub fn needs_host(&self) -> bool {
        !self.host_files.is_empty()
            || self
                .preopens
                .iter()
                .any(|p| matches!(p.source, PreopenSource::Host { .. }))
    }
}

impl Policy {
    /// Encodes the policy into the bytes the adapter reads.
    pub fn encode(&self) -> Vec<u8> {
        codec::encode(self)
    }

    /// The bytes of [`Policy::encode`] before those of the image, which end them: the compiler
    /// writes the image's parts after these, straight into its output.
    pub fn encode_head(&self) -> Vec<u8> {
        codec::encode_head(self)
    }

    /// Decodes bytes written by [`Policy::encode`].
    pub fn decode(bytes: &[u8]) -> Result<Policy, Error> {
        codec::decode(bytes).map(|(policy, _)| policy)
    }

    /// Decodes the core of the policy and leaves the rest where it lies: returns the policy
    /// (with an empty `files.image` and default `net`, `http` and `config`) and where those
    /// parts are in `bytes`. The adapter reads the image in place and decodes each other part
    /// on its first use, so the code that decodes a part ships only in components that can
    /// reach that part's interfaces.
    pub fn decode_core(bytes: &[u8]) -> Result<(Policy, Sections), Error> {
        codec::decode_core(bytes)
    }
}
