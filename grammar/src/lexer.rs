//! Turns source text into `(start, token, end)` triples for the parser; lexical errors become
//! diagnostics plus a `Token::Error` placeholder, so lexing never stops early.

use logos::{FilterResult, Logos};

use crate::ast::Span;
use crate::parse::{SyntaxError, SyntaxErrorKind};

/// Why logos rejected some input (its span is the lexer's current span).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum LexError {
    #[default]
    InvalidCharacter,
    UnterminatedString,
    UnterminatedComment,
    /// A `#` line, as other configuration languages write comments.
    HashComment,
}

#[derive(Logos, Debug, Clone, PartialEq, Eq)]
#[logos(error = LexError)]
#[logos(extras = Vec<SyntaxError>)]
#[logos(skip r"[ \t\r\n\f\u{FEFF}]+")]
pub enum Token<'s> {
    #[token("allow")]
    Allow,
    #[token("deny")]
    Deny,
    #[token("env")]
    Env,
    #[token("config")]
    Config,
    #[token("mount")]
    Mount,
    #[token("file")]
    File,
    #[token("preopen")]
    Preopen,
    #[token("from")]
    From,
    #[token("host")]
    Host,
    #[token("readonly")]
    Readonly,
    #[token("include")]
    Include,
    #[token("exclude")]
    Exclude,
    #[token("stdin")]
    Stdin,
    #[token("stdout")]
    Stdout,
    #[token("stderr")]
    Stderr,
    #[token("stdio")]
    Stdio,
    #[token("args")]
    Args,
    #[token("use")]
    Use,
    #[token("import")]
    Import,
    #[token("tcp")]
    Tcp,
    #[token("udp")]
    Udp,
    #[token("dns")]
    Dns,
    #[token("http")]
    Http,
    #[token("clocks")]
    Clocks,
    #[token("random")]
    Random,
    #[token("tmpfs")]
    Tmpfs,

    #[token(";")]
    Semi,
    #[token(",")]
    Comma,
    #[token("=")]
    Eq,
    #[token("::")]
    PathSep,
    #[token("{")]
    LBrace,
    #[token("}")]
    RBrace,
    /// `}` directly followed by `;` (the optional `;` after a mount block). Made by [`lex`], not
    /// by logos: one token keeps the grammar free of a conflict between that `;` and recovery.
    RBraceSemi,

    #[regex("[A-Za-z_][A-Za-z0-9_-]*")]
    Ident(&'s str),
    /// Digits (`random seed 42;`); the checker reads the value.
    #[regex("[0-9]+")]
    Number(&'s str),
    /// The unescaped contents of a string literal.
    #[token("\"", string)]
    Str(String),
    /// Never emitted: [`lex`] records comments apart from the tokens.
    #[regex(r"//[^\n]*", allow_greedy = true)]
    LineComment,
    /// Never emitted: recorded apart like a line comment, or lexed as an error when
    /// unterminated.
    #[token("/*", block_comment)]
    BlockComment,
    /// Never emitted: `#` is an invalid character, but the rest of its line is skipped like a
    /// comment, which is surely what it was meant to be.
    #[regex(r"#[^\n]*", callback = hash_comment, allow_greedy = true)]
    HashComment,
    /// Stands for input that did not lex (already reported). Accepted nowhere in the grammar:
    /// the parser's error recovery skips it.
    Error,
}

/// Lexes the rest of a string literal after its opening quote. Invalid escapes are recorded in
/// `lex.extras` (only once the string is known to be terminated) and kept verbatim in the value.
fn string<'s>(lex: &mut logos::Lexer<'s, Token<'s>>) -> Result<String, LexError> {
    let rest = lex.remainder();
    let base = lex.span().end;
    let mut value = String::new();
    let mut bad_escapes = Vec::new();
    let mut i = 0;
    while let Some(c) = rest[i..].chars().next() {
        match c {
            '"' => {
                lex.bump(i + 1);
                lex.extras.extend(bad_escapes);
                return Ok(value);
            }
            '\n' => break,
            '\\' => {
                let (len, decoded) = escape(&rest[i..]);
                match decoded {
                    Some(ch) => value.push(ch),
                    None => {
                        let text = &rest[i..i + len];
                        value.push_str(text);
                        bad_escapes.push(SyntaxError {
                            kind: SyntaxErrorKind::InvalidEscape {
                                escape: text.to_string(),
                            },
                            span: Span::new(base + i, base + i + len),
                        });
                    }
                }
                i += len;
            }
            c => {
                value.push(c);
                i += c.len_utf8();
            }
        }
    }
    // Unterminated: stop at the end of the line (before a `\r\n`), so lexing resumes on the next.
    let end = rest[..i].strip_suffix('\r').map_or(i, str::len);
    lex.bump(end);
    Err(LexError::UnterminatedString)
}

/// Where a byte range of a string's value lies in the literal as written (`literal` includes
/// the quotes, and the result is relative to its start): escapes make the two differ, and a
/// diagnostic about part of a value must point at the characters the user typed. A range end
/// past the value maps to the closing quote.
pub fn value_range_in_literal(
    literal: &str,
    range: std::ops::Range<usize>,
) -> std::ops::Range<usize> {
    let body = literal.strip_prefix('"').unwrap_or(literal);
    let start_of_body = literal.len() - body.len();
    let mut value_offset = 0;
    let mut raw = 0;
    let mut start = None;
    let mut end = None;
    while let Some(c) = body[raw..].chars().next() {
        if c == '"' {
            break;
        }
        if start.is_none() && value_offset >= range.start {
            start = Some(raw);
        }
        if end.is_none() && value_offset >= range.end {
            end = Some(raw);
        }
        let (len, decoded_len) = if c == '\\' {
            let (len, decoded) = escape(&body[raw..]);
            (len, decoded.map_or(len, char::len_utf8))
        } else {
            (c.len_utf8(), c.len_utf8())
        };
        raw += len;
        value_offset += decoded_len;
    }
    let start = start.unwrap_or(raw);
    let end = end.unwrap_or(raw).max(start);
    start_of_body + start..start_of_body + end
}

/// `text` as a string literal that [`lex`] reads back as `text`: quotes and backslashes
/// escaped, line breaks, tabs and NUL as `\n`, `\r`, `\t`, `\0`, other control characters as
/// `\u{…}` (the inverse of the lexer's escapes).
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Decodes the escape at the start of `text` (which starts with `\`). Returns how many bytes it
/// spans and the character, or `None` if it is invalid. Never consumes a `"` or a line break,
/// so the string can still end where the user ended it.
fn escape(text: &str) -> (usize, Option<char>) {
    let mut chars = text[1..].chars();
    let simple = match chars.next() {
        None | Some('\n') | Some('\r') => return (1, None),
        Some('"') => '"',
        Some('\\') => '\\',
        Some('n') => '\n',
        Some('t') => '\t',
        Some('r') => '\r',
        Some('0') => '\0',
        Some('u') => return unicode_escape(text),
        Some(other) => return (1 + other.len_utf8(), None),
    };
    (2, Some(simple))
}

/// `\u{HEX}` with 1 to 6 hex digits naming a Unicode scalar value.
fn unicode_escape(text: &str) -> (usize, Option<char>) {
    let Some(after_brace) = text.strip_prefix("\\u{") else {
        return (2, None);
    };
    let digits = after_brace
        .find(|c: char| !c.is_ascii_hexdigit())
        .unwrap_or(after_brace.len());
    let len = 3 + digits;
    if !after_brace[digits..].starts_with('}') {
        return (len, None);
    }
    let ch = (1..=6)
        .contains(&digits)
        .then(|| u32::from_str_radix(&after_brace[..digits], 16).ok())
        .flatten()
        .and_then(char::from_u32);
    (len + 1, ch)
}

fn hash_comment<'s>(_: &mut logos::Lexer<'s, Token<'s>>) -> Result<(), LexError> {
    Err(LexError::HashComment)
}

fn block_comment<'s>(lex: &mut logos::Lexer<'s, Token<'s>>) -> FilterResult<(), LexError> {
    match lex.remainder().find("*/") {
        Some(i) => {
            lex.bump(i + 2);
            FilterResult::Emit(())
        }
        None => {
            lex.bump(lex.remainder().len());
            FilterResult::Error(LexError::UnterminatedComment)
        }
    }
}

/// A token with its byte offsets, as the parser wants it.
pub type Spanned<'s> = (usize, Token<'s>, usize);

/// What kind of comment a [`Comment`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommentKind {
    /// `// …` to the end of the line (the span stops before the line break).
    Line,
    /// `/* … */`, possibly over several lines.
    Block,
    /// A `#` line: reported as an invalid character, but shown and skipped as a comment.
    Hash,
}

/// A comment of the source, which the parser never sees but the formatter and the editor do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Comment {
    pub kind: CommentKind,
    pub span: Span,
}

/// The tokens, comments and lexical errors of a source, each in source order.
#[derive(Debug, Default)]
pub struct Lexed<'s> {
    pub tokens: Vec<Spanned<'s>>,
    pub comments: Vec<Comment>,
    pub errors: Vec<SyntaxError>,
}

/// Lexes the whole source. Every lexical error is reported once, in the returned list, and
/// leaves a `Token::Error` in the stream (runs of invalid characters are merged into one).
pub fn lex(source: &str) -> (Vec<Spanned<'_>>, Vec<SyntaxError>) {
    let lexed = lex_all(source);
    (lexed.tokens, lexed.errors)
}

/// [`lex`], keeping the comments.
pub fn lex_all(source: &str) -> Lexed<'_> {
    let mut lexer = Token::lexer(source);
    let mut tokens: Vec<Spanned<'_>> = Vec::new();
    let mut errors = Vec::new();
    let mut comments = Vec::new();
    while let Some(result) = lexer.next() {
        let span = lexer.span();
        errors.append(&mut lexer.extras);
        let comment = |kind| Comment {
            kind,
            span: span.clone().into(),
        };
        let token = match result {
            Ok(Token::LineComment) => {
                comments.push(comment(CommentKind::Line));
                continue;
            }
            Ok(Token::BlockComment) => {
                comments.push(comment(CommentKind::Block));
                continue;
            }
            Ok(Token::Semi) if matches!(tokens.last(), Some((_, Token::RBrace, _))) => {
                if let Some(last) = tokens.last_mut() {
                    *last = (last.0, Token::RBraceSemi, span.end);
                }
                continue;
            }
            Ok(token) => token,
            Err(LexError::InvalidCharacter) => {
                let ch = source[span.clone()].chars().next().unwrap_or('\u{FFFD}');
                if let (Some(last_token), Some(last_error)) = (tokens.last_mut(), errors.last_mut())
                    && last_token.1 == Token::Error
                    && last_token.2 == span.start
                    && matches!(last_error.kind, SyntaxErrorKind::InvalidCharacter { .. })
                    && last_error.span.end == span.start
                {
                    last_token.2 = span.end;
                    last_error.span.end = span.end;
                    continue;
                }
                errors.push(SyntaxError {
                    kind: SyntaxErrorKind::InvalidCharacter { ch },
                    span: span.clone().into(),
                });
                Token::Error
            }
            Err(LexError::UnterminatedString) => {
                errors.push(SyntaxError {
                    kind: SyntaxErrorKind::UnterminatedString,
                    span: span.clone().into(),
                });
                Token::Error
            }
            Err(LexError::HashComment) => {
                comments.push(comment(CommentKind::Hash));
                errors.push(SyntaxError {
                    kind: SyntaxErrorKind::InvalidCharacter { ch: '#' },
                    span: Span::new(span.start, span.start + 1),
                });
                continue;
            }
            Err(LexError::UnterminatedComment) => {
                errors.push(SyntaxError {
                    kind: SyntaxErrorKind::UnterminatedComment,
                    // Point at the opening `/*` rather than at the rest of the file.
                    span: Span::new(span.start, span.start + 2),
                });
                Token::Error
            }
        };
        tokens.push((span.start, token, span.end));
    }
    Lexed {
        tokens,
        comments,
        errors,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(source: &str) -> Vec<Token<'_>> {
        lex(source)
            .0
            .into_iter()
            .map(|(_, token, _)| token)
            .collect()
    }

    #[test]
    fn quote_is_read_back_as_the_same_text() {
        let samples = [
            "",
            "plain",
            "a\"b\\c\nd\te\rf\0g",
            "\u{7}bell \u{1b}[0m \u{7f} \u{85} \u{2028}",
            "üñï 🦀 \\u{41}",
            "/*not a comment*/ // nor this",
        ];
        for text in samples {
            let quoted = quote(text);
            assert_eq!(tokens(&quoted), [Token::Str(text.to_string())], "{quoted}");
        }
        // Every character up to U+2FFF, one string each.
        for c in (0..0x3000u32).filter_map(char::from_u32) {
            let text = format!("x{c}y");
            assert_eq!(tokens(&quote(&text)), [Token::Str(text.clone())], "{c:?}");
        }
    }

    #[test]
    fn value_ranges_map_through_escapes() {
        // Plain: the value starts after the quote.
        assert_eq!(value_range_in_literal(r#""ab:cd""#, 3..5), 4..6);
        // `\u{41}` is one value byte for six written ones; `\t` one for two.
        let literal = r#""\u{41}\tx:80""#;
        assert_eq!(value_range_in_literal(literal, 0..1), 1..7);
        assert_eq!(value_range_in_literal(literal, 1..2), 7..9);
        assert_eq!(value_range_in_literal(literal, 3..5), 10..12);
        // A multi-byte character written as itself, and one written as an escape.
        assert_eq!(value_range_in_literal("\"é:\\u{e9}\"", 3..5), 4..10);
        // An empty range at the end points before the closing quote; past the end too.
        assert_eq!(value_range_in_literal(r#""ab""#, 2..2), 3..3);
        assert_eq!(value_range_in_literal(r#""ab""#, 1..9), 2..3);
        // Every range of every prefix stays inside the literal.
        let literal = r#""a\"b\u{1F980}c\q""#;
        let value_len = 1 + 1 + 1 + 4 + 1 + 2;
        for start in 0..=value_len {
            for end in start..=value_len + 1 {
                let r = value_range_in_literal(literal, start..end);
                assert!(
                    r.start <= r.end && r.end < literal.len(),
                    "{start}..{end}: {r:?}"
                );
            }
        }
    }

    #[test]
    fn keywords_identifiers_and_punctuation() {
        assert_eq!(
            tokens("allow allowed MY_VAR my-var _x :: ; , = { } };"),
            [
                Token::Allow,
                Token::Ident("allowed"),
                Token::Ident("MY_VAR"),
                Token::Ident("my-var"),
                Token::Ident("_x"),
                Token::PathSep,
                Token::Semi,
                Token::Comma,
                Token::Eq,
                Token::LBrace,
                Token::RBrace,
                Token::RBraceSemi,
            ]
        );
    }

    #[test]
    fn string_escapes() {
        let (toks, errors) = lex(r#""a\"b\\c\nd\te\rf\0g\u{41}\u{1F980}""#);
        assert_eq!(errors, []);
        assert_eq!(
            toks,
            [(0, Token::Str("a\"b\\c\nd\te\rf\0gA🦀".to_string()), 36)]
        );
    }

    #[test]
    fn invalid_escapes_keep_the_string() {
        let source = r#"x "\q\u{D800}\u{}\u{1234567}\u41" y"#;
        let (toks, errors) = lex(source);
        assert_eq!(toks.len(), 3);
        let escapes: Vec<&str> = errors.iter().map(|e| &source[e.span.range()]).collect();
        assert_eq!(
            escapes,
            [r"\q", r"\u{D800}", r"\u{}", r"\u{1234567}", r"\u"]
        );
        assert!(errors.iter().all(|e| matches!(
            &e.kind,
            SyntaxErrorKind::InvalidEscape { escape } if *escape == source[e.span.range()]
        )));
    }

    #[test]
    fn unterminated_string_stops_at_end_of_line() {
        let source = "\"abc \\q\r\nallow";
        let (toks, errors) = lex(source);
        assert_eq!(toks, [(0, Token::Error, 7), (9, Token::Allow, 14)]);
        assert_eq!(
            errors,
            [SyntaxError {
                kind: SyntaxErrorKind::UnterminatedString,
                span: Span::new(0, 7)
            }]
        );
    }

    #[test]
    fn comments() {
        assert_eq!(
            tokens("// allow\nallow /* deny\n */ deny /**/ // x"),
            [Token::Allow, Token::Deny]
        );
        let source = "// a\r\nallow /* b\n */ }/**/; # c\n";
        let lexed = lex_all(source);
        let comments: Vec<(CommentKind, &str)> = lexed
            .comments
            .iter()
            .map(|c| (c.kind, &source[c.span.start..c.span.end]))
            .collect();
        assert_eq!(
            comments,
            [
                (CommentKind::Line, "// a\r"),
                (CommentKind::Block, "/* b\n */"),
                (CommentKind::Block, "/**/"),
                (CommentKind::Hash, "# c"),
            ]
        );
        // The comment between `}` and `;` does not stop them folding into one token.
        assert_eq!(lexed.tokens[1].1, Token::RBraceSemi);
        let (toks, errors) = lex("allow /* deny");
        assert_eq!(toks, [(0, Token::Allow, 5), (6, Token::Error, 13)]);
        assert_eq!(
            errors,
            [SyntaxError {
                kind: SyntaxErrorKind::UnterminatedComment,
                span: Span::new(6, 8)
            }]
        );
    }

    #[test]
    fn hash_comments_are_one_invalid_character() {
        let (toks, errors) = lex("# allow $\nallow");
        assert_eq!(toks, [(10, Token::Allow, 15)]);
        assert_eq!(
            errors,
            [SyntaxError {
                kind: SyntaxErrorKind::InvalidCharacter { ch: '#' },
                span: Span::new(0, 1)
            }]
        );
    }

    #[test]
    fn invalid_character_runs_are_merged() {
        let (toks, errors) = lex("a $€% b ~");
        assert_eq!(
            toks,
            [
                (0, Token::Ident("a"), 1),
                (2, Token::Error, 7),
                (8, Token::Ident("b"), 9),
                (10, Token::Error, 11)
            ]
        );
        assert_eq!(
            errors,
            [
                SyntaxError {
                    kind: SyntaxErrorKind::InvalidCharacter { ch: '$' },
                    span: Span::new(2, 7)
                },
                SyntaxError {
                    kind: SyntaxErrorKind::InvalidCharacter { ch: '~' },
                    span: Span::new(10, 11)
                },
            ]
        );
    }
}
