//! `wasi:filesystem`: descriptors over the policy's embedded read-only trees, its writable trees
//! in memory and, when the policy passes the file system through, maps host directories or
//! serves host files, wrapped host descriptors.

mod convert;
mod embedded;
mod host_files;
pub mod memory;
mod preopens;
mod types;
