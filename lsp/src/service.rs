//! The server as a tower service, with one rule added to tower-lsp-server's: document
//! notifications (`didOpen`, `didChange`, `didClose`) are applied the moment they are read, in
//! the order they arrived. tower-lsp-server runs handlers concurrently (up to 4 at a time), so
//! an edit handled there could wait behind slow requests, or overtake an earlier edit. A request
//! on a document that changed while it was answered gets `ContentModified` instead of an answer
//! about text the editor no longer has.

use std::task::{Context, Poll};

use futures::FutureExt;
use futures::future::{self, BoxFuture};
use tower::Service;
use tower_lsp_server::jsonrpc::{Error, Request, Response};
use tower_lsp_server::ls_types::{
    DidChangeTextDocumentParams, DidCloseTextDocumentParams, DidOpenTextDocumentParams, Uri,
};
use tower_lsp_server::{ClientSocket, ExitedError, LspService};

use crate::server::{Options, Server};

/// The language server, ready to be served over a transport (or driven in-process).
#[derive(Debug)]
pub struct VirtcService {
    inner: LspService<Server>,
}

impl VirtcService {
    /// A server with `options`, and the socket its messages to the client come out of. Must be
    /// called inside a tokio runtime.
    pub fn new(options: Options) -> (VirtcService, ClientSocket) {
        let (inner, socket) = LspService::new(|client| Server::new(client, options));
        (VirtcService { inner }, socket)
    }

    pub fn server(&self) -> &Server {
        self.inner.inner()
    }
}

impl Service<Request> for VirtcService {
    type Response = Option<Response>;
    type Error = ExitedError;
    type Future = BoxFuture<'static, Result<Option<Response>, ExitedError>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), ExitedError>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let server = self.inner.inner();
        let params = || request.params().cloned().unwrap_or_default();
        let applied = match request.method() {
            "textDocument/didOpen" => serde_json::from_value::<DidOpenTextDocumentParams>(params())
                .map(|p| server.open(p))
                .is_ok(),
            "textDocument/didChange" => {
                serde_json::from_value::<DidChangeTextDocumentParams>(params())
                    .map(|p| server.change(p))
                    .is_ok()
            }
            "textDocument/didClose" => {
                serde_json::from_value::<DidCloseTextDocumentParams>(params())
                    .map(|p| server.close(p))
                    .is_ok()
            }
            _ => false,
        };
        if applied {
            return future::ready(Ok(None)).boxed();
        }
        // Requests about a document: remember its version now, compare when answering.
        let document = request.id().and_then(|_| {
            let uri: Uri = request
                .params()?
                .get("textDocument")?
                .get("uri")?
                .as_str()?
                .parse()
                .ok()?;
            let version = server.state.documents().get(&uri)?.version;
            Some((uri, version))
        });
        let state = server.state.clone();
        let answer = self.inner.call(request);
        async move {
            let response = answer.await?;
            if let (Some((uri, version)), Some(response)) = (document, &response)
                && response.is_ok()
                && state.documents().get(&uri).map(|d| d.version) != Some(version)
            {
                let id = response.id().clone();
                return Ok(Some(Response::from_error(id, Error::content_modified())));
            }
            Ok(response)
        }
        .boxed()
    }
}
