//! The command-line tests, one binary: each module runs the real `virtc` on one command or
//! output format. One binary links the test helpers (and wasmtime, through virtc-run) once.

mod cli;
mod common;
mod confine;
mod explain;
mod fmt;
mod init;
mod inspect;
mod lsp;
mod message_format;
mod observe;
mod rendered;
mod serve;
