//! `wasi:filesystem`: descriptors over the policy's embedded read-only trees and, when the
//! policy passes the file system through or maps host directories, wrapped host descriptors.

mod convert;
mod embedded;
mod preopens;
mod types;
