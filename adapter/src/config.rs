//! `wasi:config/store`: the policy's virtual values first, then the host's values of keys an
//! `allow` glob passes (and no `deny` glob stops), nothing else. The host's store is imported
//! only when some glob can pass a key through.

use crate::Adapter;
use crate::bindings::exports::wasi::config::store::{self as api, Error};
use crate::bindings::wasi::config::store as host;

impl api::Guest for Adapter {
    fn get(key: String) -> Result<Option<String>, Error> {
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
        let config = crate::policy::config();
        let mut all: Vec<(String, String)> = config.values.clone();
        if config.needs_host() {
            let host = host::get_all().map_err(from_host)?;
            all.extend(
                host.into_iter()
                    .filter(|(key, _)| config.value(key).is_none() && config.passes(key)),
            );
        }
        // Sorted by key in byte order, each key once (a virtual value wins: it came first and
        // the sort is stable).
        all.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        all.dedup_by(|later, earlier| later.0 == earlier.0);
        Ok(all)
    }
}

fn from_host(error: host::Error) -> Error {
    match error {
        host::Error::Upstream(message) => Error::Upstream(message),
        host::Error::Io(message) => Error::Io(message),
    }
}
