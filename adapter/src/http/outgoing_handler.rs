//! `wasi:http/outgoing-handler`: the component's request, checked against the policy's URL
//! rules, then unwrapped and sent by the host; the host's answer wrapped back. A request the
//! rules refuse, or any request when the policy allows none, is answered `HTTP-request-denied`
//! at once and never reaches the host.

use super::convert::{from_host, method_name};
use super::request::{OutgoingRequest, RequestOptions};
use super::response::FutureIncomingResponse;
use crate::Adapter;
use crate::bindings::exports::wasi::http::outgoing_handler::{
    self as api, ErrorCode, FutureIncomingResponse as ApiFuture,
};
use crate::bindings::wasi::http::outgoing_handler as host;
use crate::bindings::wasi::http::types as host_types;
use crate::policy::HttpAccess;
use virtc_policy::http::{Decision, Reason, Request, Scheme};

impl api::Guest for Adapter {
    fn handle(
        request: api::OutgoingRequest,
        options: Option<api::RequestOptions>,
    ) -> Result<ApiFuture, ErrorCode> {
        let target = request.get::<OutgoingRequest>().target();
        let result = send(request, options);
        trace!(
            "wasi:http/outgoing-handler#handle({target}) -> {}",
            crate::trace::outcome(&result)
        );
        result
    }
}

/// `handle`, untraced.
fn send(
    request: api::OutgoingRequest,
    options: Option<api::RequestOptions>,
) -> Result<ApiFuture, ErrorCode> {
    let http = crate::policy::http();
    // A request without an authority is invalid whatever the policy (wasmtime answers
    // the same for a request it would send).
    if !request.get::<OutgoingRequest>().has_authority() {
        return Err(ErrorCode::HttpRequestUriInvalid);
    }
    match http.access {
        // Nothing is sent; the request (the host's or the adapter's own) is dropped.
        HttpAccess::Deny => return Err(ErrorCode::HttpRequestDenied),
        HttpAccess::Rules => match request.get::<OutgoingRequest>().host() {
            Some(host_request) => check(&http.rules, host_request)?,
            None => crate::trap(),
        },
        HttpAccess::Host => {}
    }
    host::handle(
        OutgoingRequest::into_host(request),
        options.map(RequestOptions::into_host),
    )
    .map(FutureIncomingResponse::wrap)
    .map_err(from_host::error_code)
}

/// Whether the rules allow `request`, as the component set it: `HTTP-request-URI-invalid` when
/// it has no authority (before any rule), `HTTP-request-denied` when no `allow` rule matches or
/// a `deny` rule does.
fn check(
    rules: &virtc_policy::http::HttpRules,
    request: &host_types::OutgoingRequest,
) -> Result<(), ErrorCode> {
    let method = request.method();
    let method = method_name(&method);
    let scheme = request.scheme();
    let scheme = scheme.as_ref().map(|s| match s {
        host_types::Scheme::Http => Scheme::Http,
        host_types::Scheme::Https => Scheme::Https,
        host_types::Scheme::Other(other) => Scheme::Other(other),
    });
    let authority = request.authority();
    let path = request.path_with_query();
    let decision = rules.decide(&Request {
        method,
        scheme,
        authority: authority.as_deref(),
        path_with_query: path.as_deref(),
    });
    match decision {
        Decision::Allow => Ok(()),
        Decision::Deny(Reason::NoAuthority) => Err(ErrorCode::HttpRequestUriInvalid),
        Decision::Deny(_) => Err(ErrorCode::HttpRequestDenied),
    }
}
