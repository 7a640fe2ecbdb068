//! The end-to-end tests, one binary: each module is one capability or toolchain. One binary
//! links wasmtime once (a test binary that links it weighs hundreds of megabytes, and sixteen of
//! them filled a CI machine's disk).

mod adversarial;
mod clocks;
mod config;
mod embedded_diff;
mod environment;
mod files;
mod http_rules;
mod imports;
mod inputs;
mod javascript;
mod network;
mod pong;
mod python;
mod sandbox;
mod sockets;
mod stdio;
mod tmpfs;
mod trace;
mod traps;
mod versions;
