//! The canonical layout of `.virt` files, shared by `virtc fmt` and the language server, so that
//! a policy looks the same whoever wrote it.
//!
//! The rules: one statement per line; one space between words, none before `;` and `,`, one after
//! `,`, spaces around `=`, none around `::` (`allow random;`, `env NAME = "v";`, `"a", "b"`);
//! mount blocks on several lines with their rules indented 4 spaces (`{}` when empty, and no `;`
//! after the `}`); comments kept where they are (a comment after a statement stays on its line,
//! and the trailing comments of consecutive lines share a column); blank lines between groups of
//! statements kept, runs of them collapsed to one; the file ends in exactly one newline.
//! Formatting is idempotent, and only a file without syntax errors is formatted.

use virtc_grammar::lexer::{CommentKind, Token, lex_all};
use virtc_grammar::{SyntaxError, parse};

/// Why a file was not formatted: it has syntax errors (formatting would have to guess).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unformattable {
    pub errors: Vec<SyntaxError>,
}

/// Formats a `.virt` source; refuses a source with syntax errors.
pub fn format(source: &str) -> Result<String, Unformattable> {
    let parsed = parse(source);
    if !parsed.errors.is_empty() {
        return Err(Unformattable {
            errors: parsed.errors,
        });
    }
    let items = items(source);
    let mut printer = Printer::default();
    printer.print(source, &items);
    Ok(printer.finish())
}

/// The tokens that matter to the layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    Semi,
    Comma,
    PathSep,
    LBrace,
    RBrace,
    /// The `;` of `};`, which the canonical layout leaves out.
    DroppedSemi,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Token(Tok),
    LineComment,
    BlockComment,
}

/// A token or a comment, with how many line breaks precede it.
#[derive(Debug, Clone, Copy)]
struct Item<'s> {
    kind: Kind,
    text: &'s str,
    start: usize,
    newlines_before: usize,
}

/// Tokens and comments in source order, with the line breaks between them.
fn items(source: &str) -> Vec<Item<'_>> {
    let lexed = lex_all(source);
    let mut spans: Vec<(usize, usize, Kind)> = Vec::new();
    for (start, token, end) in lexed.tokens {
        let tok = match token {
            Token::RBraceSemi => {
                // `}` and `;` folded by the lexer (with any comments between them apart).
                spans.push((start, start + 1, Kind::Token(Tok::RBrace)));
                spans.push((end - 1, end, Kind::Token(Tok::DroppedSemi)));
                continue;
            }
            Token::Semi => Tok::Semi,
            Token::Comma => Tok::Comma,
            Token::PathSep => Tok::PathSep,
            Token::LBrace => Tok::LBrace,
            Token::RBrace => Tok::RBrace,
            _ => Tok::Other,
        };
        spans.push((start, end, Kind::Token(tok)));
    }
    for comment in lexed.comments {
        let kind = match comment.kind {
            CommentKind::Line => Kind::LineComment,
            CommentKind::Block => Kind::BlockComment,
            // An error: the formatter never sees a file with one.
            CommentKind::Hash => continue,
        };
        spans.push((comment.span.start, comment.span.end, kind));
    }
    spans.sort_by_key(|&(start, ..)| start);
    let mut at = 0;
    spans
        .into_iter()
        .map(|(start, end, kind)| {
            let newlines_before = source[at..start].matches('\n').count();
            at = end;
            let text = &source[start..end];
            let text = match kind {
                Kind::LineComment => text.trim_end(),
                _ => text,
            };
            Item {
                kind,
                text,
                start,
                newlines_before,
            }
        })
        .collect()
}

/// A comment at the end of a line of code, and the column it had in the source.
#[derive(Debug)]
struct Trailing {
    text: String,
    column: usize,
}

#[derive(Debug)]
struct Line {
    text: String,
    trailing: Option<Trailing>,
}

#[derive(Debug)]
struct Printer {
    lines: Vec<Line>,
    /// The line being written, indentation included.
    cur: String,
    cur_trailing: Option<Trailing>,
    /// Mount block nesting.
    depth: usize,
    /// The next token starts a statement (or a rule of a mount block).
    boundary: bool,
    /// `cur` holds only comments written where a statement starts.
    cur_only_comments: bool,
    /// A line comment ended `cur`: whatever comes next starts a new line.
    break_next: bool,
    prev: Tok,
}

impl Default for Printer {
    fn default() -> Self {
        Printer {
            lines: Vec::new(),
            cur: String::new(),
            cur_trailing: None,
            depth: 0,
            boundary: true,
            cur_only_comments: false,
            break_next: false,
            prev: Tok::Semi,
        }
    }
}

const INDENT: usize = 4;

impl Printer {
    fn flush(&mut self) {
        if !self.cur.trim().is_empty() {
            self.lines.push(Line {
                text: self.cur.trim_end().to_string(),
                trailing: self.cur_trailing.take(),
            });
        }
        self.cur.clear();
        self.cur_trailing = None;
        self.cur_only_comments = false;
        self.break_next = false;
    }

    /// Ends the current line and starts one at `indent`, after a blank line when `blank` (never
    /// at the start of the file or right after a `{`).
    fn start_line(&mut self, indent: usize, blank: bool) {
        self.flush();
        if blank
            && let Some(last) = self.lines.last()
            && !last.text.is_empty()
            && !last.text.ends_with('{')
        {
            self.lines.push(Line {
                text: String::new(),
                trailing: None,
            });
        }
        self.cur = " ".repeat(indent);
    }

    fn print(&mut self, source: &str, items: &[Item<'_>]) {
        let mut skip_next = false;
        for (i, item) in items.iter().enumerate() {
            if std::mem::take(&mut skip_next) {
                continue;
            }
            let blank = item.newlines_before >= 2;
            let text = item.text.replace("\r\n", "\n");
            match item.kind {
                Kind::LineComment | Kind::BlockComment => {
                    let is_line = item.kind == Kind::LineComment;
                    let own_line = item.newlines_before > 0 || self.cur.trim().is_empty();
                    let same_line = !own_line && !self.break_next;
                    if same_line && self.boundary && !self.cur_only_comments {
                        // After a statement, on its line: a trailing comment (the next
                        // statement starts a new line whatever follows in the source).
                        match &mut self.cur_trailing {
                            Some(trailing) => {
                                trailing.text.push(' ');
                                trailing.text.push_str(&text);
                            }
                            None => {
                                self.cur_trailing = Some(Trailing {
                                    column: column(source, item.start),
                                    text,
                                })
                            }
                        }
                    } else if same_line {
                        self.cur.push(' ');
                        self.cur.push_str(&text);
                    } else {
                        let indent = self.depth * INDENT + if self.boundary { 0 } else { INDENT };
                        self.start_line(indent, blank && self.boundary);
                        self.cur.push_str(&text);
                        self.cur_only_comments = self.boundary;
                    }
                    if is_line {
                        self.break_next = true;
                    }
                    self.prev = Tok::Other;
                }
                Kind::Token(tok) => {
                    if self.boundary {
                        match tok {
                            Tok::DroppedSemi => continue,
                            Tok::RBrace => {
                                self.depth = self.depth.saturating_sub(1);
                                self.start_line(self.depth * INDENT, false);
                                self.cur.push('}');
                                self.prev = tok;
                                continue;
                            }
                            _ => {}
                        }
                        let same_line =
                            item.newlines_before == 0 && self.cur_only_comments && !self.break_next;
                        if same_line {
                            self.cur.push(' ');
                        } else {
                            self.start_line(self.depth * INDENT, blank);
                        }
                        self.cur_only_comments = false;
                        self.boundary = false;
                    } else if self.break_next {
                        self.start_line(self.depth * INDENT + INDENT, false);
                    } else if !matches!(tok, Tok::Semi | Tok::Comma | Tok::PathSep)
                        && self.prev != Tok::PathSep
                        && !self.cur.trim().is_empty()
                    {
                        self.cur.push(' ');
                    }
                    match tok {
                        Tok::LBrace
                            if items
                                .get(i + 1)
                                .is_some_and(|n| n.kind == Kind::Token(Tok::RBrace)) =>
                        {
                            self.cur.push_str("{}");
                            skip_next = true;
                            self.boundary = true;
                        }
                        Tok::LBrace => {
                            self.cur.push('{');
                            self.depth += 1;
                            self.boundary = true;
                        }
                        Tok::Semi => {
                            self.cur.push(';');
                            self.boundary = true;
                        }
                        _ => self.cur.push_str(&text),
                    }
                    self.prev = tok;
                }
            }
        }
        self.flush();
    }

    /// Aligns trailing comments and joins the lines.
    fn finish(self) -> String {
        let lines = self.lines;
        let width = |line: &Line| {
            let last = line.text.rsplit('\n').next().unwrap_or_default();
            last.chars().count()
        };
        let mut columns = vec![0; lines.len()];
        let mut i = 0;
        while i < lines.len() {
            if lines[i].trailing.is_none() {
                i += 1;
                continue;
            }
            let single_line =
                |l: &Line| l.trailing.as_ref().is_some_and(|t| !t.text.contains('\n'));
            let mut j = i + 1;
            while single_line(&lines[j - 1]) && j < lines.len() && single_line(&lines[j]) {
                j += 1;
            }
            let run = &lines[i..j];
            let widest = run.iter().map(width).max().unwrap_or(0);
            let first = run[0].trailing.as_ref().map_or(0, |t| t.column);
            // Consecutive trailing comments share a column: the one they already share if it
            // clears the code, else one space after the longest line.
            let kept = run.len() >= 2
                && first > widest
                && run
                    .iter()
                    .all(|l| l.trailing.as_ref().is_some_and(|t| t.column == first));
            let column = if kept { first } else { widest + 1 };
            columns[i..j].fill(column);
            i = j;
        }
        let mut out = String::new();
        for (line, column) in lines.iter().zip(columns) {
            out.push_str(&line.text);
            if let Some(trailing) = &line.trailing {
                let pad = column.saturating_sub(width(line)).max(1);
                out.extend(std::iter::repeat_n(' ', pad));
                out.push_str(&trailing.text);
            }
            out.push('\n');
        }
        out
    }
}

/// The column (in characters) of byte offset `at` in its line.
fn column(source: &str, at: usize) -> usize {
    let line_start = source[..at].rfind('\n').map_or(0, |n| n + 1);
    source[line_start..at].chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(source: &str) -> String {
        let once = format(source).unwrap_or_else(|e| panic!("{source:?}: {e:?}"));
        let twice = format(&once).unwrap();
        assert_eq!(once, twice, "not idempotent for {source:?}");
        once
    }

    #[test]
    fn spacing_is_normalized() {
        assert_eq!(fmt("allow   random ;"), "allow random;\n");
        assert_eq!(fmt("env NAME=\"v\";"), "env NAME = \"v\";\n");
        assert_eq!(
            fmt("env allow \"a\" ,\"b\",  \"c\";"),
            "env allow \"a\", \"b\", \"c\";\n"
        );
        assert_eq!(fmt("use std :: sandbox;"), "use std::sandbox;\n");
        assert_eq!(
            fmt("preopen \"/a\"from host\"/b\"readonly;"),
            "preopen \"/a\" from host \"/b\" readonly;\n"
        );
        assert_eq!(fmt("config \"k\"=\"v\";"), "config \"k\" = \"v\";\n");
    }

    #[test]
    fn one_statement_per_line() {
        assert_eq!(
            fmt("allow random; deny clocks;\nstdout\n  allow;"),
            "allow random;\ndeny clocks;\nstdout allow;\n"
        );
    }

    #[test]
    fn mount_blocks() {
        assert_eq!(
            fmt("mount \"/\" from \"./dir\" { include \"**/*.txt\"; exclude \"a\",\"b\"; };"),
            "mount \"/\" from \"./dir\" {\n    include \"**/*.txt\";\n    exclude \"a\", \"b\";\n}\n"
        );
        assert_eq!(
            fmt("mount \"/\" from \"d\" {};\nmount \"/\" from \"d\" { } allow x;"),
            "mount \"/\" from \"d\" {}\nmount \"/\" from \"d\" {}\nallow x;\n"
        );
        assert_eq!(
            fmt("mount \"/\" from \"d\" {\n\n  include \"a\";\n\n\n  exclude \"b\";\n\n}\n"),
            "mount \"/\" from \"d\" {\n    include \"a\";\n\n    exclude \"b\";\n}\n"
        );
    }

    #[test]
    fn blank_lines_are_kept_and_collapsed() {
        assert_eq!(
            fmt("\n\n\nallow random;\n\n\n\ndeny clocks;\nstdout allow;\n\n\n"),
            "allow random;\n\ndeny clocks;\nstdout allow;\n"
        );
    }

    #[test]
    fn comments_stay_in_place() {
        assert_eq!(
            fmt("// head\n\n/* block */ allow random; // why\ndeny clocks;/* after */\n"),
            "// head\n\n/* block */ allow random; // why\ndeny clocks;              /* after */\n"
        );
        assert_eq!(
            fmt("allow /* inline */ random;\nenv allow \"A\", // first\n  \"B\";\n"),
            "allow /* inline */ random;\nenv allow \"A\", // first\n    \"B\";\n"
        );
        assert_eq!(
            fmt("mount \"/\" from \"d\" { // the root\n// rules\ninclude \"a\"; // a\n} // end\n"),
            "mount \"/\" from \"d\" { // the root\n    // rules\n    include \"a\"; // a\n}                // end\n"
        );
        assert_eq!(
            fmt("allow a; /* x */ deny b;\n/* multi\n   line */\nallow c;"),
            "allow a; /* x */\ndeny b;\n/* multi\n   line */\nallow c;\n"
        );
        assert_eq!(fmt("// only a comment   "), "// only a comment\n");
    }

    #[test]
    fn trailing_comments_share_a_column() {
        // Already aligned past the code: kept.
        let aligned = "allow random;      // a\nenv PONG = \"demo\"; // b\n";
        assert_eq!(fmt(aligned), aligned);
        // Not aligned: one space after the longest line of the run.
        assert_eq!(
            fmt("allow random; // a\nenv PONG = \"demo\";   // b\n\nallow exit;   // c\n"),
            "allow random;      // a\nenv PONG = \"demo\"; // b\n\nallow exit; // c\n"
        );
    }

    #[test]
    fn line_endings_and_empty_files() {
        assert_eq!(fmt(""), "");
        assert_eq!(fmt("\n\n  \n"), "");
        assert_eq!(
            fmt("allow random;\r\n// c\r\ndeny clocks;\r\n"),
            "allow random;\n// c\ndeny clocks;\n"
        );
        assert_eq!(fmt("\u{feff}allow random;"), "allow random;\n");
    }

    #[test]
    fn strings_are_kept_as_written() {
        assert_eq!(
            fmt("file \"/etc/motd\" = \"hello\\nworld \\u{1F980}\";"),
            "file \"/etc/motd\" = \"hello\\nworld \\u{1F980}\";\n"
        );
    }

    #[test]
    fn syntax_errors_are_refused() {
        let err = format("allow random\ndeny").unwrap_err();
        assert_eq!(err.errors.len(), 2);
        assert!(format("allow ra$dom;").is_err());
        assert!(format("env X = \"unterminated;\n").is_err());
    }

    #[test]
    fn messy_policy() {
        let source = "\
// pong.virt — a messy policy
use   std::sandbox ;use \"./common.virt\";


allow random;allow exit;   // kept
env PONG=\"demo\";        // the value
env allow \"HOME\",\"LANG_*\" ;
/* about mounts */
mount \"/\" from \"./dir\" { include \"**/*.txt\"; exclude \"secret/**\",
   \"*.key\"; };
mount \"/etc\" from \"./etc\" {}
file \"/etc/motd\" = \"hi\";   file \"/etc/hosts\" from \"./hosts\";
preopen \"/data\" from host \"/srv/data\"   readonly;

stdout   ignore;
stdio deny;args \"prog\", \"--flag\";
";
        insta::assert_snapshot!(fmt(source));
    }

    #[test]
    fn comments_everywhere() {
        let source = "\
/* header, a block
   over two lines */
// and a line comment


allow /* inline */ random; // trailing
deny
  // own line, mid-statement
  clocks;
env allow \"A\", // after the first
    \"B\" /* before ; */ ;
mount \"/\" from \"./d\" { // on the brace
    // first rule
    include \"*.txt\";   /* trailing block */

    exclude \"x\"; // short
} /* between } and ; */ ;
stdout ignore; /* a */ /* b */
// the end
";
        insta::assert_snapshot!(fmt(source));
    }

    /// The token stream (without `;` after `}`) and the comments of a source.
    fn skeleton(source: &str) -> (Vec<String>, Vec<String>) {
        let tokens = items(source)
            .iter()
            .filter(|i| matches!(i.kind, Kind::Token(t) if t != Tok::DroppedSemi))
            .map(|i| i.text.to_string())
            .collect();
        let comments = items(source)
            .iter()
            .filter(|i| !matches!(i.kind, Kind::Token(_)))
            .map(|i| i.text.replace("\r\n", "\n"))
            .collect();
        (tokens, comments)
    }

    /// Every `.virt` file of the repository (examples, standard library, test data) that parses:
    /// formatting is idempotent and keeps every token and every comment.
    #[test]
    fn every_virt_file_of_the_repository() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut files = Vec::new();
        let mut dirs = vec![root];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap().flatten() {
                let path = entry.path();
                let name = entry.file_name().to_string_lossy().into_owned();
                if path.is_dir() {
                    if !name.starts_with('.') && name != "target" && name != "node_modules" {
                        dirs.push(path);
                    }
                } else if name.ends_with(".virt") {
                    files.push(path);
                }
            }
        }
        assert!(files.len() >= 4, "{files:?}");
        let mut formatted = 0;
        for path in &files {
            let source = std::fs::read_to_string(path).unwrap();
            let Ok(once) = format(&source) else { continue };
            formatted += 1;
            assert_eq!(format(&once).unwrap(), once, "{}", path.display());
            assert_eq!(skeleton(&source), skeleton(&once), "{}", path.display());
        }
        assert!(formatted >= 4);
        for (name, source) in crate::stdlib::PROFILES {
            let once = format(source).unwrap();
            assert_eq!(&once, source, "the profile std::{name} is not formatted");
        }
    }

    /// Random valid policies with random whitespace and comments: idempotent, nothing lost.
    #[test]
    fn random_layouts() {
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        let statements = [
            &["allow", "random", ";"][..],
            &["deny", "all", ";"],
            &["env", "A", "=", "\"x\"", ";"],
            &["env", "allow", "\"A*\"", ",", "\"B\"", ";"],
            &["use", "std", "::", "cli", ";"],
            &[
                "mount", "\"/\"", "from", "\"d\"", "{", "include", "\"a\"", ",", "\"b\"", ";",
                "exclude", "\"c\"", ";", "}",
            ],
            &["mount", "\"/\"", "from", "\"d\"", "{", "}", ";"],
            &["stdout", "ignore", ";"],
            &["args", "\"a\"", ",", "\"b\"", ";"],
        ];
        let gaps = [
            " ",
            " ",
            " ",
            "",
            "\n",
            "\n\n",
            "\n\n\n",
            " /* c */ ",
            "/* c */",
            " // c\n",
            "\n// c\n",
            "\t",
            "\r\n",
            "\n/* a\n b */\n",
        ];
        for _ in 0..3000 {
            let mut source = String::new();
            for _ in 0..next(6) {
                for word in statements[next(statements.len())] {
                    source.push_str(gaps[next(gaps.len())]);
                    source.push_str(word);
                }
            }
            source.push_str(gaps[next(gaps.len())]);
            let Ok(once) = format(&source) else {
                // Words glued together by an empty gap (`allowrandom`) do not parse.
                continue;
            };
            assert_eq!(format(&once).unwrap(), once, "{source:?}");
            assert_eq!(skeleton(&source), skeleton(&once), "{source:?}");
            assert!(once.is_empty() || once.ends_with('\n') && !once.ends_with("\n\n"));
        }
    }
}
