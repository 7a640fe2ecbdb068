//! `wasi:http`: the adapter owns `wasi:io`, so every HTTP resource the component sees is the
//! adapter's, wrapping the host's, and every stream, pollable and error comes wrapped by
//! [`crate::io`]. With no host HTTP at all (outgoing requests denied, nothing served), the
//! resources a component can build (fields, requests, responses, bodies, options) are the
//! adapter's own, checked as `wasi:http/types` checks them; the others cannot come to exist.

use crate::prelude::*;

mod accept;
mod body;
mod convert;
mod fields;
mod outgoing_handler;
mod request;
mod response;

use crate::Adapter;
use crate::bindings::exports::wasi::http::types::{self as api, ErrorCode};
use crate::bindings::wasi::http::types as host;
use crate::io::error::Error;
use crate::trace::Code;

/// Whether the host's `wasi:http/types` is missing, so every HTTP resource is the adapter's own.
pub fn virtual_mode() -> bool {
    !crate::policy::http().host_types
}

impl api::Guest for Adapter {
    type Fields = fields::Fields;
    type IncomingRequest = request::IncomingRequest;
    type OutgoingRequest = request::OutgoingRequest;
    type RequestOptions = request::RequestOptions;
    type ResponseOutparam = response::ResponseOutparam;
    type IncomingResponse = response::IncomingResponse;
    type IncomingBody = body::IncomingBody;
    type FutureTrailers = body::FutureTrailers;
    type OutgoingResponse = response::OutgoingResponse;
    type OutgoingBody = body::OutgoingBody;
    type FutureIncomingResponse = response::FutureIncomingResponse;

    fn http_error_code(err: api::IoErrorBorrow<'_>) -> Option<ErrorCode> {
        // Only a host error can carry an HTTP error code; the adapter's own never do.
        let code = err
            .get::<Error>()
            .host()
            .and_then(host::http_error_code)
            .map(convert::from_host::error_code);
        trace!(
            "wasi:http/types#http-error-code() -> {}",
            code.as_ref()
                .map_or("none".into(), |c| format!("some({})", c.code()))
        );
        code
    }
}

/// A future's `get` as a trace shows it: `none` (not ready yet), `some(error)` (taken before),
/// `some(ok(ok))` or `some(ok(error(CODE)))`.
fn future_outcome<T>(value: &Option<Result<Result<T, ErrorCode>, ()>>) -> String {
    match value {
        None => "none".into(),
        Some(r) => format!(
            "some({})",
            crate::trace::outcome_with(r, crate::trace::outcome)
        ),
    }
}
