//! Where the cursor is, in the words of the language: after which words of which statement,
//! typing which word or inside which string. Found by lexing the text before the cursor, so it
//! works on half-typed statements that do not parse.

use virtc_grammar::STATEMENT_KEYWORDS;
use virtc_grammar::lexer::{CommentKind, Token, lex_all};

/// A word or a punctuation mark of the statement before the cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Word {
    /// A keyword or an identifier, as written.
    Name(String),
    /// A complete string literal.
    Str,
    /// `;` `,` `=` `::` `{` `}`, or input that did not lex.
    Punct(&'static str),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    /// The words of the current statement before the word being typed.
    pub before: Vec<Word>,
    /// Inside a mount block.
    pub in_block: bool,
    /// The word being typed: where it starts and what is typed so far.
    pub typed: Option<(usize, String)>,
    /// Inside a string literal: where its contents start and what is typed so far.
    pub string: Option<(usize, String)>,
    /// Inside a comment: nothing to complete.
    pub in_comment: bool,
}

impl Cursor {
    /// Whether the words before the cursor are exactly `words` (strings written as `"`).
    pub fn after(&self, words: &[&str]) -> bool {
        self.before.len() == words.len()
            && self.before.iter().zip(words).all(|(w, p)| match w {
                Word::Name(text) => text == p,
                Word::Str => *p == "\"",
                Word::Punct(text) => text == p,
            })
    }

    /// The first word of the statement.
    pub fn first(&self) -> Option<&str> {
        match self.before.first() {
            Some(Word::Name(w)) => Some(w),
            _ => None,
        }
    }
}

/// The cursor at byte offset `at` of `text`.
pub fn at(text: &str, at: usize) -> Cursor {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let prefix = &text[..at];
    let lexed = lex_all(prefix);
    let tokens = lexed.tokens;
    let mut depth = 0usize;
    let mut statement_start = 0;
    for (i, (start, token, _)) in tokens.iter().enumerate() {
        // A statement keyword first on its line starts a statement even when the one before
        // lacks its `;` (as it does while being typed), unless a word is expected there.
        let line_start = prefix[..*start].rfind('\n').map_or(0, |n| n + 1);
        if i > statement_start
            && prefix[line_start..*start].trim().is_empty()
            && STATEMENT_KEYWORDS.contains(&&prefix[*start..tokens[i].2])
            && !continues(&tokens[i - 1].1, token)
        {
            statement_start = i;
        }
        match token {
            Token::LBrace => {
                depth += 1;
                statement_start = i + 1;
            }
            Token::RBrace | Token::RBraceSemi => {
                depth = depth.saturating_sub(1);
                statement_start = i + 1;
            }
            Token::Semi => statement_start = i + 1,
            _ => {}
        }
    }
    let mut statement = &tokens[statement_start..];
    let mut cursor = Cursor {
        before: Vec::new(),
        in_block: depth > 0,
        typed: None,
        string: None,
        in_comment: false,
    };
    if let Some((start, token, end)) = statement.last() {
        let source = &prefix[*start..*end];
        match token {
            // An unterminated string reaching the cursor: the cursor is inside it.
            Token::Error if source.starts_with('"') && *end == at => {
                cursor.string = Some((start + 1, prefix[start + 1..].to_string()));
                statement = &statement[..statement.len() - 1];
            }
            Token::Error if source.starts_with("/*") => cursor.in_comment = true,
            Token::Ident(_)
            | Token::Allow
            | Token::Deny
            | Token::Env
            | Token::Config
            | Token::Mount
            | Token::File
            | Token::Preopen
            | Token::From
            | Token::Host
            | Token::Readonly
            | Token::Include
            | Token::Exclude
            | Token::Stdin
            | Token::Stdout
            | Token::Stderr
            | Token::Stdio
            | Token::Args
            | Token::Use
            | Token::Clocks
            | Token::Random
                if *end == at =>
            {
                cursor.typed = Some((*start, source.to_string()));
                statement = &statement[..statement.len() - 1];
            }
            _ => {}
        }
    }
    // A line comment running up to the cursor (the prefix ends inside it).
    if lexed.comments.last().is_some_and(|c| {
        matches!(c.kind, CommentKind::Line | CommentKind::Hash) && c.span.end == prefix.len()
    }) {
        cursor.in_comment = true;
    }
    cursor.before = statement
        .iter()
        .map(|(start, token, end)| match token {
            Token::Str(_) => Word::Str,
            Token::Semi => Word::Punct(";"),
            Token::Comma => Word::Punct(","),
            Token::Eq => Word::Punct("="),
            Token::PathSep => Word::Punct("::"),
            Token::LBrace => Word::Punct("{"),
            Token::RBrace | Token::RBraceSemi => Word::Punct("}"),
            Token::Error | Token::BlockComment | Token::HashComment => Word::Punct("?"),
            _ => Word::Name(prefix[*start..*end].to_string()),
        })
        .collect();
    cursor
}

/// Whether keyword `next` after `prev` is a word of the same statement (`allow env`,
/// `stdout allow`, `env allow`).
fn continues(prev: &Token<'_>, next: &Token<'_>) -> bool {
    match prev {
        Token::Allow | Token::Deny => matches!(
            next,
            Token::Env | Token::Config | Token::Stdio | Token::Http
        ),
        Token::Stdin
        | Token::Stdout
        | Token::Stderr
        | Token::Stdio
        | Token::Env
        | Token::Config
        | Token::Http
        | Token::Args => matches!(next, Token::Allow | Token::Deny),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(c: &Cursor) -> Vec<String> {
        c.before
            .iter()
            .map(|w| match w {
                Word::Name(w) => w.clone(),
                Word::Str => "\"".into(),
                Word::Punct(p) => p.to_string(),
            })
            .collect()
    }

    #[test]
    fn statement_words_before_the_cursor() {
        let c = at("allow random;\nallow ", 20);
        assert_eq!(words(&c), ["allow"]);
        assert_eq!(c.typed, None);
        let c = at("allow random;\nallow ra", 22);
        assert_eq!(words(&c), ["allow"]);
        assert_eq!(c.typed, Some((20, "ra".into())));
        let c = at("allow random;\nstd", 17);
        assert!(c.before.is_empty());
        assert_eq!(c.typed, Some((14, "std".into())));
        let c = at("use std::", 9);
        assert_eq!(words(&c), ["use", "std", "::"]);
        let c = at("allow\nstdout ", 13);
        assert_eq!(words(&c), ["stdout"], "a keyword first on its line");
        let c = at("allow\nenv ", 10);
        assert_eq!(words(&c), ["allow", "env"], "`allow env` over two lines");
        let c = at("deny\nhttp ", 10);
        assert_eq!(words(&c), ["deny", "http"], "`deny http` over two lines");
        let c = at("http\nallow \"", 12);
        assert_eq!(words(&c), ["http", "allow"], "`http allow` over two lines");
        let c = at("mount \"/\" from \"./d\" {\n    incl", 31);
        assert!(c.in_block);
        assert!(c.before.is_empty());
    }

    #[test]
    fn inside_strings_and_comments() {
        let c = at("use \"./pol", 10);
        assert_eq!(words(&c), ["use"]);
        assert_eq!(c.string, Some((5, "./pol".into())));
        let text = "env allow \"HOME\", \"LA\";";
        let c = at(text, 20);
        assert_eq!(words(&c), ["env", "allow", "\"", ","]);
        assert_eq!(c.string, Some((19, "L".into())));
        assert!(at("allow random; // all", 20).in_comment);
        assert!(at("/* allow", 8).in_comment);
        assert!(at("allow random; # all", 19).in_comment);
        assert!(at("allow random; /* a */ // b /* c", 31).in_comment);
        assert!(!at("allow random; /* a */ ", 22).in_comment);
        assert!(!at("allow random; // x\nallow ", 25).in_comment);
    }

    #[test]
    fn any_offset_of_any_text() {
        let text = "🦀 allow\u{0}\"x\\q é /* ";
        for i in 0..=text.len() + 2 {
            at(text, i);
        }
    }
}
