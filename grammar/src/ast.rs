//! The syntax tree of a `.virt` file: what was written, with a span on every node, before any checking.

use std::fmt;
use std::ops::Range;

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

/// A word as written: an identifier, or a keyword used where a word is expected (`allow env;`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// A string literal.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Str {
    /// The unescaped contents.
    pub value: String,
    /// Includes the quotes.
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
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
    /// `mount "/guest" from "./dir" { include ...; exclude ...; }` (the block is optional).
    Mount {
        guest: Str,
        host: Str,
        rules: Vec<MountRule>,
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
    /// A statement that failed to parse; the statement's span covers the recovered region.
    Error,
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
