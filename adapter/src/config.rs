//! `wasi:config/store`: the policy's virtual values first, then the host's values of keys an
//! `allow` glob passes (and no `deny` glob stops), nothing else. The host's store is imported
//! only when some glob can pass a key through.

use crate::prelude::*;

use crate::Adapter;
use crate::bindings::exports::wasi::config::store::{self as api, Error};
use crate::bindings::wasi::config::store as host;

impl api::Guest for Adapter {
    fn get(key: String) -> Result<Option<String>, Error> {
        trace!("wasi:config/store#get({key:?})");
        let config = crate::policy::config();
        if let Some(value) = config.value(&key) {
            return Ok(Some(value.to_owned()));
        }
        if config.passes(&key) {
            return host::get(&key).map_err(from_host);
        }
        Ok(None)
    }

    fn get_all() -> Result<Vec<(String, String)>, Error> {
        trace!("wasi:config/store#get-all()");
        let config = crate::policy::config();
        // The virtual values are sorted by key, each key once; host keys are inserted in place
        // (byte order), skipping keys already present, so a virtual value wins. (Inserting
        // rather than sorting keeps the sort's machinery out of the adapter.)
        let mut all: Vec<(String, String)> = config.values.clone();
        if config.needs_host() {
            for (key, value) in host::get_all().map_err(from_host)? {
                if !config.passes(&key) {
                    continue;
                }
                if let Err(at) = all.binary_search_by(|(k, _)| k.as_bytes().cmp(key.as_bytes())) {
                    all.insert(at, (key, value));
                }
            }
        }
        Ok(all)
    }
}

fn from_host(error: host::Error) -> Error {
    match error {
        host::Error::Upstream(message) => Error::Upstream(message),
        host::Error::Io(message) => Error::Io(message),
    }
}
