//! Responses: `response-outparam` and `outgoing-response` (how a served component answers),
//! `future-incoming-response` and `incoming-response` (what `outgoing-handler` brings back), each
//! around the host's.

use super::body::{IncomingBody, OutgoingBody};
use super::convert::{from_host, to_host};
use super::fields::Fields;
use crate::bindings::exports::wasi::http::types::{self as api, ErrorCode, StatusCode};
use crate::bindings::wasi::http::types as host;
use crate::io::poll;

/// The adapter's `response-outparam` resource.
pub struct ResponseOutparam {
    host: host::ResponseOutparam,
}

impl ResponseOutparam {
    /// Wraps the host's outparam of a served request.
    pub fn wrap(host: host::ResponseOutparam) -> api::ResponseOutparam {
        api::ResponseOutparam::new(ResponseOutparam { host })
    }
}

impl api::GuestResponseOutparam for ResponseOutparam {
    fn set(param: api::ResponseOutparam, response: Result<api::OutgoingResponse, ErrorCode>) {
        host::ResponseOutparam::set(
            param.into_inner::<ResponseOutparam>().host,
            response
                .map(|r| r.into_inner::<OutgoingResponse>().host)
                .map_err(to_host::error_code),
        );
    }
}

/// The adapter's `outgoing-response` resource.
pub struct OutgoingResponse {
    host: host::OutgoingResponse,
}

impl api::GuestOutgoingResponse for OutgoingResponse {
    fn new(headers: api::Headers) -> Self {
        OutgoingResponse {
            host: host::OutgoingResponse::new(Fields::into_host(headers)),
        }
    }

    fn status_code(&self) -> StatusCode {
        self.host.status_code()
    }

    fn set_status_code(&self, status_code: StatusCode) -> Result<(), ()> {
        self.host.set_status_code(status_code)
    }

    fn headers(&self) -> api::Headers {
        Fields::wrap(self.host.headers())
    }

    fn body(&self) -> Result<api::OutgoingBody, ()> {
        self.host.body().map(OutgoingBody::wrap)
    }
}

/// The adapter's `future-incoming-response` resource.
pub struct FutureIncomingResponse {
    host: host::FutureIncomingResponse,
}

impl FutureIncomingResponse {
    /// Wraps the host's future of a sent request.
    pub fn wrap(host: host::FutureIncomingResponse) -> api::FutureIncomingResponse {
        api::FutureIncomingResponse::new(FutureIncomingResponse { host })
    }
}

impl api::GuestFutureIncomingResponse for FutureIncomingResponse {
    fn subscribe(&self) -> api::Pollable {
        poll::from_host(self.host.subscribe())
    }

    fn get(&self) -> Option<Result<Result<api::IncomingResponse, ErrorCode>, ()>> {
        self.host.get().map(|r| {
            r.map(|r| {
                r.map(|host| api::IncomingResponse::new(IncomingResponse { host }))
                    .map_err(from_host::error_code)
            })
        })
    }
}

/// The adapter's `incoming-response` resource.
pub struct IncomingResponse {
    host: host::IncomingResponse,
}

impl api::GuestIncomingResponse for IncomingResponse {
    fn status(&self) -> StatusCode {
        self.host.status()
    }

    fn headers(&self) -> api::Headers {
        Fields::wrap(self.host.headers())
    }

    fn consume(&self) -> Result<api::IncomingBody, ()> {
        self.host.consume().map(IncomingBody::wrap)
    }
}
