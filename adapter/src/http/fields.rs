//! `fields` (headers and trailers): the adapter's resource around a host `fields`, which it hands
//! back to the host wherever WIT passes `fields` as `own`.

use super::convert::header_error;
use crate::bindings::exports::wasi::http::types::{
    self as api, FieldName, FieldValue, HeaderError,
};
use crate::bindings::wasi::http::types as host;

/// The adapter's `fields` resource (also `headers` and `trailers`).
pub struct Fields {
    host: host::Fields,
}

impl Fields {
    /// Wraps host fields (possibly a child of a request, response or trailers).
    pub fn wrap(host: host::Fields) -> api::Fields {
        api::Fields::new(Fields { host })
    }

    /// The host fields of an owned resource, for passing ownership on to the host.
    pub fn into_host(fields: api::Fields) -> host::Fields {
        fields.into_inner::<Fields>().host
    }
}

impl api::GuestFields for Fields {
    fn new() -> Self {
        Fields {
            host: host::Fields::new(),
        }
    }

    fn from_list(entries: Vec<(FieldName, FieldValue)>) -> Result<api::Fields, HeaderError> {
        host::Fields::from_list(&entries)
            .map(Fields::wrap)
            .map_err(header_error)
    }

    fn get(&self, name: FieldName) -> Vec<FieldValue> {
        self.host.get(&name)
    }

    fn has(&self, name: FieldName) -> bool {
        self.host.has(&name)
    }

    fn set(&self, name: FieldName, value: Vec<FieldValue>) -> Result<(), HeaderError> {
        self.host.set(&name, &value).map_err(header_error)
    }

    fn delete(&self, name: FieldName) -> Result<(), HeaderError> {
        self.host.delete(&name).map_err(header_error)
    }

    fn append(&self, name: FieldName, value: FieldValue) -> Result<(), HeaderError> {
        self.host.append(&name, &value).map_err(header_error)
    }

    fn entries(&self) -> Vec<(FieldName, FieldValue)> {
        self.host.entries()
    }

    fn clone(&self) -> api::Fields {
        Fields::wrap(self.host.clone())
    }
}
