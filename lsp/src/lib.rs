//! The language server of virtc (`virtc lsp`): editors get the checker's diagnostics,
//! completion, hover, navigation, quick fixes and formatting over the Language Server Protocol.
//!
//! Modules: [`service`] (the tower service, applying edits in arrival order), `transport`
//! (LSP framing on stdio), `server` (state, capabilities, dispatch), `documents` (open texts,
//! incremental edits, UTF-16 positions), `analysis` (the salsa database, its writer thread and
//! cancellable queries), `convert` (diagnostics for LSP), `paths`, `cursor`, `merge`, `docs`,
//! and one module per request in `handlers`.

mod analysis;
mod convert;
mod cursor;
mod docs;
mod documents;
mod handlers;
mod merge;
mod paths;
mod server;
pub mod service;
#[doc(hidden)]
pub mod testing;
mod transport;

use std::process::ExitCode;

pub use server::Options;
pub use service::VirtcService;
pub use tower_lsp_server::{ClientSocket, jsonrpc, ls_types};

/// Serves the language server on standard input and output until the client says `exit` (or
/// closes the input).
pub fn run_stdio() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("virtc-lsp")
        // Room for deep recursion on pathological input (a parser bug must not kill the
        // server; queries run on these threads' blocking siblings too).
        .thread_stack_size(16 << 20)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the language server: {e}");
            return ExitCode::from(1);
        }
    };
    let ending = runtime.block_on(async {
        let (service, socket) = VirtcService::new(Options::default());
        transport::serve(tokio::io::stdin(), tokio::io::stdout(), service, socket).await
    });
    // Queries still running on blocking threads are not waited for.
    runtime.shutdown_timeout(std::time::Duration::from_millis(100));
    match ending {
        transport::Ending::Clean => ExitCode::SUCCESS,
        // As the protocol says.
        transport::Ending::ExitWithoutShutdown => ExitCode::from(1),
    }
}
