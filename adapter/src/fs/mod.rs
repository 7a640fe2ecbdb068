//! `wasi:filesystem`: descriptors that wrap the host's when the policy passes the file system
//! through; with `fs = deny` the component gets no preopens, so no descriptor can exist.

mod convert;
mod preopens;
mod types;
