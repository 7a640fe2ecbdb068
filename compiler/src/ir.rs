//! The checked policy in the form code generation wants: what the adapter does at run time, and
//! which host interfaces pass through untouched.

use std::path::{Component, Path, PathBuf};

use virtc_grammar::Span;
use virtc_policy::net::NetAccess;
use virtc_policy::registry::{self, Governor, Streams};
use virtc_policy::{Access, ClockMode, Embedding, HttpAccess, Origin, Policy, StreamMode};

pub use crate::analyse::settings::{FileSource, Writable};
use crate::db::{Db, SourceFile};

/// A checked, fully resolved policy (all `use`s applied, later statements winning).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct PolicyIr {
    /// The data written into the adapter.
    pub runtime: Policy,
    /// `allow env`: the host's `wasi:cli/environment` as it is.
    pub env_host: bool,
    /// `random seed N`: N (the run-time data has only the keys derived from it).
    pub random_seed: Option<u64>,
    /// `allow import` patterns (interfaces outside the registry passed through).
    pub import_allow: Vec<String>,
    /// `deny import` patterns (interfaces outside the registry stubbed out).
    pub import_deny: Vec<String>,
    /// Host directories passed through at run time, remapped.
    pub preopens: Vec<Preopen>,
    /// Directories embedded at build time.
    pub mounts: Vec<MountIr>,
    /// Single embedded files.
    pub files: Vec<FileIr>,
    /// Writable in-memory directories.
    pub tmpfs: Vec<TmpfsIr>,
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
    /// The host path as written.
    pub written: String,
    pub include: Vec<(String, Place)>,
    pub exclude: Vec<(String, Place)>,
    /// The statement.
    pub at: Place,
    /// The host path string.
    pub host_at: Place,
    /// `writable [limit "SIZE"]`.
    pub writable: Option<Writable>,
}

/// `tmpfs "/guest" [limit "SIZE"];`
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TmpfsIr {
    pub guest: String,
    pub limit: Option<u64>,
    /// The statement.
    pub at: Place,
    /// The guest path string.
    pub guest_at: Place,
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
        !self.preopens.is_empty()
            || !self.mounts.is_empty()
            || !self.files.is_empty()
            || !self.tmpfs.is_empty()
    }
}

impl PolicyIr {
    /// What the run-time data cannot tell of this policy, compiled from `root`, for `virtc
    /// inspect`: local paths as written in `root`, rebased onto its directory when a `use`d
    /// file wrote them.
    pub fn origin(&self, db: &dyn Db, root: SourceFile, sources: &[SourceFile]) -> Origin {
        let base = root.base_dir(db);
        let local = |at: &Place, written: &str, resolved: &Path| -> String {
            match &base {
                Some(base) if at.file != root && !Path::new(written).is_absolute() => {
                    relative_path(base, resolved)
                }
                _ => written.to_owned(),
            }
        };
        let mounts = self.mounts.iter().map(|m| Embedding::Mount {
            guest: m.guest.clone(),
            local: local(&m.at, &m.written, &m.host),
            include: m.include.iter().map(|(g, _)| g.clone()).collect(),
            exclude: m.exclude.iter().map(|(g, _)| g.clone()).collect(),
        });
        let files = self.files.iter().filter_map(|f| match &f.source {
            FileSource::Text(_) => Some(Embedding::Text {
                guest: f.guest.clone(),
            }),
            FileSource::Host { path, written } => Some(Embedding::File {
                guest: f.guest.clone(),
                local: local(&f.at, written, path),
            }),
            // In the run-time data (`Files::host_files`).
            FileSource::Runtime { .. } => None,
        });
        Origin {
            env_host: self.env_host,
            import_allow: self.import_allow.clone(),
            import_deny: self.import_deny.clone(),
            embedded: mounts.chain(files).collect(),
            random_seed: self.random_seed,
            sources: sources
                .iter()
                .filter(|f| f.origin(db) == crate::db::Origin::Disk)
                .map(|f| match &base {
                    Some(base) => relative_path(base, f.path(db)),
                    None => f.path(db).display().to_string(),
                })
                .collect(),
        }
    }
}

/// `to` relative to the directory `from` (both absolute and normalized), as a policy writes a
/// relative path: `./dir`, `../assets`.
pub(crate) fn relative_path(from: &Path, to: &Path) -> String {
    let from: Vec<Component> = from.components().collect();
    let to: Vec<Component> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".into(); from.len() - common];
    parts.extend(
        to[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    match parts.first().map(String::as_str) {
        None => ".".into(),
        Some("..") => parts.join("/"),
        Some(_) => format!("./{}", parts.join("/")),
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
    /// types (see `codegen::plan`). Interfaces outside the registry pass through.
    pub fn treatment(&self, package: &str, interface: &str) -> Treatment {
        use Treatment::*;
        let Some(entry) = registry::find(package, interface) else {
            return PassThrough;
        };
        let by_access = |a: Access| match a {
            Access::Host => PassThrough,
            Access::Deny => Virtualize,
        };
        match entry.governor {
            Governor::Io | Governor::EntryPoint => PassThrough,
            Governor::Environment if self.env_host => PassThrough,
            Governor::Environment => Virtualize,
            Governor::Exit => by_access(self.runtime.exit),
            Governor::Random => by_access(self.runtime.random),
            // Virtual or coarsened clocks are the adapter's.
            Governor::Clocks if self.runtime.clock_mode != ClockMode::Plain => Virtualize,
            Governor::Clocks => by_access(self.runtime.clocks),
            Governor::Streams(streams) => {
                if self.streams(streams).all(|m| m == StreamMode::Host) {
                    PassThrough
                } else {
                    Virtualize
                }
            }
            Governor::Files if self.has_files() => Virtualize,
            Governor::Files => by_access(self.runtime.fs),
            // Denied, the adapter's virtual network refuses everything; under rules it filters
            // the host's.
            Governor::Sockets => match self.runtime.net.access {
                NetAccess::Host => PassThrough,
                NetAccess::Deny | NetAccess::Rules => Virtualize,
            },
            // Denied, the adapter's own HTTP types build requests that `handle` refuses; under
            // rules it filters the host's.
            Governor::Http => match self.runtime.http.access {
                HttpAccess::Host => PassThrough,
                HttpAccess::Deny | HttpAccess::Rules => Virtualize,
            },
            Governor::Config => by_access(self.runtime.config.access),
        }
    }

    /// The modes of the streams in `set`.
    pub fn streams(&self, set: Streams) -> impl Iterator<Item = StreamMode> {
        let stdio = &self.runtime.stdio;
        [
            (set.stdin, stdio.stdin),
            (set.stdout, stdio.stdout),
            (set.stderr, stdio.stderr),
        ]
        .into_iter()
        .filter(|(member, _)| *member)
        .map(|(_, mode)| mode)
    }
}
