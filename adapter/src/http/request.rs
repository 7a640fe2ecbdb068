//! Requests: `incoming-request` (what a served component receives), `outgoing-request` and
//! `request-options` (what it sends through `outgoing-handler`), each around the host's; with no
//! host HTTP, the outgoing ones are the adapter's own (a request that can be built, checked and
//! sent, to be refused).

use crate::prelude::*;

use core::cell::{Cell, RefCell};

use super::body::{IncomingBody, OutgoingBody};
use super::convert::{api_method_name, from_host, method_name, scheme_name, to_host};
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
        let method = self.host.method();
        trace!(
            "wasi:http/types#incoming-request.method() -> {}",
            method_name(&method)
        );
        from_host::method(method)
    }

    fn path_with_query(&self) -> Option<String> {
        let path = self.host.path_with_query();
        trace!(
            "wasi:http/types#incoming-request.path-with-query() -> {}",
            crate::trace::quoted(path.as_deref())
        );
        path
    }

    fn scheme(&self) -> Option<Scheme> {
        let scheme = self.host.scheme().map(from_host::scheme);
        trace!(
            "wasi:http/types#incoming-request.scheme() -> {}",
            scheme_name(scheme.as_ref())
        );
        scheme
    }

    fn authority(&self) -> Option<String> {
        let authority = self.host.authority();
        trace!(
            "wasi:http/types#incoming-request.authority() -> {}",
            crate::trace::quoted(authority.as_deref())
        );
        authority
    }

    fn headers(&self) -> api::Headers {
        trace!("wasi:http/types#incoming-request.headers()");
        Fields::wrap(self.host.headers())
    }

    fn consume(&self) -> Result<api::IncomingBody, ()> {
        let result = self.host.consume().map(IncomingBody::wrap);
        trace!(
            "wasi:http/types#incoming-request.consume() -> {}",
            crate::trace::outcome(&result)
        );
        result
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

    /// The request as a trace of `handle` shows it: `GET https://example.com/x?y` (no scheme:
    /// `https`, as the rules take it).
    pub fn target(&self) -> String {
        if !crate::trace::ON {
            return String::new();
        }
        let (method, scheme, authority, path) = match self {
            OutgoingRequest::Host(h) => {
                (h.method(), h.scheme(), h.authority(), h.path_with_query())
            }
            OutgoingRequest::Virtual(v) => (
                to_host::method(v.method.borrow().clone()),
                v.scheme.borrow().clone().map(to_host::scheme),
                v.authority.borrow().clone(),
                v.path_with_query.borrow().clone(),
            ),
        };
        let scheme = scheme.map_or(Scheme::Https, from_host::scheme);
        format!(
            "{} {}://{}{}",
            method_name(&method),
            scheme_name(Some(&scheme)),
            authority.unwrap_or_default(),
            path.unwrap_or_default()
        )
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
        trace!("wasi:http/types#outgoing-request.new()");
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
        let result = match self {
            OutgoingRequest::Host(h) => h.body().map(OutgoingBody::wrap),
            OutgoingRequest::Virtual(v) => {
                if v.body_taken.replace(true) {
                    Err(())
                } else {
                    Ok(OutgoingBody::virtual_body())
                }
            }
        };
        trace!(
            "wasi:http/types#outgoing-request.body() -> {}",
            crate::trace::outcome(&result)
        );
        result
    }

    fn method(&self) -> Method {
        let method = match self {
            OutgoingRequest::Host(h) => from_host::method(h.method()),
            OutgoingRequest::Virtual(v) => v.method.borrow().clone(),
        };
        trace!(
            "wasi:http/types#outgoing-request.method() -> {}",
            api_method_name(&method)
        );
        method
    }

    fn set_method(&self, method: Method) -> Result<(), ()> {
        let name = if crate::trace::ON {
            api_method_name(&method)
        } else {
            String::new()
        };
        let result = match self {
            OutgoingRequest::Host(h) => h.set_method(&to_host::method(method)),
            OutgoingRequest::Virtual(v) => match &method {
                Method::Other(name) if !syntax::is_token(name) => Err(()),
                _ => {
                    *v.method.borrow_mut() = method;
                    Ok(())
                }
            },
        };
        trace!(
            "wasi:http/types#outgoing-request.set-method({name}) -> {}",
            crate::trace::outcome(&result)
        );
        result
    }

    fn path_with_query(&self) -> Option<String> {
        let path = match self {
            OutgoingRequest::Host(h) => h.path_with_query(),
            OutgoingRequest::Virtual(v) => v.path_with_query.borrow().clone(),
        };
        trace!(
            "wasi:http/types#outgoing-request.path-with-query() -> {}",
            crate::trace::quoted(path.as_deref())
        );
        path
    }

    fn set_path_with_query(&self, path_with_query: Option<String>) -> Result<(), ()> {
        let shown = crate::trace::quoted(path_with_query.as_deref());
        let result = match self {
            OutgoingRequest::Host(h) => h.set_path_with_query(path_with_query.as_deref()),
            OutgoingRequest::Virtual(v) => {
                if path_with_query
                    .as_deref()
                    .is_some_and(|p| !syntax::is_path_with_query(p))
                {
                    Err(())
                } else {
                    *v.path_with_query.borrow_mut() = path_with_query;
                    Ok(())
                }
            }
        };
        trace!(
            "wasi:http/types#outgoing-request.set-path-with-query({shown}) -> {}",
            crate::trace::outcome(&result)
        );
        result
    }

    fn scheme(&self) -> Option<Scheme> {
        let scheme = match self {
            OutgoingRequest::Host(h) => h.scheme().map(from_host::scheme),
            OutgoingRequest::Virtual(v) => v.scheme.borrow().clone(),
        };
        trace!(
            "wasi:http/types#outgoing-request.scheme() -> {}",
            scheme_name(scheme.as_ref())
        );
        scheme
    }

    fn set_scheme(&self, scheme: Option<Scheme>) -> Result<(), ()> {
        let shown = if crate::trace::ON {
            scheme_name(scheme.as_ref()).to_owned()
        } else {
            String::new()
        };
        let result = match self {
            OutgoingRequest::Host(h) => h.set_scheme(scheme.map(to_host::scheme).as_ref()),
            OutgoingRequest::Virtual(v) => match &scheme {
                Some(Scheme::Other(name)) if !syntax::is_scheme(name) => Err(()),
                _ => {
                    *v.scheme.borrow_mut() = scheme;
                    Ok(())
                }
            },
        };
        trace!(
            "wasi:http/types#outgoing-request.set-scheme({shown}) -> {}",
            crate::trace::outcome(&result)
        );
        result
    }

    fn authority(&self) -> Option<String> {
        let authority = match self {
            OutgoingRequest::Host(h) => h.authority(),
            OutgoingRequest::Virtual(v) => v.authority.borrow().clone(),
        };
        trace!(
            "wasi:http/types#outgoing-request.authority() -> {}",
            crate::trace::quoted(authority.as_deref())
        );
        authority
    }

    fn set_authority(&self, authority: Option<String>) -> Result<(), ()> {
        let shown = crate::trace::quoted(authority.as_deref());
        let result = match self {
            OutgoingRequest::Host(h) => h.set_authority(authority.as_deref()),
            OutgoingRequest::Virtual(v) => {
                if authority
                    .as_deref()
                    .is_some_and(|a| !syntax::is_authority(a))
                {
                    Err(())
                } else {
                    *v.authority.borrow_mut() = authority;
                    Ok(())
                }
            }
        };
        trace!(
            "wasi:http/types#outgoing-request.set-authority({shown}) -> {}",
            crate::trace::outcome(&result)
        );
        result
    }

    fn headers(&self) -> api::Headers {
        trace!("wasi:http/types#outgoing-request.headers()");
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

/// A timeout as a trace shows it: nanoseconds, or `none`.
fn timeout(duration: Option<Duration>) -> String {
    duration.map_or_else(|| "none".into(), |d| d.to_string())
}

impl api::GuestRequestOptions for RequestOptions {
    fn new() -> Self {
        trace!("wasi:http/types#request-options.new()");
        if super::virtual_mode() {
            RequestOptions::Virtual(Default::default())
        } else {
            RequestOptions::Host(host::RequestOptions::new())
        }
    }

    fn connect_timeout(&self) -> Option<Duration> {
        let duration = self.get(0, host::RequestOptions::connect_timeout);
        trace!(
            "wasi:http/types#request-options.connect-timeout() -> {}",
            timeout(duration)
        );
        duration
    }

    fn set_connect_timeout(&self, duration: Option<Duration>) -> Result<(), ()> {
        let result = self.set(0, duration, host::RequestOptions::set_connect_timeout);
        trace!(
            "wasi:http/types#request-options.set-connect-timeout({}) -> {}",
            timeout(duration),
            crate::trace::outcome(&result)
        );
        result
    }

    fn first_byte_timeout(&self) -> Option<Duration> {
        let duration = self.get(1, host::RequestOptions::first_byte_timeout);
        trace!(
            "wasi:http/types#request-options.first-byte-timeout() -> {}",
            timeout(duration)
        );
        duration
    }

    fn set_first_byte_timeout(&self, duration: Option<Duration>) -> Result<(), ()> {
        let result = self.set(1, duration, host::RequestOptions::set_first_byte_timeout);
        trace!(
            "wasi:http/types#request-options.set-first-byte-timeout({}) -> {}",
            timeout(duration),
            crate::trace::outcome(&result)
        );
        result
    }

    fn between_bytes_timeout(&self) -> Option<Duration> {
        let duration = self.get(2, host::RequestOptions::between_bytes_timeout);
        trace!(
            "wasi:http/types#request-options.between-bytes-timeout() -> {}",
            timeout(duration)
        );
        duration
    }

    fn set_between_bytes_timeout(&self, duration: Option<Duration>) -> Result<(), ()> {
        let result = self.set(2, duration, host::RequestOptions::set_between_bytes_timeout);
        trace!(
            "wasi:http/types#request-options.set-between-bytes-timeout({}) -> {}",
            timeout(duration),
            crate::trace::outcome(&result)
        );
        result
    }
}
