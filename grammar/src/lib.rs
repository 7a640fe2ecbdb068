//! The front end of virtc: lexes and parses `.virt` policy files into a syntax tree with spans,
//! recovering from errors so that one parse reports every syntax error in a file.

pub mod ast;
pub mod chunks;
pub mod lexer;
mod parse;

lalrpop_util::lalrpop_mod!(
    #[allow(clippy::all, clippy::pedantic, unused_qualifications, unreachable_pub)]
    grammar
);

pub use ast::*;
pub use parse::{
    Chunk, KEYWORDS, Parsed, STATEMENT_KEYWORDS, SyntaxError, SyntaxErrorKind, parse, parse_chunk,
};
