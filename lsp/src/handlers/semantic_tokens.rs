//! Semantic tokens: keywords, strings, comments, and the words the grammar leaves open coloured
//! by their role (subsystems and stream modes, variable names, profile paths), so that
//! `allow env;` colours `env` as a subsystem and not as the keyword.

use std::collections::HashMap;

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;
use virtc::analyse::syntax::parse_file;
use virtc::db::{Db, SourceFile, line_starts};
use virtc_grammar::lexer::{Token, lex_all};
use virtc_grammar::{ArgsMode, EnvName, StmtKind};

use crate::documents;
use crate::server::{Server, TOKEN_TYPES};

pub async fn full(
    server: &Server,
    params: SemanticTokensParams,
) -> Result<Option<SemanticTokensResult>> {
    let Some((seq, doc)) = server.state.document(&params.text_document.uri) else {
        return Ok(None);
    };
    let found = server
        .state
        .analysis
        .query(seq, move |db| {
            let file = db.load(&doc.path).ok()?;
            Some(SemanticTokensResult::Tokens(SemanticTokens {
                result_id: None,
                data: tokens(db, file),
            }))
        })
        .await?;
    Ok(found)
}

fn kind(token_type: SemanticTokenType) -> u32 {
    TOKEN_TYPES
        .iter()
        .position(|t| *t == token_type)
        .unwrap_or(0) as u32
}

/// The tokens of `file`, encoded as LSP wants them (relative positions, one line each).
pub fn tokens(db: &dyn Db, file: SourceFile) -> Vec<SemanticToken> {
    let text = file.text(db);
    let starts = line_starts(db, file);
    // Roles of words, from the syntax tree.
    let mut roles: HashMap<usize, SemanticTokenType> = HashMap::new();
    for stmt in &parse_file(db, file).file.stmts {
        match &stmt.kind {
            StmtKind::Allow(w) | StmtKind::Deny(w) => {
                roles.insert(w.span.start, SemanticTokenType::ENUM_MEMBER);
            }
            StmtKind::Stdio { mode, .. } | StmtKind::Net { verb: mode, .. } => {
                roles.insert(mode.span.start, SemanticTokenType::ENUM_MEMBER);
            }
            StmtKind::Args(ArgsMode::Word(w)) => {
                roles.insert(w.span.start, SemanticTokenType::ENUM_MEMBER);
            }
            StmtKind::EnvSet {
                name: EnvName::Ident(name),
                ..
            } => {
                roles.insert(name.span.start, SemanticTokenType::VARIABLE);
            }
            StmtKind::UseProfile { path, .. } => {
                for ident in path {
                    roles.insert(ident.span.start, SemanticTokenType::NAMESPACE);
                }
            }
            _ => {}
        }
    }
    let mut spans: Vec<(usize, usize, SemanticTokenType)> = Vec::new();
    let lexed = lex_all(text);
    for comment in &lexed.comments {
        spans.push((
            comment.span.start,
            comment.span.end,
            SemanticTokenType::COMMENT,
        ));
    }
    for (start, token, end) in lexed.tokens {
        let source = &text[start..end];
        let token_type = match token {
            _ if roles.contains_key(&start) => roles[&start].clone(),
            Token::Str(_) => SemanticTokenType::STRING,
            Token::Number(_) => SemanticTokenType::NUMBER,
            Token::Eq | Token::PathSep => SemanticTokenType::OPERATOR,
            Token::Error if source.starts_with('"') => SemanticTokenType::STRING,
            Token::Error if source.starts_with("/*") => SemanticTokenType::COMMENT,
            Token::Ident(_)
            | Token::Error
            | Token::Semi
            | Token::Comma
            | Token::LBrace
            | Token::RBrace
            | Token::RBraceSemi
            | Token::BlockComment
            | Token::HashComment => continue,
            _ => SemanticTokenType::KEYWORD,
        };
        spans.push((start, end, token_type));
    }
    spans.sort_by_key(|s| s.0);
    // One token per line, in UTF-16 units, relative to the previous one.
    let mut out = Vec::new();
    let (mut last_line, mut last_col) = (0, 0);
    for (start, end, token_type) in spans {
        let mut from = start;
        while from < end {
            let line_end = text[from..end].find('\n').map_or(end, |i| from + i);
            let piece_end = text[from..line_end]
                .strip_suffix('\r')
                .map_or(line_end, |p| from + p.len());
            if piece_end > from {
                let pos = documents::position(text, starts, from);
                let length: usize = text[from..piece_end].chars().map(char::len_utf16).sum();
                let delta_line = pos.line - last_line;
                let delta_start = if delta_line == 0 {
                    pos.character - last_col
                } else {
                    pos.character
                };
                out.push(SemanticToken {
                    delta_line,
                    delta_start,
                    length: length as u32,
                    token_type: kind(token_type.clone()),
                    token_modifiers_bitset: 0,
                });
                last_line = pos.line;
                last_col = pos.character;
            }
            from = line_end + 1;
        }
    }
    out
}
