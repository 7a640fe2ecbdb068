//! `wasi:io/error`: errors from wrapped host streams, or made up by the adapter.

use crate::prelude::*;

use crate::Adapter;
use crate::bindings::exports::wasi::filesystem::types::ErrorCode;
use crate::bindings::exports::wasi::io::error as api;
use crate::bindings::wasi::io::error as host;

/// The adapter's `error` resource.
pub enum Error {
    /// An error reported by a host stream.
    Host(host::Error),
    /// An error the adapter reports itself (virtual streams).
    #[allow(
        dead_code,
        reason = "no virtual stream fails with a message yet: in-memory files fail with `Fs`"
    )]
    Message(String),
    /// A stream of an in-memory file failed (`crate::fs::memory`): `filesystem-error-code`
    /// reports the code.
    Fs(ErrorCode),
}

impl Error {
    /// The host error this wraps; `None` for errors the adapter made.
    pub fn host(&self) -> Option<&host::Error> {
        match self {
            Error::Host(err) => Some(err),
            Error::Message(_) | Error::Fs(_) => None,
        }
    }
}

/// Wraps a host error into the adapter's resource.
pub fn from_host(err: host::Error) -> api::Error {
    api::Error::new(Error::Host(err))
}

/// What an in-memory file's stream error reads as: the text wasmtime shows for the same error of
/// a host file (Rust's `io::Error` of the errno).
fn describe(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::InsufficientSpace => "No space left on device (os error 28)",
        ErrorCode::BadDescriptor => "Bad file descriptor (os error 9)",
        ErrorCode::FileTooLarge => "File too large (os error 27)",
        ErrorCode::Invalid => "Invalid argument (os error 22)",
        _ => "I/O error (os error 5)",
    }
}

impl api::Guest for Adapter {
    type Error = Error;
}

impl api::GuestError for Error {
    fn to_debug_string(&self) -> String {
        let text = match self {
            Error::Host(err) => err.to_debug_string(),
            Error::Message(msg) => msg.clone(),
            Error::Fs(code) => describe(*code).into(),
        };
        trace!("wasi:io/error#to-debug-string() -> {text:?}");
        text
    }
}
