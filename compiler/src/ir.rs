//! The checked policy in the form code generation wants: what the adapter does at run time, and
//! which host interfaces pass through untouched.

use std::path::PathBuf;

use virtc_grammar::Span;
use virtc_policy::{Access, Policy, StreamMode};

pub use crate::analyse::settings::FileSource;
use crate::db::SourceFile;

/// A checked, fully resolved policy (all `use`s applied, later statements winning).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct PolicyIr {
    /// The data written into the adapter.
    pub runtime: Policy,
    /// `allow env`: the host's `wasi:cli/environment` as it is.
    pub env_host: bool,
    /// `wasi:sockets/*`.
    pub sockets: Access,
    /// `wasi:http/*`.
    pub http: Access,
    /// `wasi:config/*`.
    pub config: Access,
    /// Host directories passed through at run time, remapped.
    pub preopens: Vec<Preopen>,
    /// Directories embedded at build time.
    pub mounts: Vec<MountIr>,
    /// Single embedded files.
    pub files: Vec<FileIr>,
}

/// A place in a policy file, for diagnostics found after checking (while embedding).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Place {
    pub file: SourceFile,
    pub span: Span,
}

/// `preopen "/guest" from host "/host" [readonly];`
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Preopen {
    pub guest: String,
    pub host: PathBuf,
    pub readonly: bool,
    pub at: Place,
}

/// `mount "/guest" from "./dir" { include …; exclude …; }`
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MountIr {
    pub guest: String,
    pub host: PathBuf,
    pub include: Vec<(String, Place)>,
    pub exclude: Vec<(String, Place)>,
    /// The statement.
    pub at: Place,
    /// The host path string.
    pub host_at: Place,
}

/// `file "/guest" = "text";` / `file "/guest" from "./local";`
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FileIr {
    pub guest: String,
    pub source: FileSource,
    pub at: Place,
    pub source_at: Place,
}

impl PolicyIr {
    /// Whether the policy builds a file system of its own (embedded files or remapped host
    /// directories), which the adapter then serves.
    pub fn has_files(&self) -> bool {
        !self.preopens.is_empty() || !self.mounts.is_empty() || !self.files.is_empty()
    }
}

/// How the policy treats one interface a component imports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Treatment {
    /// The host's interface, untouched.
    PassThrough,
    /// The adapter implements it.
    Virtualize,
    /// The policy restricts it but virtc cannot virtualize it yet.
    Unsupported,
}

impl PolicyIr {
    /// How the policy treats `wasi:PACKAGE/INTERFACE`, before the closure over shared resource
    /// types (see `codegen::plan`).
    pub fn treatment(&self, package: &str, interface: &str) -> Treatment {
        use Treatment::*;
        let by_access = |a: Access| match a {
            Access::Host => PassThrough,
            Access::Deny => Virtualize,
        };
        let by_stream = |m: StreamMode| match m {
            StreamMode::Host => PassThrough,
            _ => Virtualize,
        };
        let stdio = &self.runtime.stdio;
        match (package, interface) {
            ("cli", "environment") => {
                if self.env_host {
                    PassThrough
                } else {
                    Virtualize
                }
            }
            ("cli", "exit") => by_access(self.runtime.exit),
            ("cli", "stdin" | "terminal-stdin" | "terminal-input") => by_stream(stdio.stdin),
            ("cli", "stdout" | "terminal-stdout") => by_stream(stdio.stdout),
            ("cli", "stderr" | "terminal-stderr") => by_stream(stdio.stderr),
            ("cli", "terminal-output") => {
                if stdio.stdout == StreamMode::Host && stdio.stderr == StreamMode::Host {
                    PassThrough
                } else {
                    Virtualize
                }
            }
            ("cli", _) => PassThrough,
            ("random", _) => by_access(self.runtime.random),
            ("clocks", _) => by_access(self.runtime.clocks),
            ("filesystem", _) if self.has_files() => Virtualize,
            ("filesystem", _) => by_access(self.runtime.fs),
            ("io", _) => PassThrough,
            ("sockets", _) => match self.sockets {
                Access::Host => PassThrough,
                Access::Deny => Unsupported,
            },
            ("http", _) => match self.http {
                Access::Host => PassThrough,
                Access::Deny => Unsupported,
            },
            ("config", _) => match self.config {
                Access::Host => PassThrough,
                Access::Deny => Unsupported,
            },
            _ => PassThrough,
        }
    }
}
