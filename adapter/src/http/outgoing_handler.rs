//! `wasi:http/outgoing-handler`: the component's request, unwrapped and sent by the host; the
//! host's answer wrapped back.

use super::convert::from_host;
use super::request::{OutgoingRequest, RequestOptions};
use super::response::FutureIncomingResponse;
use crate::Adapter;
use crate::bindings::exports::wasi::http::outgoing_handler::{
    self as api, ErrorCode, FutureIncomingResponse as ApiFuture,
};
use crate::bindings::wasi::http::outgoing_handler as host;

impl api::Guest for Adapter {
    fn handle(
        request: api::OutgoingRequest,
        options: Option<api::RequestOptions>,
    ) -> Result<ApiFuture, ErrorCode> {
        host::handle(
            OutgoingRequest::into_host(request),
            options.map(RequestOptions::into_host),
        )
        .map(FutureIncomingResponse::wrap)
        .map_err(from_host::error_code)
    }
}
