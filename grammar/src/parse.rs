//! The `parse` entry point: lexes, parses with error recovery, and turns every lexer and parser
//! error into one `SyntaxError` list, so a single parse reports all syntax errors of a file.

use lalrpop_util::{ErrorRecovery, ParseError};
use std::collections::HashSet;
use std::convert::Infallible;
use std::ops::Range;

use crate::ast::{File, Shift, Span, StmtKind};
use crate::chunks::chunks;
use crate::grammar::FileParser;
use crate::lexer::{self, Token};

/// The words a statement can start with (for "did you mean ...?" suggestions).
pub const STATEMENT_KEYWORDS: &[&str] = &[
    "allow", "args", "clocks", "config", "deny", "dns", "env", "file", "http", "mount", "preopen",
    "random", "stderr", "stdin", "stdio", "stdout", "tcp", "tmpfs", "udp", "use",
];

/// Every reserved word of the language.
pub const KEYWORDS: &[&str] = &[
    "allow", "args", "clocks", "config", "deny", "dns", "env", "exclude", "file", "from", "host",
    "http", "import", "include", "mount", "preopen", "random", "readonly", "stderr", "stdin",
    "stdio", "stdout", "tcp", "tmpfs", "udp", "use",
];

/// The result of parsing a file: the syntax tree (with `StmtKind::Error` where statements
/// failed to parse) and every syntax error, in source order.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Parsed {
    pub file: File,
    pub errors: Vec<SyntaxError>,
    /// How the file was split to be parsed (see [`chunks`]), in order.
    pub chunks: Vec<Chunk>,
}

/// A chunk of a file: its text, and the statements parsed from it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Chunk {
    pub text: Range<usize>,
    /// Indices into `File::stmts`.
    pub stmts: Range<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SyntaxError {
    pub kind: SyntaxErrorKind,
    pub span: Span,
}

impl SyntaxError {
    pub fn message(&self) -> String {
        self.kind.message()
    }

    pub fn code(&self) -> &'static str {
        self.kind.code()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SyntaxErrorKind {
    /// `found` is the token as written; `expected` holds human names such as "`;`" or
    /// "a string", deduplicated and sorted.
    UnexpectedToken {
        found: String,
        expected: Vec<String>,
    },
    UnexpectedEof {
        expected: Vec<String>,
    },
    UnterminatedString,
    UnterminatedComment,
    /// `escape` is the escape as written, e.g. `\q` or `\u{110000}`.
    InvalidEscape {
        escape: String,
    },
    /// The first character of a run of characters that cannot start a token.
    InvalidCharacter {
        ch: char,
    },
}

impl SyntaxErrorKind {
    /// A stable code for documentation and tests.
    pub fn code(&self) -> &'static str {
        match self {
            SyntaxErrorKind::UnexpectedToken { .. } => "V0001",
            SyntaxErrorKind::UnexpectedEof { .. } => "V0002",
            SyntaxErrorKind::UnterminatedString => "V0003",
            SyntaxErrorKind::UnterminatedComment => "V0004",
            SyntaxErrorKind::InvalidEscape { .. } => "V0005",
            SyntaxErrorKind::InvalidCharacter { .. } => "V0006",
        }
    }

    /// A one-line message, e.g. "expected `;`, found `env`".
    pub fn message(&self) -> String {
        match self {
            SyntaxErrorKind::UnexpectedToken { found, expected } if expected.is_empty() => {
                format!("unexpected `{found}`")
            }
            SyntaxErrorKind::UnexpectedToken { found, expected } => {
                format!("expected {}, found `{found}`", one_of(expected))
            }
            SyntaxErrorKind::UnexpectedEof { expected } if expected.is_empty() => {
                "unexpected end of file".to_string()
            }
            SyntaxErrorKind::UnexpectedEof { expected } => {
                format!("expected {}, found end of file", one_of(expected))
            }
            SyntaxErrorKind::UnterminatedString => "unterminated string".to_string(),
            SyntaxErrorKind::UnterminatedComment => "unterminated block comment".to_string(),
            SyntaxErrorKind::InvalidEscape { escape } => {
                format!("invalid escape `{escape}` in string")
            }
            SyntaxErrorKind::InvalidCharacter { ch } => {
                format!("invalid character `{}`", ch.escape_debug())
            }
        }
    }
}

fn one_of(expected: &[String]) -> String {
    match expected {
        [one] => one.clone(),
        [a, b] => format!("{a} or {b}"),
        [init @ .., last] => format!("one of {}, or {last}", init.join(", ")),
        [] => String::new(),
    }
}

/// Parses a `.virt` file. Never fails and never panics: errors are collected in `Parsed::errors`.
///
/// The file is parsed chunk by chunk (see [`chunks`]): recovery from a syntax error never
/// reaches past the end of a statement, and callers that remember chunks (the language server)
/// get the same tree by parsing only the chunks an edit changed.
pub fn parse(source: &str) -> Parsed {
    let mut out = Parsed::default();
    for range in chunks(source) {
        out.append(&parse_chunk(&source[range.clone()]), range);
    }
    out
}

impl Parsed {
    /// Appends a chunk parsed on its own (its spans starting at 0) that starts at `offset`.
    pub fn append(&mut self, chunk: &Parsed, text: Range<usize>) {
        let offset = text.start as isize;
        let first = self.file.stmts.len();
        self.chunks.push(Chunk {
            text,
            stmts: first..first + chunk.file.stmts.len(),
        });
        self.file.stmts.extend(chunk.file.stmts.iter().map(|stmt| {
            let mut stmt = stmt.clone();
            stmt.shift(offset);
            stmt
        }));
        self.errors.extend(chunk.errors.iter().map(|error| {
            let mut error = error.clone();
            error.span.shift(offset);
            error
        }));
    }
}

/// Parses one chunk of a file (as [`chunks`] splits it), with spans relative to its start.
pub fn parse_chunk(source: &str) -> Parsed {
    let (tokens, mut errors) = lexer::lex(source);
    // Where a token is glued to the end of input that did not lex (`$foo`), it is part of the
    // same garbage: an error about it would only repeat the lexer's.
    let glued: HashSet<usize> = tokens
        .iter()
        .filter(|(_, token, _)| *token == Token::Error)
        .map(|&(_, _, end)| end)
        .collect();
    let token_spans: Vec<Span> = tokens.iter().map(|&(s, _, e)| Span::new(s, e)).collect();
    let mut recovered: Vec<ErrorRecovery<usize, Token<'_>, Infallible>> = Vec::new();
    let tokens = skip_errors_at_statement_start(tokens).map(Ok);
    let mut file = match FileParser::new().parse(&mut recovered, tokens) {
        Ok(file) => file,
        // Unreachable in practice: `File: Stmts !` accepts any input at the end of the file.
        Err(error) => {
            errors.extend(convert(source, error));
            File { stmts: Vec::new() }
        }
    };
    errors.extend(
        recovered
            .into_iter()
            .filter_map(|recovery| convert(source, recovery.error))
            .filter(|error| {
                !matches!(error.kind, SyntaxErrorKind::UnexpectedToken { .. })
                    || !glued.contains(&error.span.start)
            }),
    );
    errors.sort_by_key(|error| (error.span.start, error.span.end));
    for stmt in &mut file.stmts {
        if stmt.kind == StmtKind::Error {
            stmt.span = shrink_to_tokens(stmt.span, &token_spans);
        }
    }
    let chunks = vec![Chunk {
        text: 0..source.len(),
        stmts: 0..file.stmts.len(),
    }];
    Parsed {
        file,
        errors,
        chunks,
    }
}

/// Shrinks a recovered region to the tokens inside it: lalrpop may start it at the end of the
/// previous statement or end it at the start of the next, taking in whitespace and comments.
fn shrink_to_tokens(span: Span, tokens: &[Span]) -> Span {
    let first = tokens.partition_point(|token| token.start < span.start);
    let inside = tokens[first..]
        .iter()
        .take_while(|token| token.end <= span.end);
    match (inside.clone().next(), inside.last()) {
        (Some(first), Some(last)) => Span::new(first.start, last.end),
        _ => span,
    }
}

/// Drops `Token::Error`s (already reported) where a statement or a mount rule starts, so that
/// the statement after them still parses; anywhere else they are left for the parser's
/// recovery, which then skips the rest of the broken statement.
fn skip_errors_at_statement_start<'s>(
    tokens: Vec<lexer::Spanned<'s>>,
) -> impl Iterator<Item = lexer::Spanned<'s>> {
    let mut at_start = true;
    tokens.into_iter().filter(move |(_, token, _)| match token {
        Token::Error => !at_start,
        Token::Semi | Token::LBrace | Token::RBrace | Token::RBraceSemi => {
            at_start = true;
            true
        }
        _ => {
            at_start = false;
            true
        }
    })
}

/// Turns a parser error into a `SyntaxError`, or `None` if it only re-reports a lexer error
/// (the unexpected token is a `Token::Error`, already reported by the lexer).
fn convert(source: &str, error: ParseError<usize, Token<'_>, Infallible>) -> Option<SyntaxError> {
    let text = |start: usize, end: usize| source.get(start..end).unwrap_or_default().to_string();
    match error {
        ParseError::UnrecognizedToken {
            token: (_, Token::Error, _),
            ..
        } => None,
        ParseError::UnrecognizedToken {
            token: (start, _, end),
            expected,
        } => Some(SyntaxError {
            kind: SyntaxErrorKind::UnexpectedToken {
                found: text(start, end),
                expected: humanize(&expected),
            },
            span: Span::new(start, end),
        }),
        ParseError::ExtraToken {
            token: (_, Token::Error, _),
        } => None,
        ParseError::ExtraToken {
            token: (start, _, end),
        } => Some(SyntaxError {
            kind: SyntaxErrorKind::UnexpectedToken {
                found: text(start, end),
                expected: Vec::new(),
            },
            span: Span::new(start, end),
        }),
        ParseError::UnrecognizedEof { location, expected } => Some(SyntaxError {
            kind: SyntaxErrorKind::UnexpectedEof {
                expected: humanize(&expected),
            },
            span: Span::new(location, location),
        }),
        // Only produced by lalrpop's own lexer, which is not used.
        ParseError::InvalidToken { location } => Some(SyntaxError {
            kind: SyntaxErrorKind::InvalidCharacter {
                ch: source
                    .get(location..)
                    .and_then(|rest| rest.chars().next())
                    .unwrap_or('\u{FFFD}'),
            },
            span: Span::new(location, location),
        }),
        ParseError::User { error } => match error {},
    }
}

/// Maps lalrpop's terminal names (`"\";\""`, `"Ident"`, ...) to human names, sorted and
/// deduplicated. Where any word is accepted (every keyword and an identifier), the keywords are
/// folded into "an identifier".
fn humanize(expected: &[String]) -> Vec<String> {
    let terminals: Vec<&str> = expected
        .iter()
        .map(|name| {
            name.strip_prefix('"')
                .and_then(|name| name.strip_suffix('"'))
                .unwrap_or(name)
        })
        .collect();
    let any_word = terminals.contains(&"Ident") && KEYWORDS.iter().all(|k| terminals.contains(k));
    let mut names: Vec<String> = terminals
        .into_iter()
        .filter_map(|terminal| match terminal {
            "Ident" => Some("an identifier".to_string()),
            "Str" => Some("a string".to_string()),
            "Number" => Some("a number".to_string()),
            "LexError" | "BlockComment" => None,
            "};" => Some("`}`".to_string()),
            keyword if any_word && KEYWORDS.contains(&keyword) => None,
            other => Some(format!("`{other}`")),
        })
        .collect();
    names.sort();
    names.dedup();
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::{ArgsMode, EnvName};
    use std::fmt::Write;

    const PONG: &str = include_str!("../testdata/pong.virt");

    /// One line per statement and per error, with the source text each span covers.
    fn render(source: &str) -> String {
        let parsed = parse(source);
        let mut out = String::new();
        for stmt in &parsed.file.stmts {
            writeln!(out, "{:?}", stmt.kind).unwrap();
            writeln!(out, "    {:?} {:?}", stmt.span, &source[stmt.span.range()]).unwrap();
        }
        for error in &parsed.errors {
            writeln!(
                out,
                "{} {:?} {:?}: {}",
                error.code(),
                error.span,
                &source[error.span.range()],
                error.message()
            )
            .unwrap();
        }
        out
    }

    #[test]
    fn mode_statements() {
        insta::assert_snapshot!(render(
            "clocks fixed \"2026-01-01T00:00:00Z\";\nclocks resolution \"1ms\";\nrandom seed 42;\n\
             allow clocks;\ndeny random;\nrandom seed;\nclocks 5;\nrandom seed -1;\n"
        ));
    }

    #[test]
    fn mount_options_and_tmpfs() {
        insta::assert_snapshot!(render(
            "tmpfs \"/tmp\";\ntmpfs \"/scratch\" limit \"64MiB\";\n\
             mount \"/data\" from \"./data\" writable;\n\
             mount \"/w\" from \"./w\" writable limit \"1GiB\" { exclude \"*.key\"; }\n\
             mount \"/r\" from \"./r\" { include \"**\"; }\ntmpfs;\ntmpfs \"/x\" limit;\n"
        ));
    }

    #[test]
    fn example_parses_without_errors() {
        let parsed = parse(PONG);
        assert_eq!(parsed.errors, []);
        assert_eq!(parsed.file.stmts.len(), 23);
        insta::assert_snapshot!(render(PONG));
    }

    #[test]
    fn mount_block_debug_tree() {
        let source = "mount \"/\" from \"./dir\" { include \"**/*.txt\"; exclude \"a\", \"b\"; };";
        insta::assert_debug_snapshot!(parse(source));
    }

    #[test]
    fn empty_and_comment_only_files() {
        for source in ["", "  \n", "// nothing\n", "/* nothing */", "/**/ // x"] {
            let parsed = parse(source);
            assert_eq!(parsed.file, File { stmts: vec![] });
            assert_eq!(parsed.errors, []);
        }
    }

    #[test]
    fn words_are_not_validated() {
        let source = "allow randon;\nstdout ignor;\ndeny from;\nuse std::env;\n";
        let parsed = parse(source);
        assert_eq!(parsed.errors, []);
        insta::assert_snapshot!(render(source));
    }

    #[test]
    fn keywords_where_words_are_expected() {
        let source = "allow env;\ndeny stdio;\nstdout allow;\nstdin deny;\nallow config;\n\
                      env allow = \"x\";\nenv host = \"y\";\nallow http;\nenv http = \"z\";\n";
        let parsed = parse(source);
        assert_eq!(parsed.errors, []);
        let kinds: Vec<_> = parsed.file.stmts.iter().map(|s| &s.kind).collect();
        assert!(matches!(kinds[0], StmtKind::Allow(word) if word.name == "env"));
        assert!(matches!(kinds[2], StmtKind::Stdio { stream, mode }
            if stream.name == "stdout" && mode.name == "allow"));
        assert!(
            matches!(kinds[5], StmtKind::EnvSet { name: EnvName::Ident(i), .. } if i.name == "allow")
        );
        assert!(matches!(kinds[6], StmtKind::EnvSet { name, .. } if name.text() == "host"));
        assert!(matches!(kinds[7], StmtKind::Allow(word) if word.name == "http"));
        assert!(matches!(kinds[8], StmtKind::EnvSet { name, .. } if name.text() == "http"));
    }

    #[test]
    fn quoted_env_name() {
        let parsed = parse(r#"env "WEIRD NAME" = "x";"#);
        assert_eq!(parsed.errors, []);
        let StmtKind::EnvSet { name, value } = &parsed.file.stmts[0].kind else {
            panic!("{parsed:?}");
        };
        assert!(matches!(name, EnvName::Quoted(_)));
        assert_eq!(name.text(), "WEIRD NAME");
        assert_eq!(name.span(), Span::new(4, 16));
        assert_eq!(value.value, "x");
    }

    #[test]
    fn args_forms() {
        let parsed = parse("args allow; args deny; args \"a\";");
        assert_eq!(parsed.errors, []);
        let modes: Vec<_> = parsed.file.stmts.iter().map(|s| &s.kind).collect();
        assert!(matches!(modes[0], StmtKind::Args(ArgsMode::Word(w)) if w.name == "allow"));
        assert!(matches!(modes[1], StmtKind::Args(ArgsMode::Word(w)) if w.name == "deny"));
        assert!(matches!(modes[2], StmtKind::Args(ArgsMode::List(l)) if l.len() == 1));
        insta::assert_snapshot!(render("args foo;\nargs;\n"));
    }

    #[test]
    fn three_broken_statements_three_errors() {
        let source = "\
allow random;
env = \"x\";
deny clocks;
mount \"/\" \"./dir\";
stdout ignore;
file \"/a\" = ;
allow all;
";
        let parsed = parse(source);
        assert_eq!(parsed.errors.len(), 3, "{}", render(source));
        let good = parsed
            .file
            .stmts
            .iter()
            .filter(|s| s.kind != StmtKind::Error)
            .count();
        assert_eq!(good, 4);
        insta::assert_snapshot!(render(source));
    }

    #[test]
    fn missing_semicolon_is_one_error() {
        let source = "allow random\ndeny clocks;\nenv allow \"A\", \"B\"\nstdout ignore\n";
        let parsed = parse(source);
        assert_eq!(parsed.errors.len(), 3, "{}", render(source));
        assert!(!parsed.file.stmts.iter().any(|s| s.kind == StmtKind::Error));
        assert_eq!(parsed.file.stmts.len(), 4);
        insta::assert_snapshot!(render(source));
    }

    #[test]
    fn unknown_statement_keyword() {
        let source = "alow random;\nallow clocks;\n";
        let parsed = parse(source);
        let [error] = &parsed.errors[..] else {
            panic!("{}", render(source));
        };
        let SyntaxErrorKind::UnexpectedToken { found, expected } = &error.kind else {
            panic!("{error:?}");
        };
        assert_eq!(found, "alow");
        let keywords: Vec<String> = STATEMENT_KEYWORDS
            .iter()
            .map(|k| format!("`{k}`"))
            .collect();
        assert_eq!(expected, &keywords);
        insta::assert_snapshot!(render(source));
    }

    #[test]
    fn lexer_errors_are_reported_once() {
        let source = "\
env PONG = \"demo;
allow random;
file \"/a\" = \"bad \\q escape \\u{110000} and \\u{41}\";
allow ra$$dom;
deny clocks;
€
stdio deny;
/* never closed
allow all;
";
        let parsed = parse(source);
        insta::assert_snapshot!(render(source));
        let codes: Vec<_> = parsed.errors.iter().map(SyntaxError::code).collect();
        assert_eq!(
            codes,
            ["V0003", "V0005", "V0005", "V0006", "V0006", "V0004"]
        );
    }

    #[test]
    fn unterminated_string_resumes_on_next_line() {
        let source = "env A = \"x\";\nuse \"./a.virt\nallow random;\ndeny clocks;\n";
        let parsed = parse(source);
        insta::assert_snapshot!(render(source));
        assert_eq!(parsed.errors.len(), 1);
        assert!(
            parsed
                .file
                .stmts
                .iter()
                .any(|s| matches!(&s.kind, StmtKind::Deny(w) if w.name == "clocks"))
        );
    }

    #[test]
    fn lexer_errors_at_statement_start_keep_the_next_statement() {
        let source = "\"unterminated\nallow random;\n$foo;\n# comment?\ndeny clocks;\n\
                      mount \"/\" from \"d\" { ~ include \"x\"; }\n";
        let parsed = parse(source);
        insta::assert_snapshot!(render(source));
        let codes: Vec<_> = parsed.errors.iter().map(SyntaxError::code).collect();
        assert_eq!(codes, ["V0003", "V0006", "V0006", "V0006"]);
    }

    #[test]
    fn mount_block_recovery() {
        let source = "\
mount \"/a\" from \"./a\" { include \"x\" exclude \"y\"; }
mount \"/b\" from \"./b\" { include ; exclude \"z\"; };
mount \"/c\" from \"./c\" { include \"w\";
allow random;
mount \"/d\" from \"./d\" {
";
        insta::assert_snapshot!(render(source));
    }

    #[test]
    fn assorted() {
        let sources = [
            "allow random;;\n;",
            "mount \"/\" from \"d\" {};\nmount \"/\" from \"d\" {} ;\nmount \"/\" from \"d\" {}",
            "};\nallow x;",
            "use std::;\nuse std::sandbox::strict;\nuse ::x;",
            "preopen \"/a\" from \"/b\";\npreopen \"/a\" from host \"/b\" readonly readonly;",
            "config key = \"v\";\nconfig allow;\nenv deny \"A\",;",
            "# a comment\nallow random;",
            "tcp connect \"a:1\", \"10.0.0.0/8:*\";\nudp bind;\ndns resolve \"x\"\ntcp tcp \"y\";\nallow tcp;",
            "http allow \"https://a\", \"GET http://b/**\";\nhttp deny \"x\";\nallow http;\nhttp connect \"y\";\nhttp allow;\ndeny http;",
        ];
        let out: Vec<String> = sources
            .iter()
            .map(|source| format!("--- {source:?}\n{}", render(source)))
            .collect();
        insta::assert_snapshot!(out.join(""));
    }

    #[test]
    fn errors_at_end_of_file() {
        insta::assert_snapshot!(render("allow random;\nenv X ="));
        insta::assert_snapshot!(render("allow"));
        insta::assert_snapshot!(render("allow random"));
    }

    #[test]
    fn messages() {
        let kind = |found: &str, expected: &[&str]| SyntaxErrorKind::UnexpectedToken {
            found: found.to_string(),
            expected: expected.iter().map(|e| e.to_string()).collect(),
        };
        assert_eq!(kind("env", &["`;`"]).message(), "expected `;`, found `env`");
        assert_eq!(
            kind("x", &["`,`", "`;`"]).message(),
            "expected `,` or `;`, found `x`"
        );
        assert_eq!(
            kind("x", &["`,`", "`;`", "a string"]).message(),
            "expected one of `,`, `;`, or a string, found `x`"
        );
        let eof = SyntaxErrorKind::UnexpectedEof {
            expected: vec!["`;`".to_string()],
        };
        assert_eq!(eof.message(), "expected `;`, found end of file");
        assert_eq!(
            SyntaxErrorKind::InvalidCharacter { ch: '\u{7}' }.message(),
            "invalid character `\\u{7}`"
        );
    }

    /// Checks the invariants every parse must keep, whatever the input.
    fn check(source: &str) {
        let parsed = parse(source);
        let spans = parsed
            .file
            .stmts
            .iter()
            .map(|s| s.span)
            .chain(parsed.errors.iter().map(|e| e.span));
        for span in spans {
            assert!(span.start <= span.end, "{span:?} in {source:?}");
            assert!(source.get(span.range()).is_some(), "{span:?} in {source:?}");
        }
        for error in &parsed.errors {
            assert!(!error.message().is_empty());
        }

        // Chunks cover the source, and lexing them one by one gives the tokens and lexical
        // errors of lexing the whole: no token straddles two chunks.
        let ranges = chunks(source);
        assert_eq!(ranges.first().map_or(0, |r| r.start), 0, "{source:?}");
        assert_eq!(
            ranges.last().map_or(0, |r| r.end),
            source.len(),
            "{source:?}"
        );
        assert!(
            ranges.windows(2).all(|w| w[0].end == w[1].start),
            "{source:?}"
        );
        let (whole_tokens, whole_errors) = crate::lexer::lex(source);
        let mut tokens = Vec::new();
        let mut errors = Vec::new();
        for range in ranges {
            let (t, e) = crate::lexer::lex(&source[range.clone()]);
            let at = range.start;
            tokens.extend(t.into_iter().map(|(s, t, e)| (s + at, t, e + at)));
            errors.extend(e.into_iter().map(|mut e| {
                e.span.shift(at as isize);
                e
            }));
        }
        assert_eq!(tokens, whole_tokens, "{source:?}");
        assert_eq!(errors, whole_errors, "{source:?}");
    }

    #[test]
    fn every_prefix_of_a_valid_file() {
        for (end, _) in PONG.char_indices() {
            check(&PONG[..end]);
        }
    }

    #[test]
    fn weird_inputs_never_panic() {
        let fixed = [
            "\0",
            "\"",
            "\\",
            "\"\\",
            "\"\\u{",
            "\"\\u{12345678}\"",
            "\"\\u{d800}\"",
            "\"\\\u{e9}\"",
            "\"\r\n",
            "/*",
            "/*/",
            "*/",
            "}};;{{",
            "::::",
            ":",
            "mount \"/\" from \"d\" {{{{",
            "🦀 allow 🦀;",
            "allow\u{202e}random;",
            "\u{feff}allow random;",
            "env \u{0301} = \"x\";",
        ];
        for source in fixed {
            check(source);
        }

        // Pseudo-random bytes (made valid UTF-8) and pseudo-random token soup.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let vocabulary = [
            "allow",
            "deny",
            "env",
            "config",
            "mount",
            "file",
            "preopen",
            "from",
            "host",
            "readonly",
            "include",
            "exclude",
            "stdin",
            "stdout",
            "stderr",
            "stdio",
            "args",
            "use",
            "tcp",
            "udp",
            "dns",
            "http",
            "connect",
            "\"10.0.0.0/8:80\"",
            "\"GET https://h/**\"",
            ";",
            ",",
            "=",
            "::",
            "{",
            "}",
            "\"s\"",
            "x",
            "\"",
            "/*",
            "*/",
            "//",
            "\n",
            "\\",
            "é",
            "#",
            "\u{feff}",
            "\r",
            "\"\\",
            "};",
        ];
        for _ in 0..2000 {
            let len = (next() % 64) as usize;
            let bytes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            check(&String::from_utf8_lossy(&bytes));

            let soup: Vec<&str> = (0..len)
                .map(|_| vocabulary[(next() % vocabulary.len() as u64) as usize])
                .collect();
            check(&soup.join(" "));
            check(&soup.concat());
        }
    }
}
