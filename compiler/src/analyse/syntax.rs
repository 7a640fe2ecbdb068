//! Parsing as a query: the syntax tree of a file, with its syntax errors reported as
//! diagnostics (and "did you mean" for misspelt statement keywords).

use virtc_grammar::{Parsed, STATEMENT_KEYWORDS, SyntaxError, SyntaxErrorKind, parse};

use super::suggest::closest;
use crate::db::{Db, SourceFile};
use crate::diagnostic::{Diagnostic, ToDiagnostic, report};

#[salsa::tracked(returns(ref))]
pub fn parse_file(db: &dyn Db, file: SourceFile) -> Parsed {
    let parsed = parse(file.text(db));
    for error in &parsed.errors {
        report(db, error.to_diagnostic(file));
    }
    parsed
}

impl ToDiagnostic for SyntaxError {
    fn to_diagnostic(&self, file: SourceFile) -> Diagnostic {
        let label = match &self.kind {
            SyntaxErrorKind::UnexpectedToken { .. } => "unexpected here",
            SyntaxErrorKind::UnexpectedEof { .. } => "the file ends here",
            SyntaxErrorKind::UnterminatedString => "this string has no closing `\"`",
            SyntaxErrorKind::UnterminatedComment => "this comment has no closing `*/`",
            SyntaxErrorKind::InvalidEscape { .. } => "not a valid escape",
            SyntaxErrorKind::InvalidCharacter { .. } => "not part of the language",
        };
        let mut d = Diagnostic::error(self.code(), self.message()).primary(file, self.span, label);
        match &self.kind {
            SyntaxErrorKind::UnexpectedToken { found, .. } => {
                let starts_statement = found.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-');
                if starts_statement
                    && let Some(best) = closest(found, STATEMENT_KEYWORDS.iter().copied())
                    && best != found
                {
                    d = d
                        .help(format!("did you mean `{best}`?"))
                        .fix(format!("replace with `{best}`"), file, self.span, best);
                } else if let SyntaxErrorKind::UnexpectedToken { expected, .. } = &self.kind
                    && expected.iter().any(|e| e == "`;`")
                {
                    d = d.help("statements end with `;`");
                }
            }
            SyntaxErrorKind::UnexpectedEof { expected } if expected.iter().any(|e| e == "`;`") => {
                d = d.help("statements end with `;`");
            }
            SyntaxErrorKind::InvalidEscape { .. } => {
                d = d.help("the escapes are \\\" \\\\ \\n \\t \\r \\0 and \\u{HEX}");
            }
            _ => {}
        }
        d
    }
}
