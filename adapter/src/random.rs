//! `wasi:random/*`: the host's randomness when allowed, a trap otherwise (no error channel).

use crate::Adapter;
use crate::bindings::exports::wasi::random::{insecure, insecure_seed, random};
use crate::bindings::wasi::random::{
    insecure as host_insecure, insecure_seed as host_insecure_seed, random as host_random,
};
use crate::policy;

fn require() {
    policy::require_host(policy::get().random);
}

impl random::Guest for Adapter {
    fn get_random_bytes(len: u64) -> Vec<u8> {
        trace!("wasi:random/random#get-random-bytes({len})");
        require();
        host_random::get_random_bytes(len)
    }

    fn get_random_u64() -> u64 {
        trace!("wasi:random/random#get-random-u64()");
        require();
        host_random::get_random_u64()
    }
}

impl insecure::Guest for Adapter {
    fn get_insecure_random_bytes(len: u64) -> Vec<u8> {
        trace!("wasi:random/insecure#get-insecure-random-bytes({len})");
        require();
        host_insecure::get_insecure_random_bytes(len)
    }

    fn get_insecure_random_u64() -> u64 {
        trace!("wasi:random/insecure#get-insecure-random-u64()");
        require();
        host_insecure::get_insecure_random_u64()
    }
}

impl insecure_seed::Guest for Adapter {
    fn insecure_seed() -> (u64, u64) {
        trace!("wasi:random/insecure-seed#insecure-seed()");
        require();
        host_insecure_seed::insecure_seed()
    }
}
