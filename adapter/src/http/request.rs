//! Requests: `incoming-request` (what a served component receives), `outgoing-request` and
//! `request-options` (what it sends through `outgoing-handler`), each around the host's.

use super::body::{IncomingBody, OutgoingBody};
use super::convert::{from_host, to_host};
use super::fields::Fields;
use crate::bindings::exports::wasi::http::types::{self as api, Duration, Method, Scheme};
use crate::bindings::wasi::http::types as host;

/// The adapter's `incoming-request` resource.
pub struct IncomingRequest {
    host: host::IncomingRequest,
}

impl IncomingRequest {
    /// Wraps a host request.
    pub fn wrap(host: host::IncomingRequest) -> api::IncomingRequest {
        api::IncomingRequest::new(IncomingRequest { host })
    }
}

impl api::GuestIncomingRequest for IncomingRequest {
    fn method(&self) -> Method {
        from_host::method(self.host.method())
    }

    fn path_with_query(&self) -> Option<String> {
        self.host.path_with_query()
    }

    fn scheme(&self) -> Option<Scheme> {
        self.host.scheme().map(from_host::scheme)
    }

    fn authority(&self) -> Option<String> {
        self.host.authority()
    }

    fn headers(&self) -> api::Headers {
        Fields::wrap(self.host.headers())
    }

    fn consume(&self) -> Result<api::IncomingBody, ()> {
        self.host.consume().map(IncomingBody::wrap)
    }
}

/// The adapter's `outgoing-request` resource.
pub struct OutgoingRequest {
    host: host::OutgoingRequest,
}

impl OutgoingRequest {
    /// The host request, to read what the component set.
    pub fn host(&self) -> &host::OutgoingRequest {
        &self.host
    }

    /// The host request of an owned resource, for sending it.
    pub fn into_host(request: api::OutgoingRequest) -> host::OutgoingRequest {
        request.into_inner::<OutgoingRequest>().host
    }
}

impl api::GuestOutgoingRequest for OutgoingRequest {
    fn new(headers: api::Headers) -> Self {
        OutgoingRequest {
            host: host::OutgoingRequest::new(Fields::into_host(headers)),
        }
    }

    fn body(&self) -> Result<api::OutgoingBody, ()> {
        self.host.body().map(OutgoingBody::wrap)
    }

    fn method(&self) -> Method {
        from_host::method(self.host.method())
    }

    fn set_method(&self, method: Method) -> Result<(), ()> {
        self.host.set_method(&to_host::method(method))
    }

    fn path_with_query(&self) -> Option<String> {
        self.host.path_with_query()
    }

    fn set_path_with_query(&self, path_with_query: Option<String>) -> Result<(), ()> {
        self.host.set_path_with_query(path_with_query.as_deref())
    }

    fn scheme(&self) -> Option<Scheme> {
        self.host.scheme().map(from_host::scheme)
    }

    fn set_scheme(&self, scheme: Option<Scheme>) -> Result<(), ()> {
        self.host.set_scheme(scheme.map(to_host::scheme).as_ref())
    }

    fn authority(&self) -> Option<String> {
        self.host.authority()
    }

    fn set_authority(&self, authority: Option<String>) -> Result<(), ()> {
        self.host.set_authority(authority.as_deref())
    }

    fn headers(&self) -> api::Headers {
        Fields::wrap(self.host.headers())
    }
}

/// The adapter's `request-options` resource.
pub struct RequestOptions {
    host: host::RequestOptions,
}

impl RequestOptions {
    /// The host options of an owned resource, for sending a request with them.
    pub fn into_host(options: api::RequestOptions) -> host::RequestOptions {
        options.into_inner::<RequestOptions>().host
    }
}

impl api::GuestRequestOptions for RequestOptions {
    fn new() -> Self {
        RequestOptions {
            host: host::RequestOptions::new(),
        }
    }

    fn connect_timeout(&self) -> Option<Duration> {
        self.host.connect_timeout()
    }

    fn set_connect_timeout(&self, duration: Option<Duration>) -> Result<(), ()> {
        self.host.set_connect_timeout(duration)
    }

    fn first_byte_timeout(&self) -> Option<Duration> {
        self.host.first_byte_timeout()
    }

    fn set_first_byte_timeout(&self, duration: Option<Duration>) -> Result<(), ()> {
        self.host.set_first_byte_timeout(duration)
    }

    fn between_bytes_timeout(&self) -> Option<Duration> {
        self.host.between_bytes_timeout()
    }

    fn set_between_bytes_timeout(&self, duration: Option<Duration>) -> Result<(), ()> {
        self.host.set_between_bytes_timeout(duration)
    }
}
