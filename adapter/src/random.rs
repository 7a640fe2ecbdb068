//! `wasi:random/*`: the host's randomness when allowed, a trap otherwise (no error channel), or,
//! under `random seed N`, ChaCha20 streams keyed by the policy, which never ask the host.

use crate::prelude::*;

use core::cell::Cell;

use virtc_policy::chacha::ChaCha20;

use crate::bindings::exports::wasi::random::{insecure, insecure_seed, random};
use crate::bindings::wasi::random::{
    insecure as host_insecure, insecure_seed as host_insecure_seed, random as host_random,
};
use crate::policy::{self, RandomSeed};
use crate::{Adapter, trap};

/// The most bytes one call returns: there is no error channel to refuse more, so more traps
/// rather than allocating gigabytes.
const MAX_BYTES: u64 = 64 << 20;

fn require() {
    policy::require_host(policy::get().random);
}

/// The policy's seed, if it has one.
fn seed() -> Option<&'static RandomSeed> {
    policy::get().random_seed.as_ref()
}

/// One seeded stream, for the instance's life: made from its key on first use, then taken out
/// while it is read and put back (a `Cell` rather than a `RefCell`, whose borrow checks could
/// panic).
struct Stream(Cell<Option<ChaCha20>>);

// SAFETY: wasm32 without threads; nothing here is ever shared across threads.
unsafe impl Sync for Stream {}

/// `get-random-bytes` and `get-random-u64`, in call order.
static RANDOM: Stream = Stream(Cell::new(None));
/// `wasi:random/insecure`.
static INSECURE: Stream = Stream(Cell::new(None));

impl Stream {
    fn read<R>(&self, key: &[u8; 32], f: impl FnOnce(&mut ChaCha20) -> R) -> R {
        let mut stream = self.0.take().unwrap_or_else(|| ChaCha20::new(*key));
        let result = f(&mut stream);
        self.0.set(Some(stream));
        result
    }

    /// `len` bytes of the stream.
    fn bytes(&self, key: &[u8; 32], len: u64) -> Vec<u8> {
        if len > MAX_BYTES {
            trap();
        }
        let mut out = vec![0; len as usize];
        self.read(key, |s| s.fill(&mut out));
        out
    }

    /// The next 8 bytes, little-endian.
    fn u64(&self, key: &[u8; 32]) -> u64 {
        self.read(key, ChaCha20::next_u64)
    }
}

impl random::Guest for Adapter {
    fn get_random_bytes(len: u64) -> Vec<u8> {
        trace!("wasi:random/random#get-random-bytes({len})");
        if let Some(s) = seed() {
            return RANDOM.bytes(&s.random, len);
        }
        require();
        host_random::get_random_bytes(len)
    }

    fn get_random_u64() -> u64 {
        trace!("wasi:random/random#get-random-u64()");
        if let Some(s) = seed() {
            return RANDOM.u64(&s.random);
        }
        require();
        host_random::get_random_u64()
    }
}

impl insecure::Guest for Adapter {
    fn get_insecure_random_bytes(len: u64) -> Vec<u8> {
        trace!("wasi:random/insecure#get-insecure-random-bytes({len})");
        if let Some(s) = seed() {
            return INSECURE.bytes(&s.insecure, len);
        }
        require();
        host_insecure::get_insecure_random_bytes(len)
    }

    fn get_insecure_random_u64() -> u64 {
        trace!("wasi:random/insecure#get-insecure-random-u64()");
        if let Some(s) = seed() {
            return INSECURE.u64(&s.insecure);
        }
        require();
        host_insecure::get_insecure_random_u64()
    }
}

impl insecure_seed::Guest for Adapter {
    fn insecure_seed() -> (u64, u64) {
        trace!("wasi:random/insecure-seed#insecure-seed()");
        if let Some(s) = seed() {
            // The first two u64s of its stream, the same on every call.
            let mut stream = ChaCha20::new(s.insecure_seed);
            return (stream.next_u64(), stream.next_u64());
        }
        require();
        host_insecure_seed::insecure_seed()
    }
}
