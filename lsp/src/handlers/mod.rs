//! The request and notification handlers, one module each.

pub mod code_action;
pub mod completion;
pub mod definition;
pub mod diagnostics;
pub mod document_symbol;
pub mod formatting;
pub mod hover;
pub mod semantic_tokens;
pub mod watched_files;
