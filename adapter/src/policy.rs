//! The policy the compiler wrote into this adapter's memory, decoded once on first use.
//!
//! The compiler replaces the two `virtc:policy` imports with constant functions returning where
//! it placed the encoded policy. Host imports are kept by the compiler only when the policy passes
//! the subsystem through:
//!
//! - `wasi:cli/environment`: `env.needs_host()`;
//! - `wasi:cli/stdin`, `terminal-stdin`, `terminal-input`: `stdio.stdin == Host`;
//! - `wasi:cli/stdout`, `terminal-stdout`: `stdio.stdout == Host`;
//! - `wasi:cli/stderr`, `terminal-stderr`: `stdio.stderr == Host`;
//! - `wasi:cli/terminal-output`: stdout or stderr `Host`;
//! - `wasi:random/*`, `wasi:clocks/*`, `wasi:cli/exit`, `wasi:filesystem/*`: `random`, `clocks`,
//!   `exit`, `fs == Host`;
//! - `wasi:io/*`: any stdio stream, clocks or fs `Host` (a host stream, pollable or error can
//!   exist only then).
//!
//! (`host_allowed` in `compiler/src/codegen/adapter.rs` is the compiler's side of this rule.)

use core::cell::UnsafeCell;

pub use virtc_policy::{Access, Args, Policy, StreamMode};

#[link(wasm_import_module = "virtc:policy")]
unsafe extern "C" {
    #[link_name = "ptr"]
    fn policy_ptr() -> *const u8;
    #[link_name = "len"]
    fn policy_len() -> usize;
}

/// The decoded policy. Not a `OnceLock`: the adapter is single-threaded, and this is smaller.
struct Slot(UnsafeCell<Option<Policy>>);

// SAFETY: wasm32 without threads; nothing here is ever shared across threads.
unsafe impl Sync for Slot {}

static POLICY: Slot = Slot(UnsafeCell::new(None));

/// The policy; traps if the embedded bytes do not decode.
pub fn get() -> &'static Policy {
    let slot = POLICY.0.get();
    // SAFETY: single-threaded, and the slot is written only while empty, that is before any
    // reference into it was handed out; `decode` does not call back into `get`.
    unsafe {
        if (*slot).is_none() {
            *slot = Some(decode());
        }
        (*slot).as_ref().unwrap_or_else(|| crate::trap())
    }
}

fn decode() -> Policy {
    // SAFETY: the compiler writes `len` bytes of encoded policy at `ptr`, inside the module's
    // initial memory, which nothing else uses and which lives as long as the instance.
    let bytes = unsafe {
        let ptr = policy_ptr();
        if ptr.is_null() {
            crate::trap();
        }
        core::slice::from_raw_parts(ptr, policy_len())
    };
    Policy::decode(bytes).unwrap_or_else(|_| crate::trap())
}

/// Traps unless `access` passes the subsystem through: for interfaces without an error channel
/// (random, clocks, exit), a trap is how `Deny` is reported.
pub fn require_host(access: Access) {
    if access != Access::Host {
        crate::trap();
    }
}
