//! virtc's adapter: one wasm module, generic over policies, that exports WASI 0.2 and implements
//! each interface as the policy embedded by the compiler says.
//!
//! Everything here runs inside the adapter; on any other target the crate is empty (so that
//! `cargo clippy --workspace` on the host has nothing to check).
//!
//! The key rule, relied on by the compiler: a host import is called only when the policy passes
//! that subsystem through to the host. The compiler replaces every other host import with an
//! `unreachable` stub, so a stray call would trap. See [`policy`] for the table.
#![cfg(target_arch = "wasm32")]
// No `std`: a panic is a trap (below), so no panic message is ever formatted and the
// formatting machinery a `std` panic pulls in is not linked.
#![no_std]

extern crate alloc;

use core::cell::UnsafeCell;
use core::mem::MaybeUninit;

/// Traces a call (`trace!("wasi:cli/exit#exit({})", code)`): a line in the tracing adapter,
/// nothing at all in the plain one (the arguments are type-checked, never evaluated).
macro_rules! trace {
    ($($arg:tt)*) => {
        if $crate::trace::ON {
            $crate::trace::line(format_args!($($arg)*))
        }
    };
}

/// What the standard prelude has and `core`'s does not, for every module of the crate.
mod prelude {
    pub use alloc::borrow::ToOwned;
    pub use alloc::string::{String, ToString};
    pub use alloc::vec::Vec;
    pub use alloc::{format, vec};
}

#[global_allocator]
static ALLOCATOR: heap::Heap = heap::Heap::new();

/// A panic (a bounds check, an overflow the compiler could not rule out) stops the component,
/// as [`trap`] does; its message is never formatted.
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    trap()
}

mod bindings;
mod cli;
mod clocks;
mod config;
mod fs;
mod gate;
mod heap;
mod http;
mod io;
mod policy;
mod random;
mod serve;
mod sockets;
mod trace;

/// The type every exported interface is implemented on.
struct Adapter;

bindings::export!(Adapter with_types_in bindings);

/// Stops the component. Used wherever WASI has no error channel, and for "cannot happen" cases,
/// because it is one instruction where a panic would pull in formatting machinery.
#[inline(always)]
pub(crate) fn trap() -> ! {
    core::arch::wasm32::unreachable()
}

/// A value computed on first use and kept for the instance's life. Not a `OnceLock`: the adapter
/// is single-threaded, and this is smaller. Not an `Option` either: an empty one is all zeros,
/// so that it takes no bytes of the module's data (a `None` of most types is not).
struct Once<T> {
    set: UnsafeCell<bool>,
    value: UnsafeCell<MaybeUninit<T>>,
}

// SAFETY: wasm32 without threads; nothing here is ever shared across threads.
unsafe impl<T> Sync for Once<T> {}

impl<T> Once<T> {
    const fn new() -> Self {
        Once {
            set: UnsafeCell::new(false),
            value: UnsafeCell::new(MaybeUninit::uninit()),
        }
    }

    /// The value, computed by `init` the first time.
    fn get_or_init(&'static self, init: impl FnOnce() -> T) -> &'static T {
        // SAFETY: single-threaded, and the value is written only while unset, that is before
        // any reference into it was handed out (should `init` itself set it, its value is kept
        // and the second one forgotten, which costs no dropping code).
        unsafe {
            if !*self.set.get() {
                let value = init();
                if *self.set.get() {
                    core::mem::forget(value);
                } else {
                    (*self.value.get()).write(value);
                    *self.set.get() = true;
                }
            }
            (*self.value.get()).assume_init_ref()
        }
    }
}
