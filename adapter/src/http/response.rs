//! Responses: `response-outparam` and `outgoing-response` (how a served component answers),
//! `future-incoming-response` and `incoming-response` (what `outgoing-handler` brings back), each
//! around the host's.

use crate::prelude::*;

use super::body::{IncomingBody, OutgoingBody};
use super::convert::{from_host, to_host};
use core::cell::Cell;

use super::fields::{Fields, VirtualFields};
use crate::bindings::exports::wasi::http::types::{self as api, ErrorCode, StatusCode};
use crate::bindings::wasi::http::types as host;
use crate::io::poll;
use virtc_policy::http::syntax;

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
        trace!(
            "wasi:http/types#response-outparam.set({})",
            crate::trace::outcome_with(&response, |r| r.get::<OutgoingResponse>().status())
        );
        host::ResponseOutparam::set(
            param.into_inner::<ResponseOutparam>().host,
            response
                .map(|r| match r.into_inner::<OutgoingResponse>() {
                    OutgoingResponse::Host(h) => h,
                    OutgoingResponse::Virtual(_) => crate::trap(),
                })
                .map_err(to_host::error_code),
        );
    }
}

/// The adapter's `outgoing-response` resource.
pub enum OutgoingResponse {
    Host(host::OutgoingResponse),
    /// A response the adapter keeps (with no host HTTP nothing can receive it).
    Virtual(VirtualResponse),
}

pub struct VirtualResponse {
    status: Cell<StatusCode>,
    headers: Vec<(String, Vec<u8>)>,
    body_taken: Cell<bool>,
}

impl OutgoingResponse {
    /// `status-code`, untraced.
    fn status(&self) -> StatusCode {
        match self {
            OutgoingResponse::Host(h) => h.status_code(),
            OutgoingResponse::Virtual(v) => v.status.get(),
        }
    }
}

impl api::GuestOutgoingResponse for OutgoingResponse {
    fn new(headers: api::Headers) -> Self {
        trace!("wasi:http/types#outgoing-response.new()");
        if super::virtual_mode() {
            OutgoingResponse::Virtual(VirtualResponse {
                status: Cell::new(200),
                headers: Fields::into_entries(headers),
                body_taken: Cell::new(false),
            })
        } else {
            OutgoingResponse::Host(host::OutgoingResponse::new(Fields::into_host(headers)))
        }
    }

    fn status_code(&self) -> StatusCode {
        let status = self.status();
        trace!("wasi:http/types#outgoing-response.status-code() -> {status}");
        status
    }

    fn set_status_code(&self, status_code: StatusCode) -> Result<(), ()> {
        let result = match self {
            OutgoingResponse::Host(h) => h.set_status_code(status_code),
            OutgoingResponse::Virtual(v) => {
                if syntax::is_status(status_code) {
                    v.status.set(status_code);
                    Ok(())
                } else {
                    Err(())
                }
            }
        };
        trace!(
            "wasi:http/types#outgoing-response.set-status-code({status_code}) -> {}",
            crate::trace::outcome(&result)
        );
        result
    }

    fn headers(&self) -> api::Headers {
        trace!("wasi:http/types#outgoing-response.headers()");
        match self {
            OutgoingResponse::Host(h) => Fields::wrap(h.headers()),
            OutgoingResponse::Virtual(v) => VirtualFields::frozen(v.headers.clone()),
        }
    }

    fn body(&self) -> Result<api::OutgoingBody, ()> {
        let result = match self {
            OutgoingResponse::Host(h) => h.body().map(OutgoingBody::wrap),
            OutgoingResponse::Virtual(v) => {
                if v.body_taken.replace(true) {
                    Err(())
                } else {
                    Ok(OutgoingBody::virtual_body())
                }
            }
        };
        trace!(
            "wasi:http/types#outgoing-response.body() -> {}",
            crate::trace::outcome(&result)
        );
        result
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
        trace!("wasi:http/types#future-incoming-response.subscribe()");
        poll::from_host(self.host.subscribe())
    }

    fn get(&self) -> Option<Result<Result<api::IncomingResponse, ErrorCode>, ()>> {
        let response = self.host.get().map(|r| {
            r.map(|r| {
                r.map(|host| api::IncomingResponse::new(IncomingResponse { host }))
                    .map_err(from_host::error_code)
            })
        });
        trace!(
            "wasi:http/types#future-incoming-response.get() -> {}",
            super::future_outcome(&response)
        );
        response
    }
}

/// The adapter's `incoming-response` resource.
pub struct IncomingResponse {
    host: host::IncomingResponse,
}

impl api::GuestIncomingResponse for IncomingResponse {
    fn status(&self) -> StatusCode {
        let status = self.host.status();
        trace!("wasi:http/types#incoming-response.status() -> {status}");
        status
    }

    fn headers(&self) -> api::Headers {
        trace!("wasi:http/types#incoming-response.headers()");
        Fields::wrap(self.host.headers())
    }

    fn consume(&self) -> Result<api::IncomingBody, ()> {
        let result = self.host.consume().map(IncomingBody::wrap);
        trace!(
            "wasi:http/types#incoming-response.consume() -> {}",
            crate::trace::outcome(&result)
        );
        result
    }
}
