//! `wasi:cli`: environment, exit, the standard streams and their terminals.

mod environment;
mod exit;
mod stdio;
mod terminal;
