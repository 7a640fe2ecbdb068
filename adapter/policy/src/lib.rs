//! The policy as the adapter sees it: plain data, one binary encoding shared by the compiler
//! (which writes it into the adapter's memory) and the adapter (which reads it at run time).
//!
//! The format is deliberately simple and versioned: a magic header, then fields in a fixed order.
//! Both sides live in this crate so they cannot drift apart.

#![forbid(unsafe_code)]

mod codec;
mod glob;

pub use codec::DecodeError;
pub use glob::{expand_alternatives, glob_match};

/// Magic bytes at the start of an encoded policy.
pub const MAGIC: &[u8; 4] = b"VPOL";
/// Version of the encoding; bumped on any incompatible change.
pub const FORMAT_VERSION: u32 = 1;

/// What the adapter does for one subsystem it implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Access {
    /// Refuse: an error where the interface has one, a trap where it has none.
    #[default]
    Deny,
    /// Forward to the host's own implementation (imported by the adapter).
    Host,
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
    /// `wasi:filesystem/*`: `Deny` means no preopens at all; `Host` forwards the host's file system.
    pub fs: Access,
}

impl Policy {
    /// Encodes the policy into the bytes the adapter reads.
    pub fn encode(&self) -> Vec<u8> {
        codec::encode(self)
    }

    /// Decodes bytes written by [`Policy::encode`].
    pub fn decode(bytes: &[u8]) -> Result<Policy, DecodeError> {
        codec::decode(bytes)
    }
}
