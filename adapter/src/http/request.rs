//! Requests: `incoming-request` (what a served component receives), `outgoing-request` and
//! `request-options` (what it sends through `outgoing-handler`), each around the host's; with no
//! host HTTP, the outgoing ones are the adapter's own (a request that can be built, checked and
//! sent, to be refused).

use core::cell::{Cell, RefCell};

use super::body::{IncomingBody, OutgoingBody};
use super::convert::{from_host, to_host};
use super::fields::{Fields, VirtualFields};
use crate::bindings::exports::wasi::http::types::{self as api, Duration, Method, Scheme};
use crate::bindings::wasi::http::types as host;
use virtc_policy::http::syntax;

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
pub enum OutgoingRequest {
    Host(host::OutgoingRequest),
    Virtual(VirtualRequest),
}

/// A request kept by the adapter.
pub struct VirtualRequest {
    method: RefCell<Method>,
    scheme: RefCell<Option<Scheme>>,
    authority: RefCell<Option<String>>,
    path_with_query: RefCell<Option<String>>,
    headers: Vec<(String, Vec<u8>)>,
    body_taken: Cell<bool>,
}

impl OutgoingRequest {
    /// The host request, to read what the component set (`None` for the adapter's own).
    pub fn host(&self) -> Option<&host::OutgoingRequest> {
        match self {
            OutgoingRequest::Host(h) => Some(h),
            OutgoingRequest::Virtual(_) => None,
        }
    }

    /// Whether the component set an authority.
    pub fn has_authority(&self) -> bool {
        match self {
            OutgoingRequest::Host(h) => h.authority().is_some(),
            OutgoingRequest::Virtual(v) => v.authority.borrow().is_some(),
        }
    }

    /// The host request of an owned resource, for sending it.
    pub fn into_host(request: api::OutgoingRequest) -> host::OutgoingRequest {
        match request.into_inner::<OutgoingRequest>() {
            OutgoingRequest::Host(h) => h,
            OutgoingRequest::Virtual(_) => crate::trap(),
        }
    }
}

impl api::GuestOutgoingRequest for OutgoingRequest {
    fn new(headers: api::Headers) -> Self {
        if super::virtual_mode() {
            OutgoingRequest::Virtual(VirtualRequest {
                method: RefCell::new(Method::Get),
                scheme: RefCell::new(None),
                authority: RefCell::new(None),
                path_with_query: RefCell::new(None),
                headers: Fields::into_entries(headers),
                body_taken: Cell::new(false),
            })
        } else {
            OutgoingRequest::Host(host::OutgoingRequest::new(Fields::into_host(headers)))
        }
    }

    fn body(&self) -> Result<api::OutgoingBody, ()> {
        match self {
            OutgoingRequest::Host(h) => h.body().map(OutgoingBody::wrap),
            OutgoingRequest::Virtual(v) => {
                if v.body_taken.replace(true) {
                    return Err(());
                }
                Ok(OutgoingBody::virtual_body())
            }
        }
    }

    fn method(&self) -> Method {
        match self {
            OutgoingRequest::Host(h) => from_host::method(h.method()),
            OutgoingRequest::Virtual(v) => v.method.borrow().clone(),
        }
    }

    fn set_method(&self, method: Method) -> Result<(), ()> {
        match self {
            OutgoingRequest::Host(h) => h.set_method(&to_host::method(method)),
            OutgoingRequest::Virtual(v) => {
                if let Method::Other(name) = &method
                    && !syntax::is_token(name)
                {
                    return Err(());
                }
                *v.method.borrow_mut() = method;
                Ok(())
            }
        }
    }

    fn path_with_query(&self) -> Option<String> {
        match self {
            OutgoingRequest::Host(h) => h.path_with_query(),
            OutgoingRequest::Virtual(v) => v.path_with_query.borrow().clone(),
        }
    }

    fn set_path_with_query(&self, path_with_query: Option<String>) -> Result<(), ()> {
        match self {
            OutgoingRequest::Host(h) => h.set_path_with_query(path_with_query.as_deref()),
            OutgoingRequest::Virtual(v) => {
                if path_with_query
                    .as_deref()
                    .is_some_and(|p| !syntax::is_path_with_query(p))
                {
                    return Err(());
                }
                *v.path_with_query.borrow_mut() = path_with_query;
                Ok(())
            }
        }
    }

    fn scheme(&self) -> Option<Scheme> {
        match self {
            OutgoingRequest::Host(h) => h.scheme().map(from_host::scheme),
            OutgoingRequest::Virtual(v) => v.scheme.borrow().clone(),
        }
    }

    fn set_scheme(&self, scheme: Option<Scheme>) -> Result<(), ()> {
        match self {
            OutgoingRequest::Host(h) => h.set_scheme(scheme.map(to_host::scheme).as_ref()),
            OutgoingRequest::Virtual(v) => {
                if let Some(Scheme::Other(name)) = &scheme
                    && !syntax::is_scheme(name)
                {
                    return Err(());
                }
                *v.scheme.borrow_mut() = scheme;
                Ok(())
            }
        }
    }

    fn authority(&self) -> Option<String> {
        match self {
            OutgoingRequest::Host(h) => h.authority(),
            OutgoingRequest::Virtual(v) => v.authority.borrow().clone(),
        }
    }

    fn set_authority(&self, authority: Option<String>) -> Result<(), ()> {
        match self {
            OutgoingRequest::Host(h) => h.set_authority(authority.as_deref()),
            OutgoingRequest::Virtual(v) => {
                if authority
                    .as_deref()
                    .is_some_and(|a| !syntax::is_authority(a))
                {
                    return Err(());
                }
                *v.authority.borrow_mut() = authority;
                Ok(())
            }
        }
    }

    fn headers(&self) -> api::Headers {
        match self {
            OutgoingRequest::Host(h) => Fields::wrap(h.headers()),
            OutgoingRequest::Virtual(v) => VirtualFields::frozen(v.headers.clone()),
        }
    }
}

/// The adapter's `request-options` resource.
pub enum RequestOptions {
    Host(host::RequestOptions),
    /// Timeouts kept by the adapter: connect, first byte, between bytes.
    Virtual([Cell<Option<Duration>>; 3]),
}

impl RequestOptions {
    /// The host options of an owned resource, for sending a request with them.
    pub fn into_host(options: api::RequestOptions) -> host::RequestOptions {
        match options.into_inner::<RequestOptions>() {
            RequestOptions::Host(h) => h,
            RequestOptions::Virtual(_) => crate::trap(),
        }
    }

    fn get(
        &self,
        which: usize,
        host: fn(&host::RequestOptions) -> Option<Duration>,
    ) -> Option<Duration> {
        match self {
            RequestOptions::Host(h) => host(h),
            RequestOptions::Virtual(t) => t[which].get(),
        }
    }

    fn set(
        &self,
        which: usize,
        duration: Option<Duration>,
        host: fn(&host::RequestOptions, Option<Duration>) -> Result<(), ()>,
    ) -> Result<(), ()> {
        match self {
            RequestOptions::Host(h) => host(h, duration),
            RequestOptions::Virtual(t) => {
                t[which].set(duration);
                Ok(())
            }
        }
    }
}

impl api::GuestRequestOptions for RequestOptions {
    fn new() -> Self {
        if super::virtual_mode() {
            RequestOptions::Virtual(Default::default())
        } else {
            RequestOptions::Host(host::RequestOptions::new())
        }
    }

    fn connect_timeout(&self) -> Option<Duration> {
        self.get(0, host::RequestOptions::connect_timeout)
    }

    fn set_connect_timeout(&self, duration: Option<Duration>) -> Result<(), ()> {
        self.set(0, duration, host::RequestOptions::set_connect_timeout)
    }

    fn first_byte_timeout(&self) -> Option<Duration> {
        self.get(1, host::RequestOptions::first_byte_timeout)
    }

    fn set_first_byte_timeout(&self, duration: Option<Duration>) -> Result<(), ()> {
        self.set(1, duration, host::RequestOptions::set_first_byte_timeout)
    }

    fn between_bytes_timeout(&self) -> Option<Duration> {
        self.get(2, host::RequestOptions::between_bytes_timeout)
    }

    fn set_between_bytes_timeout(&self, duration: Option<Duration>) -> Result<(), ()> {
        self.set(2, duration, host::RequestOptions::set_between_bytes_timeout)
    }
}
