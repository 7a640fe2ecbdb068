//! `virtc:adapter/http-accept`: the host's request waiting in the mailbox (put there by the
//! server instance), wrapped into this instance's resources for the component's handler.

use super::request::IncomingRequest;
use super::response::ResponseOutparam;
use crate::Adapter;
use crate::bindings::exports::virtc::adapter::http_accept as api;
use crate::bindings::virtc::adapter::http_mailbox;

impl api::Guest for Adapter {
    fn accept() -> (api::IncomingRequest, api::ResponseOutparam) {
        let (request, response_out) = http_mailbox::take();
        (
            IncomingRequest::wrap(request),
            ResponseOutparam::wrap(response_out),
        )
    }
}
