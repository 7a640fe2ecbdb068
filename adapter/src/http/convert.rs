//! Conversions between the host's `wasi:http/types` values and the adapter's: the same WIT, but
//! distinct Rust types on the import and export side. Each conversion is written once and
//! instantiated for both directions ([`from_host`], [`to_host`]).

use crate::prelude::*;

use crate::bindings::exports::wasi::http::types as api;
use crate::bindings::wasi::http::types as host;

/// Defines `mod $dir` with `method`, `scheme` and `error-code` conversions `$from -> $to`.
macro_rules! conversions {
    ($dir:ident: $from:ident -> $to:ident) => {
        pub mod $dir {
            use super::{api, host};

            pub fn method(value: $from::Method) -> $to::Method {
                use $from::Method as F;
                use $to::Method as T;
                match value {
                    F::Get => T::Get,
                    F::Head => T::Head,
                    F::Post => T::Post,
                    F::Put => T::Put,
                    F::Delete => T::Delete,
                    F::Connect => T::Connect,
                    F::Options => T::Options,
                    F::Trace => T::Trace,
                    F::Patch => T::Patch,
                    F::Other(s) => T::Other(s),
                }
            }

            pub fn scheme(value: $from::Scheme) -> $to::Scheme {
                match value {
                    $from::Scheme::Http => $to::Scheme::Http,
                    $from::Scheme::Https => $to::Scheme::Https,
                    $from::Scheme::Other(s) => $to::Scheme::Other(s),
                }
            }

            fn field_size(p: $from::FieldSizePayload) -> $to::FieldSizePayload {
                $to::FieldSizePayload {
                    field_name: p.field_name,
                    field_size: p.field_size,
                }
            }

            pub fn error_code(value: $from::ErrorCode) -> $to::ErrorCode {
                use $from::ErrorCode as F;
                use $to::ErrorCode as T;
                match value {
                    F::DnsTimeout => T::DnsTimeout,
                    F::DnsError(p) => T::DnsError($to::DnsErrorPayload {
                        rcode: p.rcode,
                        info_code: p.info_code,
                    }),
                    F::DestinationNotFound => T::DestinationNotFound,
                    F::DestinationUnavailable => T::DestinationUnavailable,
                    F::DestinationIpProhibited => T::DestinationIpProhibited,
                    F::DestinationIpUnroutable => T::DestinationIpUnroutable,
                    F::ConnectionRefused => T::ConnectionRefused,
                    F::ConnectionTerminated => T::ConnectionTerminated,
                    F::ConnectionTimeout => T::ConnectionTimeout,
                    F::ConnectionReadTimeout => T::ConnectionReadTimeout,
                    F::ConnectionWriteTimeout => T::ConnectionWriteTimeout,
                    F::ConnectionLimitReached => T::ConnectionLimitReached,
                    F::TlsProtocolError => T::TlsProtocolError,
                    F::TlsCertificateError => T::TlsCertificateError,
                    F::TlsAlertReceived(p) => T::TlsAlertReceived($to::TlsAlertReceivedPayload {
                        alert_id: p.alert_id,
                        alert_message: p.alert_message,
                    }),
                    F::HttpRequestDenied => T::HttpRequestDenied,
                    F::HttpRequestLengthRequired => T::HttpRequestLengthRequired,
                    F::HttpRequestBodySize(n) => T::HttpRequestBodySize(n),
                    F::HttpRequestMethodInvalid => T::HttpRequestMethodInvalid,
                    F::HttpRequestUriInvalid => T::HttpRequestUriInvalid,
                    F::HttpRequestUriTooLong => T::HttpRequestUriTooLong,
                    F::HttpRequestHeaderSectionSize(n) => T::HttpRequestHeaderSectionSize(n),
                    F::HttpRequestHeaderSize(p) => T::HttpRequestHeaderSize(p.map(field_size)),
                    F::HttpRequestTrailerSectionSize(n) => T::HttpRequestTrailerSectionSize(n),
                    F::HttpRequestTrailerSize(p) => T::HttpRequestTrailerSize(field_size(p)),
                    F::HttpResponseIncomplete => T::HttpResponseIncomplete,
                    F::HttpResponseHeaderSectionSize(n) => T::HttpResponseHeaderSectionSize(n),
                    F::HttpResponseHeaderSize(p) => T::HttpResponseHeaderSize(field_size(p)),
                    F::HttpResponseBodySize(n) => T::HttpResponseBodySize(n),
                    F::HttpResponseTrailerSectionSize(n) => T::HttpResponseTrailerSectionSize(n),
                    F::HttpResponseTrailerSize(p) => T::HttpResponseTrailerSize(field_size(p)),
                    F::HttpResponseTransferCoding(s) => T::HttpResponseTransferCoding(s),
                    F::HttpResponseContentCoding(s) => T::HttpResponseContentCoding(s),
                    F::HttpResponseTimeout => T::HttpResponseTimeout,
                    F::HttpUpgradeFailed => T::HttpUpgradeFailed,
                    F::HttpProtocolError => T::HttpProtocolError,
                    F::LoopDetected => T::LoopDetected,
                    F::ConfigurationError => T::ConfigurationError,
                    F::InternalError(s) => T::InternalError(s),
                }
            }
        }
    };
}

conversions!(from_host: host -> api);
conversions!(to_host: api -> host);

pub fn header_error(value: host::HeaderError) -> api::HeaderError {
    match value {
        host::HeaderError::InvalidSyntax => api::HeaderError::InvalidSyntax,
        host::HeaderError::Forbidden => api::HeaderError::Forbidden,
        host::HeaderError::Immutable => api::HeaderError::Immutable,
    }
}

/// A method as sent: `GET`, or the string of `other`.
pub fn method_name(method: &host::Method) -> &str {
    match method {
        host::Method::Get => "GET",
        host::Method::Head => "HEAD",
        host::Method::Post => "POST",
        host::Method::Put => "PUT",
        host::Method::Delete => "DELETE",
        host::Method::Connect => "CONNECT",
        host::Method::Options => "OPTIONS",
        host::Method::Trace => "TRACE",
        host::Method::Patch => "PATCH",
        host::Method::Other(other) => other,
    }
}

/// An adapter method as a trace shows it: `GET`.
pub fn api_method_name(method: &api::Method) -> String {
    method_name(&to_host::method(method.clone())).into()
}

/// A scheme as a trace shows it: `http`, `https`, or the string of `other`; `none`.
pub fn scheme_name(scheme: Option<&api::Scheme>) -> &str {
    match scheme {
        Some(api::Scheme::Http) => "http",
        Some(api::Scheme::Https) => "https",
        Some(api::Scheme::Other(other)) => other,
        None => "none",
    }
}
