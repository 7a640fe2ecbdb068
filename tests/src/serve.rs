//! Serves a component exporting `wasi:http/incoming-handler` in-process, through
//! `wasmtime-wasi-http`: no listener, one request at a time, each in a fresh store (as `wasmtime
//! serve` does), with the host context built like `virtc_run` builds it — captured stdout and
//! stderr, a closed stdin, exactly the environment variables given, no directories, the network
//! only when asked for.
//!
//! Every wait is bounded ([`ServeHost::timeout`]): a component that never answers, or never
//! finishes its body, fails the request instead of hanging the test. Wasm code yields to the
//! executor at every epoch tick, so a spinning component is stopped too.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use anyhow::{Context as _, Result, anyhow, bail};
use http_body_util::BodyExt;
use hyper::body::{Body, Bytes, Frame};
use tokio::sync::oneshot;
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Engine, Store, UpdateDeadline};
use wasmtime_wasi::p2::pipe::{ClosedInputStream, MemoryOutputPipe};
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p2::bindings::http::types::{ErrorCode, Scheme};
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

/// The size of the frames a request body is sent in.
const FRAME: usize = 64 * 1024;

/// What the host grants the served component.
#[derive(Debug, Clone)]
pub struct ServeHost {
    /// The host environment, passed to the component's context as it is (whether the component
    /// sees it is up to its adapter).
    pub env: Vec<(String, String)>,
    /// Grants `wasi:sockets`: TCP and UDP to every address, and name lookups (what `allow
    /// sockets;` passes through).
    pub sockets: bool,
    /// The bound on each request: the response, its whole body and the end of `handle`.
    pub timeout: Duration,
}

impl Default for ServeHost {
    fn default() -> Self {
        ServeHost {
            env: Vec::new(),
            sockets: false,
            timeout: Duration::from_secs(30),
        }
    }
}

impl ServeHost {
    /// A host with these environment variables.
    pub fn with_env(env: &[(&str, &str)]) -> ServeHost {
        ServeHost {
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..ServeHost::default()
        }
    }
}

/// A request to serve.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// The path with its query, e.g. `/a/b?c=d`.
    pub path: String,
    pub headers: Vec<(String, String)>,
    /// Sent in frames of 64 KiB.
    pub body: Vec<u8>,
    /// After its body the request neither ends nor sends more (to test that waits are bounded).
    pub stall: bool,
}

impl Request {
    pub fn get(path: &str) -> Request {
        Request {
            method: "GET".into(),
            path: path.into(),
            headers: Vec::new(),
            body: Vec::new(),
            stall: false,
        }
    }

    pub fn post(path: &str, body: impl Into<Vec<u8>>) -> Request {
        Request {
            method: "POST".into(),
            path: path.into(),
            headers: Vec::new(),
            body: body.into(),
            stall: false,
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Request {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Makes the body stall after its bytes instead of ending.
    pub fn stalled(mut self) -> Request {
        self.stall = true;
        self
    }
}

/// The response, and what the component wrote while serving it.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    /// Header names in lower case, in the order the response has them.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl Response {
    /// The first value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

struct State {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    table: ResourceTable,
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for State {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: Default::default(),
        }
    }
}

/// The engine for serving: async calls and epoch interruption, so that wasm yields to the
/// executor every tick (a spinning component can then be abandoned) — `virtc run`'s own.
pub fn engine() -> &'static Engine {
    virtc_run::serve_engine()
}

/// A component ready to serve requests.
pub struct Server {
    pre: ProxyPre<State>,
    host: ServeHost,
    /// Taken on drop, to shut down without waiting for a stuck task.
    runtime: Option<tokio::runtime::Runtime>,
}

impl Server {
    /// Compiles and links `component` (which must export `wasi:http/incoming-handler`; its
    /// imports are served from wasmtime's full WASI 0.2 and `wasi:http`).
    pub fn new(component: &[u8], host: ServeHost) -> Result<Server> {
        let engine = engine();
        let component = Component::new(engine, component)
            .map_err(|e| anyhow!("wasmtime cannot compile the component: {e:#}"))?;
        let mut linker: Linker<State> = Linker::new(engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)
            .map_err(|e| anyhow!("linking WASI failed: {e:#}"))?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)
            .map_err(|e| anyhow!("linking WASI HTTP failed: {e:#}"))?;
        let pre = linker
            .instantiate_pre(&component)
            .map_err(|e| anyhow!("the component's imports cannot be satisfied: {e:#}"))?;
        let pre = ProxyPre::new(pre).map_err(|e| {
            anyhow!("the component does not export wasi:http/incoming-handler: {e:#}")
        })?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .context("starting a tokio runtime")?;
        Ok(Server {
            pre,
            host,
            runtime: Some(runtime),
        })
    }

    fn runtime(&self) -> &tokio::runtime::Runtime {
        self.runtime.as_ref().expect("the runtime lives until drop")
    }

    /// Serves one request in a fresh instance.
    pub fn handle(&self, request: Request) -> Result<Response> {
        let stdout = MemoryOutputPipe::new(64 << 20);
        let stderr = MemoryOutputPipe::new(64 << 20);
        let mut wasi = WasiCtxBuilder::new();
        wasi.stdin(ClosedInputStream)
            .stdout(stdout.clone())
            .stderr(stderr.clone());
        for (name, value) in &self.host.env {
            wasi.env(name, value);
        }
        if self.host.sockets {
            // wasmtime 48 refuses TCP and UDP unless they are allowed besides the addresses.
            wasi.inherit_network()
                .allow_tcp(true)
                .allow_udp(true)
                .allow_ip_name_lookup(true);
        }
        let mut store = Store::new(
            self.pre.engine(),
            State {
                wasi: wasi.build(),
                http: WasiHttpCtx::new(),
                table: ResourceTable::new(),
            },
        );
        store.epoch_deadline_callback(|_| Ok(UpdateDeadline::Yield(1)));
        store.set_epoch_deadline(1);

        let mut builder = hyper::Request::builder()
            .method(request.method.as_str())
            .uri(format!("http://localhost{}", request.path));
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        let hyper_request = builder
            .body(Frames {
                body: request.body.into(),
                stall: request.stall,
            })
            .context("building the request")?;
        let incoming = store
            .data_mut()
            .http()
            .new_incoming_request(Scheme::Http, hyper_request)
            .map_err(|e| anyhow!("new_incoming_request: {e:#}"))?;
        let (sender, receiver) = oneshot::channel();
        let outparam = store
            .data_mut()
            .http()
            .new_response_outparam(sender)
            .map_err(|e| anyhow!("new_response_outparam: {e:#}"))?;

        let pre = self.pre.clone();
        let timeout = self.host.timeout;
        let outcome = self.runtime().block_on(async {
            // `handle` runs in its own task: the guest keeps writing the body after it has set
            // the response, while this task reads it.
            let task = tokio::spawn(async move {
                let proxy = pre
                    .instantiate_async(&mut store)
                    .await
                    .map_err(|e| anyhow!("instantiating: {e:#}"))?;
                proxy
                    .wasi_http_incoming_handler()
                    .call_handle(&mut store, incoming, outparam)
                    .await
                    .map_err(|e| anyhow!("handle trapped: {e:#}"))
            });
            let abort = task.abort_handle();
            let result = respond(task, receiver, timeout).await;
            // A component stuck in wasm yields at the next epoch tick and is dropped here.
            abort.abort();
            result
        });
        match outcome {
            Ok(mut response) => {
                response.stdout = stdout.contents().to_vec();
                response.stderr = stderr.contents().to_vec();
                Ok(response)
            }
            Err(e) => Err(anyhow!(
                "{e:#}\n--- stdout:\n{}\n--- stderr:\n{}",
                String::from_utf8_lossy(&stdout.contents()),
                String::from_utf8_lossy(&stderr.contents())
            )),
        }
    }
}

/// Waits for the response, its body and the end of `handle`, all within `timeout`.
async fn respond(
    task: tokio::task::JoinHandle<Result<()>>,
    receiver: oneshot::Receiver<Result<hyper::Response<HyperOutgoingBody>, ErrorCode>>,
    timeout: Duration,
) -> Result<Response> {
    let deadline = tokio::time::Instant::now() + timeout;
    let response = match tokio::time::timeout_at(deadline, receiver).await {
        Err(_) => bail!("no response within {timeout:?}"),
        Ok(Ok(Ok(response))) => response,
        Ok(Ok(Err(code))) => bail!("the component answered with an error: {code:?}"),
        // The outparam was dropped unset: the task's result says why.
        Ok(Err(_)) => {
            return match tokio::time::timeout_at(deadline, task).await {
                Err(_) => Err(anyhow!("no response within {timeout:?}")),
                Ok(Ok(Ok(()))) => Err(anyhow!("the component never set a response")),
                Ok(Ok(Err(e))) => Err(e.context("no response")),
                Ok(Err(e)) => Err(anyhow!("the handle task failed: {e}")),
            };
        }
    };
    let (parts, body) = response.into_parts();
    let headers = parts
        .headers
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_string(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    let body = match tokio::time::timeout_at(deadline, body.collect()).await {
        Err(_) => bail!("the response body did not end within {timeout:?}"),
        Ok(Err(e)) => bail!("the response body failed: {e:?}"),
        Ok(Ok(collected)) => collected.to_bytes().to_vec(),
    };
    match tokio::time::timeout_at(deadline, task).await {
        Err(_) => bail!("handle did not return within {timeout:?}"),
        Ok(Ok(Ok(()))) => {}
        Ok(Ok(Err(e))) => return Err(e.context("after the response")),
        Ok(Err(e)) => bail!("the handle task failed: {e}"),
    }
    Ok(Response {
        status: parts.status.as_u16(),
        headers,
        body,
        stdout: Vec::new(),
        stderr: Vec::new(),
    })
}

impl Drop for Server {
    fn drop(&mut self) {
        // Never wait long for a task that is stuck.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_timeout(Duration::from_secs(1));
        }
    }
}

/// Serves one request with a fresh [`Server`].
pub fn serve(component: &[u8], host: &ServeHost, request: Request) -> Result<Response> {
    Server::new(component, host.clone())?.handle(request)
}

/// A request body sent in frames of [`FRAME`] bytes.
struct Frames {
    body: Bytes,
    stall: bool,
}

impl Body for Frames {
    type Data = Bytes;
    type Error = wasmtime_wasi_http::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if self.body.is_empty() {
            // A stalled body never wakes its reader again.
            return if self.stall {
                Poll::Pending
            } else {
                Poll::Ready(None)
            };
        }
        let n = self.body.len().min(FRAME);
        let frame = self.body.split_to(n);
        Poll::Ready(Some(Ok(Frame::data(frame))))
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_empty() && !self.stall
    }
}
