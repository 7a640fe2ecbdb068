//! The one diagnostic type of virtc. Every stage turns its errors into it (through
//! [`ToDiagnostic`]); it renders to the terminal with codespan-reporting and to LSP messages.

use codespan_reporting::diagnostic as cs;
use codespan_reporting::files::{Error as FilesError, Files};
use codespan_reporting::term;
use virtc_grammar::Span;

use crate::db::{Db, SourceFile, line_starts};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    Note,
    Warning,
    Error,
}

/// A place in a source file, with what to say about it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Label {
    pub file: SourceFile,
    pub span: Span,
    pub message: String,
    /// The place the diagnostic is about (others give context).
    pub primary: bool,
}

/// A replacement that fixes the problem: offered as a code action and printed as a suggestion.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Fix {
    pub title: String,
    pub file: SourceFile,
    pub span: Span,
    pub replacement: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Diagnostic {
    pub severity: Severity,
    /// A stable code, `V0001`…
    pub code: &'static str,
    pub message: String,
    pub labels: Vec<Label>,
    /// `help:` lines.
    pub help: Vec<String>,
    pub fixes: Vec<Fix>,
}

impl Diagnostic {
    pub fn new(severity: Severity, code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity,
            code,
            message: message.into(),
            labels: Vec::new(),
            help: Vec::new(),
            fixes: Vec::new(),
        }
    }

    pub fn error(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Severity::Error, code, message)
    }

    pub fn warning(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Severity::Warning, code, message)
    }

    pub fn note(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Severity::Note, code, message)
    }

    pub fn primary(mut self, file: SourceFile, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            file,
            span,
            message: message.into(),
            primary: true,
        });
        self
    }

    pub fn secondary(mut self, file: SourceFile, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            file,
            span,
            message: message.into(),
            primary: false,
        });
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help.push(help.into());
        self
    }

    pub fn fix(
        mut self,
        title: impl Into<String>,
        file: SourceFile,
        span: Span,
        replacement: impl Into<String>,
    ) -> Self {
        self.fixes.push(Fix {
            title: title.into(),
            file,
            span,
            replacement: replacement.into(),
        });
        self
    }

    /// A copy with every span moved by `by` bytes (all of them must be in one file).
    pub fn moved(&self, by: isize) -> Diagnostic {
        use virtc_grammar::Shift;
        let mut d = self.clone();
        for label in &mut d.labels {
            label.span.shift(by);
        }
        for fix in &mut d.fixes {
            fix.span.shift(by);
        }
        d
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Renders for a terminal (plain text when `color` is false).
    pub fn render(&self, db: &dyn Db, color: bool) -> String {
        let files = DbFiles { db };
        let config = term::Config::default();
        let diagnostic = self.to_codespan();
        if color {
            let mut buffer = term::termcolor::Buffer::ansi();
            let _ = term::emit_to_write_style(&mut buffer, &config, &files, &diagnostic);
            String::from_utf8_lossy(buffer.as_slice()).into_owned()
        } else {
            term::emit_into_string(&config, &files, &diagnostic).unwrap_or_else(|_| {
                format!(
                    "{}[{}]: {}\n",
                    self.severity_word(),
                    self.code,
                    self.message
                )
            })
        }
    }

    fn severity_word(&self) -> &'static str {
        match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }

    fn to_codespan(&self) -> cs::Diagnostic<SourceFile> {
        let severity = match self.severity {
            Severity::Error => cs::Severity::Error,
            Severity::Warning => cs::Severity::Warning,
            Severity::Note => cs::Severity::Note,
        };
        let labels = self
            .labels
            .iter()
            .map(|l| {
                let style = if l.primary {
                    cs::LabelStyle::Primary
                } else {
                    cs::LabelStyle::Secondary
                };
                cs::Label::new(style, l.file, l.span.range()).with_message(&l.message)
            })
            .collect();
        let mut notes: Vec<String> = self.help.iter().map(|h| format!("help: {h}")).collect();
        for fix in &self.fixes {
            if !self.help.iter().any(|h| h.contains(&fix.replacement)) {
                notes.push(format!("help: {}", fix.title));
            }
        }
        cs::Diagnostic::new(severity)
            .with_code(self.code)
            .with_message(&self.message)
            .with_labels(labels)
            .with_notes(notes)
    }
}

/// Errors of every stage become diagnostics through this trait.
pub trait ToDiagnostic {
    fn to_diagnostic(&self, file: SourceFile) -> Diagnostic;
}

/// codespan's view of the database's files.
struct DbFiles<'a> {
    db: &'a dyn Db,
}

impl<'a> Files<'a> for DbFiles<'a> {
    type FileId = SourceFile;
    type Name = String;
    type Source = &'a str;

    fn name(&'a self, id: SourceFile) -> Result<String, FilesError> {
        Ok(id.display_name(self.db))
    }

    fn source(&'a self, id: SourceFile) -> Result<&'a str, FilesError> {
        Ok(id.text(self.db).as_str())
    }

    fn line_index(&'a self, id: SourceFile, byte_index: usize) -> Result<usize, FilesError> {
        let starts = line_starts(self.db, id);
        Ok(starts
            .binary_search(&byte_index)
            .unwrap_or_else(|next| next - 1))
    }

    fn line_range(
        &'a self,
        id: SourceFile,
        line_index: usize,
    ) -> Result<std::ops::Range<usize>, FilesError> {
        let starts = line_starts(self.db, id);
        let len = id.text(self.db).len();
        let start = *starts.get(line_index).ok_or(FilesError::LineTooLarge {
            given: line_index,
            max: starts.len() - 1,
        })?;
        let end = starts.get(line_index + 1).copied().unwrap_or(len);
        Ok(start..end)
    }
}

/// The salsa accumulator carrying diagnostics out of queries.
#[salsa::accumulator]
#[derive(Debug)]
pub struct Reported(pub Diagnostic);

/// Reports a diagnostic from inside a query.
pub fn report(db: &dyn Db, diagnostic: Diagnostic) {
    use salsa::Accumulator;
    Reported(diagnostic).accumulate(db);
}
