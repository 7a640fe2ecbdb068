//! The two serving roles of this module (world `virtc:adapter/server`): the *mailbox*, which
//! holds the host's incoming request for a moment, and the *server*, which the host calls. They
//! let a request reach the component through the adapter instance that owns its
//! `wasi:http/types` without an instantiation cycle; `wit/adapter.wit` and
//! `compiler/src/codegen/compose.rs` describe the shape.

use core::cell::UnsafeCell;

use crate::bindings::server::exports::virtc::adapter::http_mailbox;
use crate::bindings::server::exports::wasi::http::incoming_handler;
use crate::bindings::server::virtc::adapter::{
    guest_accept, guest_handler, http_mailbox as mailbox,
};
use crate::bindings::server::wasi::http::types::{IncomingRequest, ResponseOutparam};
use crate::trap;

/// The type the serving interfaces are implemented on.
struct Server;

crate::bindings::server::export!(Server with_types_in crate::bindings::server);

/// The request waiting in the mailbox instance.
struct Slot(UnsafeCell<Option<(IncomingRequest, ResponseOutparam)>>);

// SAFETY: wasm32 without threads; nothing here is ever shared across threads.
unsafe impl Sync for Slot {}

static WAITING: Slot = Slot(UnsafeCell::new(None));

impl http_mailbox::Guest for Server {
    fn put(request: IncomingRequest, response_out: ResponseOutparam) {
        // SAFETY: single-threaded, and no reference into the slot outlives this call.
        let slot = unsafe { &mut *WAITING.0.get() };
        if slot.is_some() {
            trap();
        }
        *slot = Some((request, response_out));
    }

    fn take() -> (IncomingRequest, ResponseOutparam) {
        // SAFETY: as in `put`.
        let slot = unsafe { &mut *WAITING.0.get() };
        slot.take().unwrap_or_else(|| trap())
    }
}

impl incoming_handler::Guest for Server {
    fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
        mailbox::put(request, response_out);
        let (request, response_out) = guest_accept::accept();
        guest_handler::handle(request, response_out);
    }
}
