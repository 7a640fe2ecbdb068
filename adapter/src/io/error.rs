//! `wasi:io/error`: errors from wrapped host streams, or made up by the adapter.

use crate::Adapter;
use crate::bindings::exports::wasi::io::error as api;
use crate::bindings::wasi::io::error as host;

/// The adapter's `error` resource.
pub enum Error {
    /// An error reported by a host stream.
    Host(host::Error),
    /// An error the adapter reports itself (virtual streams).
    #[allow(
        dead_code,
        reason = "no virtual stream fails yet: closed, discarding and in-memory streams only end"
    )]
    Message(String),
}

impl Error {
    /// The host error this wraps; `None` for errors the adapter made.
    pub fn host(&self) -> Option<&host::Error> {
        match self {
            Error::Host(err) => Some(err),
            Error::Message(_) => None,
        }
    }
}

/// Wraps a host error into the adapter's resource.
pub fn from_host(err: host::Error) -> api::Error {
    api::Error::new(Error::Host(err))
}

impl api::Guest for Adapter {
    type Error = Error;
}

impl api::GuestError for Error {
    fn to_debug_string(&self) -> String {
        let text = match self {
            Error::Host(err) => err.to_debug_string(),
            Error::Message(msg) => msg.clone(),
        };
        trace!("wasi:io/error#to-debug-string() -> {text:?}");
        text
    }
}
