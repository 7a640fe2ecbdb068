//! `wasi:cli/exit`: forwarded to the host when allowed, a trap otherwise.

use crate::bindings::exports::wasi::cli::exit as api;
use crate::bindings::wasi::cli::exit as host;
use crate::{Adapter, policy, trap};

impl api::Guest for Adapter {
    fn exit(status: Result<(), ()>) {
        trace!(
            "wasi:cli/exit#exit({})",
            if status.is_ok() { "ok" } else { "error" }
        );
        policy::require_host(policy::get().exit);
        host::exit(status);
        // The host's exit does not return; if one did, the component still must not go on.
        trap()
    }

    fn exit_with_code(status_code: u8) {
        trace!("wasi:cli/exit#exit-with-code({status_code})");
        // The host's `exit-with-code` is not imported: hosts older than 0.2.12 lack it. Exit
        // codes beyond success and failure are lost.
        Self::exit(if status_code == 0 { Ok(()) } else { Err(()) })
    }
}
