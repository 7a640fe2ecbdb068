//! `wasi:io`: the adapter owns every stream, pollable and error the component sees, so that
//! virtual ones (closed, discarding, in-memory) and wrapped host ones mix freely.

pub mod error;
pub mod poll;
pub mod streams;
