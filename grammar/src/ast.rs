//! The syntax tree of a `.virt` file: what was written, with a span on every node, before any checking.

use std::borrow::Borrow;
use std::fmt;
use std::ops::{Deref, Range};
use std::sync::Arc;

/// A byte range `start..end` in the source text.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    pub fn range(&self) -> Range<usize> {
        self.start..self.end
    }
}

impl From<Range<usize>> for Span {
    fn from(range: Range<usize>) -> Self {
        Span::new(range.start, range.end)
    }
}

/// Printed as `start..end` to keep debug output (and snapshots) short.
impl fmt::Debug for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

/// Immutable text of the tree (a word, a string's value), shared rather than copied: trees are
/// cloned when chunks parsed earlier are reused, and settings and merged policies keep these
/// values. Reads as a `str`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Text(Arc<str>);

impl Text {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Deref for Text {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for Text {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl AsRef<std::ffi::OsStr> for Text {
    fn as_ref(&self) -> &std::ffi::OsStr {
        std::ffi::OsStr::new(&*self.0)
    }
}

impl AsRef<std::path::Path> for Text {
    fn as_ref(&self) -> &std::path::Path {
        std::path::Path::new(&*self.0)
    }
}

impl Default for Text {
    fn default() -> Self {
        Text::from("")
    }
}

impl From<&str> for Text {
    fn from(text: &str) -> Self {
        Text(text.into())
    }
}

impl From<String> for Text {
    fn from(text: String) -> Self {
        Text(text.into())
    }
}

impl From<Text> for String {
    fn from(text: Text) -> Self {
        text.0.to_string()
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, other: &String) -> bool {
        *self.0 == **other
    }
}

/// Like a `String`'s: quoted.
impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.0, f)
    }
}

/// A word as written: an identifier, or a keyword used where a word is expected (`allow env;`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Ident {
    pub name: Text,
    pub span: Span,
}

/// A string literal.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Str {
    /// The unescaped contents.
    pub value: Text,
    /// Includes the quotes.
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct File {
    pub stmts: Vec<Stmt>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Stmt {
    pub kind: StmtKind,
    /// The whole statement, including its `;` when there is one.
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum StmtKind {
    /// `allow random;` (the word is validated by the checker).
    Allow(Ident),
    /// `deny clocks;`
    Deny(Ident),
    /// `allow import "GLOB", ...;`: interfaces outside virtc's registry passed through.
    ImportAllow(Vec<Str>),
    /// `deny import "GLOB", ...;`: interfaces outside virtc's registry stubbed out.
    ImportDeny(Vec<Str>),
    /// `env NAME = "value";`
    EnvSet { name: EnvName, value: Str },
    /// `env allow "PAT", ...;`
    EnvAllow(Vec<Str>),
    /// `env deny "PAT", ...;`
    EnvDeny(Vec<Str>),
    /// `config "key" = "value";`
    ConfigSet { key: Str, value: Str },
    /// `config allow "PAT", ...;`
    ConfigAllow(Vec<Str>),
    /// `config deny "PAT", ...;`
    ConfigDeny(Vec<Str>),
    /// `http allow "[METHODS ]SCHEME://HOST[:PORTS][PATH]", ...;`: outgoing requests allowed.
    HttpAllow(Vec<Str>),
    /// `http deny "RULE", ...;`: outgoing requests denied even where an `allow` rule matches.
    HttpDeny(Vec<Str>),
    /// `mount "/guest" from "./dir" [writable] [limit "SIZE"] { include ...; exclude ...; }`
    /// (options and block optional).
    Mount {
        guest: Str,
        host: Str,
        options: Vec<MountOption>,
        rules: Vec<MountRule>,
    },
    /// `tmpfs "/guest" [limit "SIZE"];`: a writable directory in memory.
    Tmpfs {
        guest: Str,
        options: Vec<MountOption>,
    },
    /// `file "/guest/path" = "text";`
    FileText { guest: Str, text: Str },
    /// `file "/guest/path" from "./local";`
    FileFrom { guest: Str, host: Str },
    /// `file "/guest/path" from host "/host/file" [readonly];`: a host file at run time.
    FileHost {
        guest: Str,
        host: Str,
        /// The span of the `readonly` keyword, when present.
        readonly: Option<Span>,
    },
    /// `preopen "/guest" from host "/host/dir" [readonly];`
    Preopen {
        guest: Str,
        host: Str,
        /// The span of the `readonly` keyword, when present.
        readonly: Option<Span>,
    },
    /// `stdout ignore;`: `stream` is the keyword (stdin/stdout/stderr/stdio), `mode` the word after it.
    Stdio { stream: Ident, mode: Ident },
    /// `args allow;` / `args deny;` / `args "a", "b";`
    Args(ArgsMode),
    /// `use std::sandbox;`: `span` covers the path.
    UseProfile { path: Vec<Ident>, span: Span },
    /// `use "./other.virt";`
    UseFile(Str),
    /// `tcp connect "HOST:PORTS", ...;`: `proto` is the keyword (`tcp`, `udp`, `dns`), `verb`
    /// the word after it (validated by the checker).
    Net {
        proto: Ident,
        verb: Ident,
        patterns: Vec<Str>,
    },
    /// `clocks fixed "INSTANT";`, `clocks resolution "1ms";`, `random seed 42;`: `subject` is the
    /// keyword (`clocks`, `random`), `mode` the word after it (validated by the checker).
    Mode {
        subject: Ident,
        mode: Ident,
        value: Value,
    },
    /// A statement that failed to parse; the statement's span covers the recovered region.
    Error,
}

/// The value of a [`StmtKind::Mode`] statement.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Value {
    Str(Str),
    Number(Number),
}

impl Value {
    pub fn span(&self) -> Span {
        match self {
            Value::Str(s) => s.span,
            Value::Number(n) => n.span,
        }
    }
}

/// Digits as written.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Number {
    pub text: Text,
    pub span: Span,
}

/// The name in `env NAME = "value";`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum EnvName {
    /// `env NAME = ...`
    Ident(Ident),
    /// `env "NAME" = ...`
    Quoted(Str),
}

impl EnvName {
    pub fn span(&self) -> Span {
        match self {
            EnvName::Ident(ident) => ident.span,
            EnvName::Quoted(s) => s.span,
        }
    }

    /// The name itself (unescaped, without quotes).
    pub fn text(&self) -> &str {
        match self {
            EnvName::Ident(ident) => &ident.name,
            EnvName::Quoted(s) => &s.value,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MountRuleKind {
    Include,
    Exclude,
}

/// A word after a mount's or a tmpfs's paths, with its value (`writable`, `limit "64MiB"`);
/// validated by the checker.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MountOption {
    pub name: Ident,
    pub value: Option<Str>,
}

/// `include "GLOB", ...;` or `exclude "GLOB", ...;` inside a mount block.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MountRule {
    pub kind: MountRuleKind,
    pub patterns: Vec<Str>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ArgsMode {
    /// `allow` or `deny`, as written.
    Word(Ident),
    /// Fixed arguments.
    List(Vec<Str>),
}

/// Moves every span of a node by `by` bytes (forward or back): a chunk parsed on its own is
/// placed at its offset in the file, and what is remembered of a chunk is kept relative to it.
pub trait Shift {
    fn shift(&mut self, by: isize);
}

impl Shift for Span {
    fn shift(&mut self, by: isize) {
        self.start = self.start.wrapping_add_signed(by);
        self.end = self.end.wrapping_add_signed(by);
    }
}

impl Shift for Ident {
    fn shift(&mut self, by: isize) {
        self.span.shift(by);
    }
}

impl Shift for Str {
    fn shift(&mut self, by: isize) {
        self.span.shift(by);
    }
}

impl<T: Shift> Shift for Vec<T> {
    fn shift(&mut self, by: isize) {
        for item in self {
            item.shift(by);
        }
    }
}

impl<T: Shift> Shift for Option<T> {
    fn shift(&mut self, by: isize) {
        if let Some(item) = self {
            item.shift(by);
        }
    }
}

impl Shift for EnvName {
    fn shift(&mut self, by: isize) {
        match self {
            EnvName::Ident(ident) => ident.shift(by),
            EnvName::Quoted(s) => s.shift(by),
        }
    }
}

impl Shift for MountOption {
    fn shift(&mut self, by: isize) {
        self.name.shift(by);
        self.value.shift(by);
    }
}

impl Shift for MountRule {
    fn shift(&mut self, by: isize) {
        self.patterns.shift(by);
        self.span.shift(by);
    }
}

impl Shift for Stmt {
    fn shift(&mut self, by: isize) {
        self.span.shift(by);
        match &mut self.kind {
            StmtKind::Allow(word) | StmtKind::Deny(word) => word.shift(by),
            StmtKind::EnvSet { name, value } => {
                name.shift(by);
                value.shift(by);
            }
            StmtKind::EnvAllow(list)
            | StmtKind::EnvDeny(list)
            | StmtKind::ImportAllow(list)
            | StmtKind::ImportDeny(list)
            | StmtKind::ConfigAllow(list)
            | StmtKind::ConfigDeny(list)
            | StmtKind::HttpAllow(list)
            | StmtKind::HttpDeny(list)
            | StmtKind::Args(ArgsMode::List(list)) => list.shift(by),
            StmtKind::Args(ArgsMode::Word(word)) => word.shift(by),
            StmtKind::ConfigSet { key, value } => {
                key.shift(by);
                value.shift(by);
            }
            StmtKind::Mount {
                guest,
                host,
                options,
                rules,
            } => {
                guest.shift(by);
                host.shift(by);
                options.shift(by);
                rules.shift(by);
            }
            StmtKind::Tmpfs { guest, options } => {
                guest.shift(by);
                options.shift(by);
            }
            StmtKind::FileText { guest, text } => {
                guest.shift(by);
                text.shift(by);
            }
            StmtKind::FileFrom { guest, host } => {
                guest.shift(by);
                host.shift(by);
            }
            StmtKind::FileHost {
                guest,
                host,
                readonly,
            }
            | StmtKind::Preopen {
                guest,
                host,
                readonly,
            } => {
                guest.shift(by);
                host.shift(by);
                readonly.shift(by);
            }
            StmtKind::Stdio { stream, mode } => {
                stream.shift(by);
                mode.shift(by);
            }
            StmtKind::UseProfile { path, span } => {
                path.shift(by);
                span.shift(by);
            }
            StmtKind::UseFile(path) => path.shift(by),
            StmtKind::Net {
                proto,
                verb,
                patterns,
            } => {
                proto.shift(by);
                verb.shift(by);
                patterns.shift(by);
            }
            StmtKind::Mode {
                subject,
                mode,
                value,
            } => {
                subject.shift(by);
                mode.shift(by);
                match value {
                    Value::Str(s) => s.shift(by),
                    Value::Number(n) => n.span.shift(by),
                }
            }
            StmtKind::Error => {}
        }
    }
}
