//! One file's statements as settings (the setting model and the per-file query): lowering per
//! statement lives in `lower`, the contradictions check in `contradictions`. Runs per file, so
//! editing one file never re-checks another.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use rustc_hash::FxHashMap;

use virtc_grammar::{Span, StmtKind, Text};
use virtc_policy::StreamMode;
use virtc_policy::http::UrlRule;

mod contradictions;
mod http;
mod lower;
mod modes;
mod net;
mod options;

pub use contradictions::describe;
use contradictions::report_contradictions;
pub use http::HttpList;
pub(crate) use lower::glob_error;
use lower::{Lowering, lower_stmt};
pub use modes::MODES;
pub use net::{NetPattern, NetRule};

use super::memory::TextMemory;
use super::syntax::parse_file;
use super::uses::{UseTarget, file_uses};
use crate::db::{Db, SourceFile};
use crate::diagnostic::{Diagnostic, report};

/// The subsystems of `allow S;` / `deny S;`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Subsystem {
    Clocks,
    Env,
    Config,
    Exit,
    Fs,
    Http,
    Random,
    Sockets,
    Stdio,
}

impl Subsystem {
    pub const ALL: [Subsystem; 9] = [
        Subsystem::Clocks,
        Subsystem::Env,
        Subsystem::Config,
        Subsystem::Exit,
        Subsystem::Fs,
        Subsystem::Http,
        Subsystem::Random,
        Subsystem::Sockets,
        Subsystem::Stdio,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Subsystem::Clocks => "clocks",
            Subsystem::Env => "env",
            Subsystem::Config => "config",
            Subsystem::Exit => "exit",
            Subsystem::Fs => "fs",
            Subsystem::Http => "http",
            Subsystem::Random => "random",
            Subsystem::Sockets => "sockets",
            Subsystem::Stdio => "stdio",
        }
    }

    pub fn from_name(name: &str) -> Option<Subsystem> {
        Subsystem::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// The three standard streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Stream {
    Stdin,
    Stdout,
    Stderr,
}

impl Stream {
    pub const ALL: [Stream; 3] = [Stream::Stdin, Stream::Stdout, Stream::Stderr];

    pub fn name(self) -> &'static str {
        match self {
            Stream::Stdin => "stdin",
            Stream::Stdout => "stdout",
            Stream::Stderr => "stderr",
        }
    }
}

/// What `args` says.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ArgsSetting {
    Host,
    Fixed(Vec<String>),
}

/// One thing a statement sets. Keyed settings replace earlier ones with the same key; list
/// settings (globs) add to earlier ones.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Setting {
    Grant {
        subsystem: Subsystem,
        allow: bool,
    },
    Stream {
        stream: Stream,
        mode: StreamMode,
    },
    EnvVar {
        name: Text,
        value: Text,
    },
    EnvAllow(Vec<String>),
    EnvDeny(Vec<String>),
    /// `allow import "GLOB", …;`
    ImportAllow(Vec<String>),
    /// `deny import "GLOB", …;`
    ImportDeny(Vec<String>),
    ConfigVar {
        key: Text,
        value: Text,
    },
    ConfigAllow(Vec<String>),
    ConfigDeny(Vec<String>),
    Args(ArgsSetting),
    Preopen {
        guest: String,
        host: PathBuf,
        readonly: bool,
        /// The guest path as written.
        guest_span: Span,
    },
    /// `mount "/guest" from "./dir" { … }`.
    Mount(Mount),
    /// `file "/guest" = "text";` / `file "/guest" from "./local";`.
    File {
        guest: String,
        source: FileSource,
        /// The string naming the source.
        source_span: Span,
    },
    /// `tcp connect "…";` and the other network rules: the valid patterns, each with its string.
    Net {
        rule: NetRule,
        patterns: Vec<(NetPattern, Span)>,
    },
    /// `http allow "…";` / `http deny "…";`: the valid rules, each with its string.
    Http {
        list: HttpList,
        rules: Vec<(UrlRule, Span)>,
    },
    /// `tmpfs "/guest" [limit "SIZE"];`.
    Tmpfs {
        /// Normalized guest path.
        guest: String,
        limit: Option<u64>,
        /// The guest path as written.
        guest_span: Span,
    },
    /// `clocks fixed …;` / `clocks resolution …;`: what the clocks are instead of the host's
    /// or none (keyed as `allow clocks;` is).
    Clocks(ClockSetting),
    /// `random seed N;`: deterministic random numbers (keyed as `allow random;` is).
    RandomSeed(u64),
    /// `use …;` at this position: the used file's settings apply here.
    Use(SourceFile),
}

/// A clock mode, values read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClockSetting {
    /// Virtual time from this instant (seconds and nanoseconds since the epoch).
    Fixed { seconds: u64, nanoseconds: u32 },
    /// The host's clocks, rounded down to multiples of `ns`.
    Resolution { ns: u64 },
}

/// A `mount` statement, paths resolved.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Mount {
    /// Normalized guest path (`/` or `/a/b`).
    pub guest: String,
    /// Absolute host directory.
    pub host: PathBuf,
    /// The host path as written.
    pub written: String,
    /// The host path string.
    pub host_span: Span,
    pub include: Vec<Pattern>,
    pub exclude: Vec<Pattern>,
    /// `writable [limit "SIZE"]`: the tree writable in memory, with this limit.
    pub writable: Option<Writable>,
}

/// A writable in-memory directory's limit: the most bytes of file contents written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Writable {
    pub limit: Option<u64>,
}

/// A glob of a mount block, with the string it came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Pattern {
    pub glob: String,
    pub span: Span,
}

/// Where an embedded file's contents come from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FileSource {
    /// Inline text, embedded.
    Text(String),
    /// A local file, embedded at build time; `written` is the path as the policy wrote it.
    Host { path: PathBuf, written: String },
    /// A host file opened at run time (`file "/g" from host "/h" [readonly];`).
    Runtime { path: PathBuf, readonly: bool },
}

/// What replaces what: settings with equal keys override each other.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Key {
    Grant(Subsystem),
    Stream(Stream),
    EnvVar(Text),
    ConfigVar(Text),
    Args,
    Preopen(String),
}

impl Setting {
    pub fn key(&self) -> Option<Key> {
        Some(match self {
            Setting::Grant { subsystem, .. } => Key::Grant(*subsystem),
            Setting::Clocks(_) => Key::Grant(Subsystem::Clocks),
            Setting::RandomSeed(_) => Key::Grant(Subsystem::Random),
            Setting::Stream { stream, .. } => Key::Stream(*stream),
            Setting::EnvVar { name, .. } => Key::EnvVar(name.clone()),
            Setting::ConfigVar { key, .. } => Key::ConfigVar(key.clone()),
            Setting::Args(_) => Key::Args,
            Setting::Preopen { guest, .. } => Key::Preopen(guest.clone()),
            _ => return None,
        })
    }
}

/// A setting and the statement it came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Located {
    pub setting: Arc<Setting>,
    /// The statement.
    pub span: Span,
    /// Set by a broad statement (`allow all;`, `stdio allow;`): a later specific statement
    /// refines it without complaint.
    pub implied: bool,
}

/// A file's settings in statement order.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct FileSettings {
    pub settings: Vec<Located>,
}

/// Checks one file on its own and lists its settings.
///
/// Statements are lowered chunk by chunk (as the parser splits the file), and what a chunk
/// lowers to is remembered by its text: after an edit, only the chunks the edit touched are
/// lowered again; the others are moved to where they now are.
#[salsa::tracked(returns(ref))]
pub fn file_settings(db: &dyn Db, file: SourceFile) -> FileSettings {
    let parsed = parse_file(db, file);
    let uses = file_uses(db, file);
    let text = file.text(db);
    let memory = db.lowered_chunks();
    let mut out = Vec::new();
    let mut use_index = 0;
    let mut learned = Vec::new();
    for chunk in &parsed.chunks {
        let stmts = &parsed.file.stmts[chunk.stmts.clone()];
        let has_use = stmts
            .iter()
            .any(|s| matches!(s.kind, StmtKind::UseFile(_) | StmtKind::UseProfile { .. }));
        let offset = chunk.text.start as isize;
        let source = &text[chunk.text.clone()];
        let remembered = match memory {
            Some(memory) if !has_use => memory.recall(file, source),
            _ => None,
        };
        let lowered = match remembered {
            Some(lowered) => lowered,
            None => {
                let mut cx = Lowering {
                    db,
                    file,
                    diagnostics: Vec::new(),
                };
                let mut settings = Vec::new();
                for stmt in stmts {
                    if let StmtKind::UseFile(_) | StmtKind::UseProfile { .. } = stmt.kind {
                        if let Some(UseTarget {
                            target: Some(target),
                            ..
                        }) = uses.get(use_index)
                        {
                            settings.push(Located {
                                setting: Arc::new(Setting::Use(*target)),
                                span: stmt.span,
                                implied: false,
                            });
                        }
                        use_index += 1;
                        continue;
                    }
                    lower_stmt(&mut cx, stmt, &mut settings);
                }
                if has_use {
                    // Not remembered: what a `use` brings in depends on other files.
                    out.extend(settings);
                    for d in cx.diagnostics {
                        report(db, d);
                    }
                    continue;
                }
                let lowered = Arc::new(LoweredChunk {
                    settings: settings.iter().map(|l| l.moved(-offset)).collect(),
                    diagnostics: cx.diagnostics.iter().map(|d| d.moved(-offset)).collect(),
                });
                learned.push((source, lowered.clone()));
                lowered
            }
        };
        out.extend(lowered.settings.iter().map(|l| l.moved(offset)));
        for d in &lowered.diagnostics {
            report(db, d.moved(offset));
        }
    }
    if let Some(memory) = memory {
        memory.learn(file, learned);
    }
    report_contradictions(db, file, &out);
    FileSettings { settings: out }
}

/// What the statements of a chunk lower to, with spans relative to the chunk.
#[derive(Debug)]
pub struct LoweredChunk {
    settings: Vec<Located>,
    diagnostics: Vec<Diagnostic>,
}

/// Lowered chunks by file and text, kept by a database and its clones (a file's settings
/// depend on its path as well as its text).
#[derive(Default)]
pub struct LoweredMemory {
    files: Mutex<FxHashMap<SourceFile, TextMemory<Arc<LoweredChunk>>>>,
}

impl std::fmt::Debug for LoweredMemory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoweredMemory").finish_non_exhaustive()
    }
}

impl LoweredMemory {
    /// Chunks per generation and file: several times the statements of a 10,000-line policy.
    const GENERATION: usize = 1 << 16;

    fn recall(&self, file: SourceFile, text: &str) -> Option<Arc<LoweredChunk>> {
        self.files.lock().ok()?.get_mut(&file)?.get(text)
    }

    fn learn(&self, file: SourceFile, chunks: Vec<(&str, Arc<LoweredChunk>)>) {
        let Ok(mut files) = self.files.lock() else {
            return;
        };
        let memory = files
            .entry(file)
            .or_insert_with(|| TextMemory::new(Self::GENERATION));
        for (text, lowered) in chunks {
            memory.insert(text, lowered);
        }
    }
}
