//! The compiler's diagnostics as LSP diagnostics: the same codes and messages as `virtc check`,
//! `help:` lines appended, secondary labels (possibly in other files) as related information,
//! every position in UTF-16 code units.

use tower_lsp_server::ls_types::{
    self as lsp, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString,
    Position, Range,
};
use virtc::db::{Db, SourceFile, line_starts};
use virtc::diagnostic::{Diagnostic, Severity};
use virtc_grammar::Span;

use crate::documents;
use crate::paths::Names;

/// The range of `span` in `file`.
pub fn range(db: &dyn Db, file: SourceFile, span: Span) -> Range {
    documents::range(file.text(db), line_starts(db, file), span)
}

/// The byte offset of `pos` in `file`.
pub fn offset(db: &dyn Db, file: SourceFile, pos: Position) -> usize {
    documents::offset(file.text(db), line_starts(db, file), pos)
}

/// Where `d` is shown: its first primary label.
pub fn primary(d: &Diagnostic) -> Option<(SourceFile, Span)> {
    d.labels
        .iter()
        .find(|l| l.primary)
        .or(d.labels.first())
        .map(|l| (l.file, l.span))
}

pub fn severity(severity: Severity) -> DiagnosticSeverity {
    match severity {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Note => DiagnosticSeverity::INFORMATION,
    }
}

/// `d` as an LSP diagnostic, placed at `at` (its primary label unless told otherwise).
pub fn diagnostic(
    db: &dyn Db,
    names: &Names,
    d: &Diagnostic,
    at: Option<(SourceFile, Span)>,
) -> lsp::Diagnostic {
    let at = at.or_else(|| primary(d));
    let range = at.map_or_else(Range::default, |(file, span)| range(db, file, span));
    let mut message = d.message.clone();
    for help in &d.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    let mut related = Vec::new();
    let mut first_primary = true;
    for label in &d.labels {
        if label.primary
            && std::mem::take(&mut first_primary)
            && Some((label.file, label.span)) == at
        {
            continue;
        }
        let Some(uri) = names.uri(db, label.file) else {
            continue;
        };
        related.push(DiagnosticRelatedInformation {
            location: Location::new(uri, self::range(db, label.file, label.span)),
            message: if label.message.is_empty() {
                d.message.clone()
            } else {
                label.message.clone()
            },
        });
    }
    lsp::Diagnostic {
        range,
        severity: Some(severity(d.severity)),
        code: Some(NumberOrString::String(d.code.to_string())),
        source: Some("virtc".to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        ..lsp::Diagnostic::default()
    }
}
