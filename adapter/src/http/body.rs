//! Bodies: `incoming-body` with its `future-trailers`, and `outgoing-body`, each around the
//! host's. Their streams are the host's body streams wrapped by [`crate::io::streams`], so the
//! component streams a body through the adapter without it ever being held whole; dropping the
//! adapter's stream drops the host's, as `finish` requires.

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
        self.host.stream().map(streams::input_from_host)
    }

    fn finish(this: api::IncomingBody) -> api::FutureTrailers {
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
        poll::from_host(self.host.subscribe())
    }

    fn get(&self) -> Option<Result<Result<Option<api::Trailers>, ErrorCode>, ()>> {
        self.host.get().map(|r| {
            r.map(|r| {
                r.map(|trailers| trailers.map(Fields::wrap))
                    .map_err(from_host::error_code)
            })
        })
    }
}

/// The adapter's `outgoing-body` resource.
pub struct OutgoingBody {
    host: host::OutgoingBody,
}

impl OutgoingBody {
    /// Wraps the host body of a request or response.
    pub fn wrap(host: host::OutgoingBody) -> api::OutgoingBody {
        api::OutgoingBody::new(OutgoingBody { host })
    }
}

impl api::GuestOutgoingBody for OutgoingBody {
    fn write(&self) -> Result<api::OutputStream, ()> {
        self.host.write().map(streams::output_from_host)
    }

    fn finish(this: api::OutgoingBody, trailers: Option<api::Trailers>) -> Result<(), ErrorCode> {
        host::OutgoingBody::finish(
            this.into_inner::<OutgoingBody>().host,
            trailers.map(Fields::into_host),
        )
        .map_err(from_host::error_code)
    }
}
