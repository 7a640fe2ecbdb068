//! Splits a source into statement-sized chunks that lex and parse on their own, so that a parse
//! after an edit can reuse every chunk the edit did not touch.
//!
//! A chunk ends after a `;` outside any `{ }` block, or after the `}` that closes a top-level
//! block (taking in a `;` that follows it, which the lexer glues to the `}`). Leading
//! whitespace and comments belong to the chunk of the statement after them; whatever follows the
//! last statement is one more chunk. The scan follows the lexer's rules for strings (which end
//! at a line break when unterminated) and comments (`//`, `#` and `/* */`), so no token ever
//! straddles two chunks.

use std::ops::Range;

/// The byte ranges of the chunks of `source`, in order, covering all of it. Empty for an empty
/// source.
pub fn chunks(source: &str) -> Vec<Range<usize>> {
    let bytes = source.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => i = skip_string(bytes, i + 1),
            b'/' if bytes.get(i + 1) == Some(&b'/') => i = skip_line(bytes, i),
            b'#' => i = skip_line(bytes, i),
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = match find(&bytes[i + 2..], b"*/") {
                    Some(at) => i + 2 + at + 2,
                    None => bytes.len(),
                };
            }
            b'{' => {
                depth += 1;
                i += 1;
            }
            b'}' if depth == 1 => {
                depth = 0;
                i += 1;
                // `}` then `;` (with only whitespace or comments between) is one token.
                let next = skip_trivia(bytes, i);
                if bytes.get(next) == Some(&b';') {
                    i = next + 1;
                }
                out.push(start..i);
                start = i;
            }
            b'}' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            b';' if depth == 0 => {
                i += 1;
                out.push(start..i);
                start = i;
            }
            _ => i += 1,
        }
    }
    if start < bytes.len() {
        out.push(start..bytes.len());
    }
    out
}

/// The end of a string whose contents start at `i`: after its closing quote, or at the line
/// break (or end of input) where an unterminated string stops.
fn skip_string(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() {
        match bytes[i] {
            b'"' => return i + 1,
            b'\n' => return i,
            // An escape never takes a line break with it (see `lexer::escape`).
            b'\\' if !matches!(bytes.get(i + 1), None | Some(b'\n') | Some(b'\r')) => i += 2,
            _ => i += 1,
        }
    }
    i
}

/// The line break ending the line that `i` is on (or the end of input).
fn skip_line(bytes: &[u8], i: usize) -> usize {
    bytes[i..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |at| i + at)
}

/// The first byte at or after `i` that is not whitespace or part of a comment.
fn skip_trivia(bytes: &[u8], mut i: usize) -> usize {
    loop {
        match bytes.get(i) {
            Some(b' ' | b'\t' | b'\r' | b'\n' | b'\x0c') => i += 1,
            // U+FEFF, which the lexer skips as whitespace.
            Some(0xEF) if bytes[i..].starts_with(&[0xEF, 0xBB, 0xBF]) => i += 3,
            // A `#` line is an error, but no token: the `}` and `;` around it still meet.
            Some(b'#') => i = skip_line(bytes, i),
            Some(b'/') if bytes.get(i + 1) == Some(&b'/') => i = skip_line(bytes, i),
            Some(b'/') if bytes.get(i + 1) == Some(&b'*') => match find(&bytes[i + 2..], b"*/") {
                Some(at) => i += 2 + at + 2,
                None => return i,
            },
            _ => return i,
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(source: &str) -> Vec<&str> {
        chunks(source).into_iter().map(|r| &source[r]).collect()
    }

    #[test]
    fn statements_blocks_and_trailing_text() {
        let source = "use std::cli; // c\nmount \"/\" from \"./d\" {\n include \"a;b\"; exclude \"}\";\n} ;\n/* ; */ env X = \"\\\";\";\n# ; {\nallow env";
        assert_eq!(
            split(source),
            [
                "use std::cli;",
                " // c\nmount \"/\" from \"./d\" {\n include \"a;b\"; exclude \"}\";\n} ;",
                "\n/* ; */ env X = \"\\\";\";",
                "\n# ; {\nallow env",
            ]
        );
    }

    #[test]
    fn unterminated_strings_and_comments() {
        assert_eq!(
            split("env X = \"abc;\nallow env;"),
            ["env X = \"abc;\nallow env;"]
        );
        assert_eq!(split("env X = \"a\\\n;b;"), ["env X = \"a\\\n;", "b;"]);
        assert_eq!(split("allow env; /* ; "), ["allow env;", " /* ; "]);
    }

    #[test]
    fn unbalanced_braces() {
        assert_eq!(split("} allow env; {"), ["} allow env;", " {"]);
        assert_eq!(
            split("mount \"/\" from \"x\" { include \"a\"; allow env;"),
            ["mount \"/\" from \"x\" { include \"a\"; allow env;"]
        );
        assert_eq!(split("a { { } } ; b;"), ["a { { } } ;", " b;"]);
    }
}
