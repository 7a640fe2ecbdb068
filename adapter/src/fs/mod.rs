//! `wasi:filesystem`: descriptors over the policy's embedded read-only trees and, when the
//! policy passes the file system through, maps host directories or serves host files, wrapped
//! host descriptors.

mod convert;
mod embedded;
mod host_files;
mod preopens;
mod types;
