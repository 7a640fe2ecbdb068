//! Parsing as a query: the syntax tree of a file, with its syntax errors reported as
//! diagnostics (and "did you mean" for misspelt statement keywords). Chunks of text parsed once
//! are remembered, so a parse after an edit parses only the statements the edit touched.

use std::sync::{Arc, Mutex, OnceLock};

use virtc_grammar::chunks::chunks;
use virtc_grammar::{Parsed, STATEMENT_KEYWORDS, Span, SyntaxError, SyntaxErrorKind, parse_chunk};

use super::memory::TextMemory;
use super::suggest::closest;
use crate::db::{Db, SourceFile};
use crate::diagnostic::{Diagnostic, ToDiagnostic, report};

#[salsa::tracked(returns(ref))]
pub fn parse_file(db: &dyn Db, file: SourceFile) -> Parsed {
    let text = file.text(db);
    let parsed = parse_remembered(text);
    for error in &parsed.errors {
        let mut d = error.to_diagnostic(file);
        // A missing `;` is found at the next token, often on the next line: point at the end
        // of the statement instead, where the `;` belongs.
        if let SyntaxErrorKind::UnexpectedToken { expected, .. } = &error.kind
            && expected.iter().any(|e| e == "`;`")
        {
            let end = text[..error.span.start.min(text.len())].trim_end().len();
            if end < error.span.start && end > 0 {
                let at = Span::new(end, end);
                d.labels.clear();
                d = d
                    .primary(file, at, "expected `;` here")
                    .secondary(file, error.span, "the next statement starts here")
                    .fix("add `;`", file, at, ";");
            }
        }
        report(db, d);
    }
    parsed
}

/// Parses like [`virtc_grammar::parse`], taking the chunks it has seen before from memory.
fn parse_remembered(text: &str) -> Parsed {
    /// Parsed chunks by their text, shared by every database of the process (parsing is a
    /// pure function of the text); a generation holds several times the statements of a
    /// 10,000-line policy.
    static MEMORY: OnceLock<Mutex<TextMemory<Arc<Parsed>>>> = OnceLock::new();
    let memory = MEMORY.get_or_init(|| Mutex::new(TextMemory::new(1 << 16)));
    let ranges = chunks(text);
    let mut parts: Vec<Option<Arc<Parsed>>> = match memory.lock() {
        Ok(mut memory) => ranges
            .iter()
            .map(|range| memory.get(&text[range.clone()]))
            .collect(),
        Err(_) => vec![None; ranges.len()],
    };
    let mut learned = Vec::new();
    for (range, part) in ranges.iter().zip(&mut parts) {
        if part.is_none() {
            let parsed = Arc::new(parse_chunk(&text[range.clone()]));
            learned.push((&text[range.clone()], parsed.clone()));
            *part = Some(parsed);
        }
    }
    if let Ok(mut memory) = memory.lock() {
        for (chunk, parsed) in learned {
            memory.insert(chunk, parsed);
        }
    }
    let mut out = Parsed::default();
    for (range, part) in ranges.iter().zip(parts) {
        if let Some(part) = part {
            out.append(&part, range.clone());
        }
    }
    out
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
        let at_statement_start = |expected: &[String]| {
            expected.iter().any(|e| e == "`allow`") && expected.iter().any(|e| e == "`use`")
        };
        let message = match &self.kind {
            SyntaxErrorKind::UnexpectedToken { found, expected }
                if at_statement_start(expected) =>
            {
                format!("expected a statement, found `{found}`")
            }
            _ => self.message(),
        };
        let mut d = Diagnostic::error(self.code(), message).primary(file, self.span, label);
        if let SyntaxErrorKind::UnexpectedToken { expected, .. } = &self.kind
            && at_statement_start(expected)
        {
            d = d.help(format!(
                "a statement starts with {}",
                STATEMENT_KEYWORDS
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        match &self.kind {
            SyntaxErrorKind::UnexpectedToken { found, .. } => {
                let starts_statement = found
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == '-');
                if starts_statement
                    && let Some(best) = closest(found, STATEMENT_KEYWORDS.iter().copied())
                    && best != found
                {
                    d = d.help(format!("did you mean `{best}`?")).fix(
                        format!("replace with `{best}`"),
                        file,
                        self.span,
                        best,
                    );
                } else if let SyntaxErrorKind::UnexpectedToken { expected, .. } = &self.kind
                    && expected.iter().any(|e| e == "`;`")
                {
                    d = d.help("statements end with `;`");
                }
            }
            SyntaxErrorKind::UnexpectedEof { expected } if expected.iter().any(|e| e == "`;`") => {
                d = d.help("statements end with `;`");
            }
            SyntaxErrorKind::InvalidCharacter { ch: '#' } => {
                d = d.help("comments start with `//` (or are enclosed in `/* */`)");
            }
            SyntaxErrorKind::InvalidEscape { .. } => {
                d = d.help("the escapes are \\\" \\\\ \\n \\t \\r \\0 and \\u{HEX}");
            }
            _ => {}
        }
        d
    }
}
