//! The host's second check of outgoing HTTP under URL rules: wasmtime-wasi-http calls
//! `send_request` for every request the component sends, and a request the rules refuse is
//! answered `HTTP-request-denied` without a connection. The adapter inside the component has
//! already checked the same rules; this holds even for a component built without it.

use std::sync::Arc;

use virtc_policy::http::{Decision, HttpRules, Request, Scheme};
use virtc_policy::{HttpAccess, HttpPolicy};
use wasmtime_wasi_http::{Error, RequestOptions, Result, WasiBody, WasiHttpHooks};

/// The hooks of `virtc run`: wasmtime's defaults, with the rules checked before sending.
pub struct RuleHooks {
    rules: Option<Arc<HttpRules>>,
    /// `deny http;` (the default): no outgoing-handler is linked then, so this only matters if
    /// one ever is.
    deny_all: bool,
}

impl RuleHooks {
    /// Hooks enforcing `http`'s rules (none when it passes the host through, every request
    /// refused when it denies all).
    pub fn new(http: &HttpPolicy) -> RuleHooks {
        RuleHooks {
            rules: (http.access == HttpAccess::Rules).then(|| Arc::new(http.rules.clone())),
            deny_all: http.access == HttpAccess::Deny,
        }
    }

    /// Whether `request` may be sent.
    pub fn allows(&self, request: &http::Request<WasiBody>) -> bool {
        if self.deny_all {
            return false;
        }
        let Some(rules) = &self.rules else {
            return true;
        };
        let uri = request.uri();
        let scheme = uri.scheme_str().map(|s| match s {
            "http" => Scheme::Http,
            "https" => Scheme::Https,
            other => Scheme::Other(other),
        });
        let decision = rules.decide(&Request {
            method: request.method().as_str(),
            scheme,
            authority: uri.authority().map(|a| a.as_str()),
            path_with_query: uri.path_and_query().map(|p| p.as_str()),
        });
        decision == Decision::Allow
    }
}

type Sent = Box<
    dyn Future<
            Output = Result<(
                http::Response<WasiBody>,
                Box<dyn Future<Output = Result<(), Error>> + Send>,
            )>,
        > + Send,
>;

impl WasiHttpHooks for RuleHooks {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        _fut: Box<dyn Future<Output = Result<(), Error>> + Send>,
    ) -> Sent {
        if !self.allows(&request) {
            return Box::new(async { Err(Error::HttpRequestDenied) });
        }
        Box::new(async move {
            use http_body_util::BodyExt;
            let (response, io) = wasmtime_wasi_http::default_send_request(request, options).await?;
            Ok((
                response.map(BodyExt::boxed_unsync),
                Box::new(io) as Box<dyn Future<Output = _> + Send>,
            ))
        })
    }
}
