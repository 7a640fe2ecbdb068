//! `fields` (headers and trailers): around a host `fields`, handed back to the host wherever WIT
//! passes `fields` as `own`; or, with no host HTTP, the adapter's own list, checked as
//! `wasi:http/types` checks it (see `virtc_policy::http::syntax`).

use crate::prelude::*;

use core::cell::RefCell;

use super::convert::header_error;
use crate::bindings::exports::wasi::http::types::{
    self as api, FieldName, FieldValue, HeaderError,
};
use crate::bindings::wasi::http::types as host;
use virtc_policy::http::syntax::{self, FieldNameError};

/// The adapter's `fields` resource (also `headers` and `trailers`).
pub enum Fields {
    Host(host::Fields),
    Virtual(VirtualFields),
}

/// Fields kept by the adapter: names lower-cased, in insertion order.
pub struct VirtualFields {
    entries: RefCell<Vec<(String, Vec<u8>)>>,
    mutable: bool,
}

impl VirtualFields {
    /// Immutable fields with these entries (a request's or response's headers).
    pub fn frozen(entries: Vec<(String, Vec<u8>)>) -> api::Fields {
        api::Fields::new(Fields::Virtual(VirtualFields {
            entries: RefCell::new(entries),
            mutable: false,
        }))
    }

    fn check(&self) -> Result<(), HeaderError> {
        if self.mutable {
            Ok(())
        } else {
            Err(HeaderError::Immutable)
        }
    }
}

fn name_error(e: FieldNameError) -> HeaderError {
    match e {
        FieldNameError::InvalidSyntax => HeaderError::InvalidSyntax,
        FieldNameError::Forbidden => HeaderError::Forbidden,
    }
}

fn checked(name: &str, value: &[u8]) -> Result<String, HeaderError> {
    let name = syntax::field_name(name).map_err(name_error)?;
    if syntax::is_field_value(value) {
        Ok(name)
    } else {
        Err(HeaderError::InvalidSyntax)
    }
}

impl Fields {
    /// Wraps host fields (possibly a child of a request, response or trailers).
    pub fn wrap(host: host::Fields) -> api::Fields {
        api::Fields::new(Fields::Host(host))
    }

    /// The host fields of an owned resource, for passing ownership on to the host.
    pub fn into_host(fields: api::Fields) -> host::Fields {
        match fields.into_inner::<Fields>() {
            Fields::Host(host) => host,
            Fields::Virtual(_) => crate::trap(),
        }
    }

    /// The entries of an owned resource the adapter keeps.
    pub fn into_entries(fields: api::Fields) -> Vec<(String, Vec<u8>)> {
        match fields.into_inner::<Fields>() {
            Fields::Virtual(v) => v.entries.into_inner(),
            Fields::Host(_) => crate::trap(),
        }
    }
}

impl VirtualFields {
    /// `from-list`, with no host HTTP.
    fn from_list(entries: Vec<(FieldName, FieldValue)>) -> Result<api::Fields, HeaderError> {
        let mut list = Vec::with_capacity(entries.len());
        for (name, value) in entries {
            list.push((checked(&name, &value)?, value));
        }
        Ok(api::Fields::new(Fields::Virtual(VirtualFields {
            entries: RefCell::new(list),
            mutable: true,
        })))
    }

    fn set(&self, name: &str, value: Vec<FieldValue>) -> Result<(), HeaderError> {
        self.check()?;
        let name = syntax::field_name(name).map_err(name_error)?;
        if !value.iter().all(|v| syntax::is_field_value(v)) {
            return Err(HeaderError::InvalidSyntax);
        }
        let mut entries = self.entries.borrow_mut();
        // The new values take the place of the first old one, as `HeaderMap` does.
        let at = entries.iter().position(|(n, _)| *n == name);
        entries.retain(|(n, _)| *n != name);
        let at = at.unwrap_or(entries.len()).min(entries.len());
        for (i, value) in value.into_iter().enumerate() {
            entries.insert(at + i, (name.clone(), value));
        }
        Ok(())
    }

    fn delete(&self, name: &str) -> Result<(), HeaderError> {
        self.check()?;
        let name = syntax::field_name(name).map_err(name_error)?;
        self.entries.borrow_mut().retain(|(n, _)| *n != name);
        Ok(())
    }

    fn append(&self, name: &str, value: FieldValue) -> Result<(), HeaderError> {
        self.check()?;
        let name = checked(name, &value)?;
        let mut entries = self.entries.borrow_mut();
        // Values of one name stay together, as `HeaderMap` keeps them.
        let at = entries
            .iter()
            .rposition(|(n, _)| *n == name)
            .map_or(entries.len(), |i| i + 1);
        entries.insert(at, (name, value));
        Ok(())
    }
}

impl api::GuestFields for Fields {
    fn new() -> Self {
        trace!("wasi:http/types#fields.new()");
        if super::virtual_mode() {
            Fields::Virtual(VirtualFields {
                entries: RefCell::new(Vec::new()),
                mutable: true,
            })
        } else {
            Fields::Host(host::Fields::new())
        }
    }

    fn from_list(entries: Vec<(FieldName, FieldValue)>) -> Result<api::Fields, HeaderError> {
        let names = crate::trace::names(entries.iter().map(|(n, _)| n.as_str()));
        let result = if super::virtual_mode() {
            VirtualFields::from_list(entries)
        } else {
            host::Fields::from_list(&entries)
                .map(Fields::wrap)
                .map_err(header_error)
        };
        trace!(
            "wasi:http/types#fields.from-list([{names}]) -> {}",
            crate::trace::outcome(&result)
        );
        result
    }

    fn get(&self, name: FieldName) -> Vec<FieldValue> {
        let values: Vec<FieldValue> = match self {
            Fields::Host(h) => h.get(&name),
            Fields::Virtual(v) => v
                .entries
                .borrow()
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case(&name))
                .map(|(_, value)| value.clone())
                .collect(),
        };
        trace!(
            "wasi:http/types#fields.get({name:?}) -> {} values",
            values.len()
        );
        values
    }

    fn has(&self, name: FieldName) -> bool {
        let has = match self {
            Fields::Host(h) => h.has(&name),
            Fields::Virtual(v) => v
                .entries
                .borrow()
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case(&name)),
        };
        trace!("wasi:http/types#fields.has({name:?}) -> {has}");
        has
    }

    fn set(&self, name: FieldName, value: Vec<FieldValue>) -> Result<(), HeaderError> {
        let count = value.len();
        let result = match self {
            Fields::Host(h) => h.set(&name, &value).map_err(header_error),
            Fields::Virtual(v) => v.set(&name, value),
        };
        trace!(
            "wasi:http/types#fields.set({name:?}, {count} values) -> {}",
            crate::trace::outcome(&result)
        );
        result
    }

    fn delete(&self, name: FieldName) -> Result<(), HeaderError> {
        let result = match self {
            Fields::Host(h) => h.delete(&name).map_err(header_error),
            Fields::Virtual(v) => v.delete(&name),
        };
        trace!(
            "wasi:http/types#fields.delete({name:?}) -> {}",
            crate::trace::outcome(&result)
        );
        result
    }

    fn append(&self, name: FieldName, value: FieldValue) -> Result<(), HeaderError> {
        let result = match self {
            Fields::Host(h) => h.append(&name, &value).map_err(header_error),
            Fields::Virtual(v) => v.append(&name, value),
        };
        trace!(
            "wasi:http/types#fields.append({name:?}) -> {}",
            crate::trace::outcome(&result)
        );
        result
    }

    fn entries(&self) -> Vec<(FieldName, FieldValue)> {
        let entries = match self {
            Fields::Host(h) => h.entries(),
            Fields::Virtual(v) => v.entries.borrow().clone(),
        };
        trace!(
            "wasi:http/types#fields.entries() -> [{}]",
            crate::trace::names(entries.iter().map(|(n, _)| n.as_str()))
        );
        entries
    }

    fn clone(&self) -> api::Fields {
        trace!("wasi:http/types#fields.clone()");
        match self {
            Fields::Host(h) => Fields::wrap(h.clone()),
            Fields::Virtual(v) => api::Fields::new(Fields::Virtual(VirtualFields {
                entries: RefCell::new(v.entries.borrow().clone()),
                mutable: true,
            })),
        }
    }
}
