//! `wasi:filesystem/preopens`: the host's preopens, wrapped, when the file system is passed
//! through; none otherwise.

use super::types::Descriptor;
use crate::Adapter;
use crate::bindings::exports::wasi::filesystem::{preopens as api, types as api_types};
use crate::bindings::wasi::filesystem::preopens as host;
use crate::policy::{self, Access};

impl api::Guest for Adapter {
    fn get_directories() -> Vec<(api_types::Descriptor, String)> {
        match policy::get().fs {
            Access::Host => host::get_directories()
                .into_iter()
                .map(|(d, path)| (api_types::Descriptor::new(Descriptor::Host(d)), path))
                .collect(),
            Access::Deny => Vec::new(),
        }
    }
}
