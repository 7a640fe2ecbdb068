//! Bodies: `incoming-body` with its `future-trailers`, and `outgoing-body`, each around the
//! host's. Their streams are the host's body streams wrapped by [`crate::io::streams`], so the
//! component streams a body through the adapter without it ever being held whole; dropping the
//! adapter's stream drops the host's, as `finish` requires.

use core::cell::Cell;

use super::convert::from_host;
use super::fields::Fields;
use crate::bindings::exports::wasi::http::types::{self as api, ErrorCode};
use crate::bindings::wasi::http::types as host;
use crate::io::{poll, streams};

/// The adapter's `incoming-body` resource.
pub struct IncomingBody {
    host: host::IncomingBody,
}

impl IncomingBody {
    /// Wraps the host body of a request or response.
    pub fn wrap(host: host::IncomingBody) -> api::IncomingBody {
        api::IncomingBody::new(IncomingBody { host })
    }
}

impl api::GuestIncomingBody for IncomingBody {
    fn stream(&self) -> Result<api::InputStream, ()> {
        let result = self.host.stream().map(streams::input_from_host);
        trace!(
            "wasi:http/types#incoming-body.stream() -> {}",
            crate::trace::outcome(&result)
        );
        result
    }

    fn finish(this: api::IncomingBody) -> api::FutureTrailers {
        trace!("wasi:http/types#incoming-body.finish()");
        let host = host::IncomingBody::finish(this.into_inner::<IncomingBody>().host);
        api::FutureTrailers::new(FutureTrailers { host })
    }
}

/// The adapter's `future-trailers` resource.
pub struct FutureTrailers {
    host: host::FutureTrailers,
}

impl api::GuestFutureTrailers for FutureTrailers {
    fn subscribe(&self) -> api::Pollable {
        trace!("wasi:http/types#future-trailers.subscribe()");
        poll::from_host(self.host.subscribe())
    }

    fn get(&self) -> Option<Result<Result<Option<api::Trailers>, ErrorCode>, ()>> {
        let trailers = self.host.get().map(|r| {
            r.map(|r| {
                r.map(|trailers| trailers.map(Fields::wrap))
                    .map_err(from_host::error_code)
            })
        });
        trace!(
            "wasi:http/types#future-trailers.get() -> {}",
            super::future_outcome(&trailers)
        );
        trailers
    }
}

/// The adapter's `outgoing-body` resource.
pub enum OutgoingBody {
    Host(host::OutgoingBody),
    /// The body of a request or response the adapter keeps, which can never be sent: its
    /// stream accepts and drops what is written (once taken, `write` fails, as WASI says).
    Virtual {
        stream_taken: Cell<bool>,
    },
}

impl OutgoingBody {
    /// Wraps the host body of a request or response.
    pub fn wrap(host: host::OutgoingBody) -> api::OutgoingBody {
        api::OutgoingBody::new(OutgoingBody::Host(host))
    }

    /// A body of the adapter's own.
    pub fn virtual_body() -> api::OutgoingBody {
        api::OutgoingBody::new(OutgoingBody::Virtual {
            stream_taken: Cell::new(false),
        })
    }
}

impl api::GuestOutgoingBody for OutgoingBody {
    fn write(&self) -> Result<api::OutputStream, ()> {
        let result = match self {
            OutgoingBody::Host(h) => h.write().map(streams::output_from_host),
            OutgoingBody::Virtual { stream_taken } => {
                if stream_taken.replace(true) {
                    Err(())
                } else {
                    Ok(api::OutputStream::new(streams::OutputStream::Discard))
                }
            }
        };
        trace!(
            "wasi:http/types#outgoing-body.write() -> {}",
            crate::trace::outcome(&result)
        );
        result
    }

    fn finish(this: api::OutgoingBody, trailers: Option<api::Trailers>) -> Result<(), ErrorCode> {
        let result = match this.into_inner::<OutgoingBody>() {
            OutgoingBody::Host(h) => host::OutgoingBody::finish(h, trailers.map(Fields::into_host))
                .map_err(from_host::error_code),
            OutgoingBody::Virtual { .. } => Ok(()),
        };
        trace!(
            "wasi:http/types#outgoing-body.finish() -> {}",
            crate::trace::outcome(&result)
        );
        result
    }
}
