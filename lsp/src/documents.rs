//! The open documents as the editor has them, edited incrementally and strictly in arrival
//! order, and the conversion between LSP positions (lines and UTF-16 code units) and the byte
//! offsets the compiler's spans use.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tower_lsp_server::ls_types::{Position, Range, TextDocumentContentChangeEvent, Uri};
use virtc_grammar::Span;

/// One open document.
#[derive(Debug, Clone)]
pub struct Document {
    pub uri: Uri,
    /// The database key of the document (see [`crate::paths::path_of`]).
    pub path: PathBuf,
    pub text: Arc<String>,
    pub version: i32,
}

/// Every open document, and a counter of the changes made to them.
#[derive(Debug, Default)]
pub struct Documents {
    docs: HashMap<Uri, Document>,
    /// Increases with every open, change and close: the analysis catches up to it.
    seq: u64,
}

impl Documents {
    /// The number of changes so far.
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// Counts a change made outside the documents (a file changed on disk).
    pub fn bump(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    pub fn open(&mut self, uri: Uri, path: PathBuf, text: String, version: i32) -> (u64, Document) {
        let doc = Document {
            uri: uri.clone(),
            path,
            text: Arc::new(text),
            version,
        };
        self.docs.insert(uri, doc.clone());
        self.seq += 1;
        (self.seq, doc)
    }

    /// Applies `changes` in order; `None` if the document is not open.
    pub fn change(
        &mut self,
        uri: &Uri,
        version: i32,
        changes: Vec<TextDocumentContentChangeEvent>,
    ) -> Option<(u64, Document)> {
        let doc = self.docs.get_mut(uri)?;
        let text = Arc::make_mut(&mut doc.text);
        for change in changes {
            match change.range {
                None => *text = change.text,
                Some(range) => {
                    let starts = line_starts(text);
                    let start = offset(text, &starts, range.start);
                    let end = offset(text, &starts, range.end).max(start);
                    text.replace_range(start..end, &change.text);
                }
            }
        }
        doc.version = version;
        self.seq += 1;
        Some((self.seq, doc.clone()))
    }

    pub fn close(&mut self, uri: &Uri) -> Option<(u64, Document)> {
        let doc = self.docs.remove(uri)?;
        self.seq += 1;
        Some((self.seq, doc))
    }

    pub fn get(&self, uri: &Uri) -> Option<Document> {
        self.docs.get(uri).cloned()
    }

    pub fn all(&self) -> Vec<Document> {
        let mut docs: Vec<Document> = self.docs.values().cloned().collect();
        docs.sort_by(|a, b| a.uri.as_str().cmp(b.uri.as_str()));
        docs
    }

    /// Whether a document standing for `path` is open.
    pub fn is_open(&self, path: &Path) -> bool {
        self.docs.values().any(|d| d.path == path)
    }
}

/// Byte offsets where lines start (`\n` ends a line; a `\r` before it belongs to the break).
pub fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect()
}

/// The byte offset of `pos`. A character past the end of its line means the end of the line, a
/// line past the end means the end of the text, and a position inside a surrogate pair means
/// the start of its character.
pub fn offset(text: &str, starts: &[usize], pos: Position) -> usize {
    let Some(&start) = starts.get(pos.line as usize) else {
        return text.len();
    };
    let end = starts.get(pos.line as usize + 1).map_or(text.len(), |&e| e);
    let line = &text[start..end];
    let line = line.strip_suffix('\n').unwrap_or(line);
    let line = line.strip_suffix('\r').unwrap_or(line);
    let mut units = 0;
    for (i, c) in line.char_indices() {
        units += c.len_utf16() as u32;
        if units > pos.character {
            return start + i;
        }
    }
    start + line.len()
}

/// The position of byte offset `at` (clamped to the text, rounded down to a character).
pub fn position(text: &str, starts: &[usize], at: usize) -> Position {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let line = starts.partition_point(|&s| s <= at).saturating_sub(1);
    let start = starts.get(line).copied().unwrap_or(0).min(at);
    let character: usize = text[start..at].chars().map(char::len_utf16).sum();
    Position::new(line as u32, character as u32)
}

pub fn range(text: &str, starts: &[usize], span: Span) -> Range {
    Range::new(
        position(text, starts, span.start),
        position(text, starts, span.end),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(
        range: Option<((u32, u32), (u32, u32))>,
        text: &str,
    ) -> TextDocumentContentChangeEvent {
        TextDocumentContentChangeEvent {
            range: range
                .map(|((a, b), (c, d))| Range::new(Position::new(a, b), Position::new(c, d))),
            range_length: None,
            text: text.to_string(),
        }
    }

    #[test]
    fn positions_count_utf16_units() {
        let text = "a🦀b\r\né\n";
        let starts = line_starts(text);
        assert_eq!(starts, [0, 8, 11]);
        // 🦀 is two UTF-16 units and four bytes.
        assert_eq!(offset(text, &starts, Position::new(0, 1)), 1);
        assert_eq!(
            offset(text, &starts, Position::new(0, 2)),
            1,
            "inside the pair"
        );
        assert_eq!(offset(text, &starts, Position::new(0, 3)), 5);
        assert_eq!(offset(text, &starts, Position::new(0, 4)), 6);
        assert_eq!(
            offset(text, &starts, Position::new(0, 99)),
            6,
            "before the \\r\\n"
        );
        assert_eq!(offset(text, &starts, Position::new(1, 1)), 10);
        assert_eq!(offset(text, &starts, Position::new(7, 0)), text.len());
        assert_eq!(position(text, &starts, 5), Position::new(0, 3));
        assert_eq!(
            position(text, &starts, 3),
            Position::new(0, 1),
            "inside the crab"
        );
        assert_eq!(position(text, &starts, 10), Position::new(1, 1));
        assert_eq!(position(text, &starts, 99), Position::new(2, 0));
    }

    #[test]
    fn incremental_edits_apply_in_order() {
        let mut docs = Documents::default();
        let uri: Uri = "file:///a.virt".parse().unwrap();
        docs.open(uri.clone(), "/a.virt".into(), "allow random;\n".into(), 1);
        let (seq, doc) = docs
            .change(
                &uri,
                2,
                vec![
                    change(Some(((0, 6), (0, 12))), "clocks"),
                    change(Some(((1, 0), (1, 0))), "deny 🦀;"),
                    change(Some(((1, 7), (1, 7))), "x"),
                ],
            )
            .unwrap();
        assert_eq!(seq, 2);
        assert_eq!(doc.text.as_str(), "allow clocks;\ndeny 🦀x;");
        let (_, doc) = docs.change(&uri, 3, vec![change(None, "new")]).unwrap();
        assert_eq!(doc.text.as_str(), "new");
        assert_eq!(doc.version, 3);
        // Ranges past the end, or reversed, do not panic.
        let (_, doc) = docs
            .change(&uri, 4, vec![change(Some(((9, 9), (0, 1))), "!")])
            .unwrap();
        assert_eq!(doc.text.as_str(), "new!");
        assert!(docs.close(&uri).is_some());
        assert!(docs.change(&uri, 5, vec![]).is_none());
    }
}
