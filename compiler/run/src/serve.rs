//! Serving a component that exports `wasi:http/incoming-handler` over HTTP/1.1, as `wasmtime
//! serve` does: one compiled component and one `ProxyPre`, each request in a fresh store and
//! instance whose host context is built by [`crate::wasi_ctx`], like a command's (a closed
//! stdin, the process's stdout and stderr where the policy allows them).
//!
//! Every request is bounded: wasm yields to the executor at each epoch tick, the response head
//! must come within [`RESPONSE_TIMEOUT`] and `handle` must return within [`HANDLE_TIMEOUT`],
//! after which its instance is dropped. A request the component fails (a trap, no response, an
//! error code) is answered 500 with a generic body, the reason goes to stderr, and the server
//! keeps serving.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::StatusCode;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use virtc::ir::PolicyIr;
use wasmtime::component::{Component, Linker};
use wasmtime::{Config, Engine, Store, UpdateDeadline};
use wasmtime_wasi_http::WasiHttpView;
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p2::bindings::http::types::{ErrorCode, Scheme};
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

use crate::{Calls, Host, RunError, RunOptions, Streams, host_state, link, wasi_ctx};

/// How long a component has to set its response (the head: its body may take longer).
pub const RESPONSE_TIMEOUT: Duration = Duration::from_secs(60);

/// How long one request may hold its instance: after this `handle` is abandoned, its instance
/// dropped, and a response body still being written ends there.
pub const HANDLE_TIMEOUT: Duration = Duration::from_secs(300);

/// How often running wasm yields to the executor.
const TICK: Duration = Duration::from_millis(10);

/// The engine for serving: async calls and epoch interruption, with its ticker thread (apart
/// from [`crate::engine`], whose stores need no deadline). The end-to-end tests' in-process
/// server uses it too.
pub fn serve_engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let mut config = Config::new();
        config.wasm_component_model(true);
        config.epoch_interruption(true);
        let engine = Engine::new(&config).expect("the serving configuration is valid");
        let ticking = engine.clone();
        std::thread::Builder::new()
            .name("virtc-epoch".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(TICK);
                    ticking.increment_epoch();
                }
            })
            .expect("the epoch thread starts");
        engine
    })
}

/// Serves `component` (its composed bytes, exporting `wasi:http/incoming-handler`) under
/// `policy` on `addr` until Ctrl-C. `listening` is called with the bound address (the real
/// port when `addr`'s is 0) once connections are accepted.
///
/// Each request gets what [`crate::run`] gives a command: the environment and arguments the
/// policy passes, the host's `wasi:config` store from `options.host_config`, preopens, the
/// network, outgoing HTTP by the policy (checked again in `send_request`); stdin is closed and
/// stdout and stderr are the process's where allowed (`options.stdio` is not consulted).
pub fn serve(
    policy: &PolicyIr,
    component: &[u8],
    options: &RunOptions,
    addr: SocketAddr,
    listening: impl FnOnce(SocketAddr),
) -> Result<(), RunError> {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            // Without the handler the server runs until killed.
            eprintln!("virtc: cannot listen for Ctrl-C: {e}");
            std::future::pending::<()>().await;
        }
    };
    serve_until(policy, component, options, addr, listening, ctrl_c)
}

/// [`serve`], stopping when `shutdown` completes instead of on Ctrl-C.
pub fn serve_until(
    policy: &PolicyIr,
    component: &[u8],
    options: &RunOptions,
    addr: SocketAddr,
    listening: impl FnOnce(SocketAddr),
    shutdown: impl Future<Output = ()>,
) -> Result<(), RunError> {
    let served = Arc::new(Served::new(policy, component, options)?);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| RunError::Serve {
            why: format!("starting the tokio runtime: {e}"),
        })?;
    let result = runtime.block_on(async move {
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|e| RunError::Listen {
                addr,
                why: e.to_string(),
            })?;
        let bound = listener.local_addr().map_err(|e| RunError::Listen {
            addr,
            why: e.to_string(),
        })?;
        listening(bound);
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                () = &mut shutdown => break,
                accepted = listener.accept() => match accepted {
                    Ok((stream, _)) => {
                        tokio::spawn(connection(served.clone(), stream));
                    }
                    Err(e) => {
                        // Out of descriptors, say: wait a little rather than spin.
                        eprintln!("virtc: accepting a connection failed: {e}");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                },
            }
        }
        Ok(())
    });
    // Requests still running are abandoned (their instances dropped).
    runtime.shutdown_timeout(Duration::from_secs(1));
    result
}

/// A component ready to serve, and what each request's host context is built from.
struct Served {
    pre: ProxyPre<Host>,
    policy: PolicyIr,
    options: RunOptions,
}

/// Why a request is answered by the server instead of the component.
struct Refusal {
    status: StatusCode,
    why: String,
}

impl Refusal {
    fn internal(why: impl Into<String>) -> Refusal {
        Refusal {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            why: why.into(),
        }
    }
}

impl Served {
    fn new(policy: &PolicyIr, component: &[u8], options: &RunOptions) -> Result<Served, RunError> {
        // Directories that cannot be opened fail now, not at the first request.
        wasi_ctx(policy, options, Streams::Inherit { stdin: false })?;
        let engine = serve_engine();
        let component = Component::new(engine, component).map_err(|e| RunError::Compile {
            why: format!("{e:#}"),
        })?;
        let mut linker: Linker<Host> = Linker::new(engine);
        link(&mut linker, policy, Calls::Async, options.trace.as_ref())?;
        let pre = linker
            .instantiate_pre(&component)
            .map_err(|e| RunError::Serve {
                why: format!("{e:#}"),
            })?;
        let pre = ProxyPre::new(pre).map_err(|e| RunError::Serve {
            why: format!("{e:#}"),
        })?;
        Ok(Served {
            pre,
            policy: policy.clone(),
            options: options.clone(),
        })
    }

    /// Answers `request`: the component's response, or the server's when it fails.
    async fn handle(
        self: Arc<Self>,
        request: hyper::Request<Incoming>,
    ) -> hyper::Response<HyperOutgoingBody> {
        let label = format!(
            "{} {}",
            request.method(),
            request.uri().path_and_query().map_or("/", |p| p.as_str())
        );
        match self.respond(request, &label).await {
            Ok(response) => response,
            Err(refusal) => {
                eprintln!("virtc: {label}: {}", refusal.why);
                plain(refusal.status)
            }
        }
    }

    async fn respond(
        &self,
        request: hyper::Request<Incoming>,
        label: &str,
    ) -> Result<hyper::Response<HyperOutgoingBody>, Refusal> {
        if request.uri().authority().is_none()
            && !request.headers().contains_key(hyper::header::HOST)
        {
            return Err(Refusal {
                status: StatusCode::BAD_REQUEST,
                why: "the request has no host".into(),
            });
        }
        let ctx = wasi_ctx(
            &self.policy,
            &self.options,
            Streams::Inherit { stdin: false },
        )
        .map_err(|e| Refusal::internal(e.to_string()))?;
        let mut store = Store::new(
            self.pre.engine(),
            host_state(&self.policy, &self.options, ctx),
        );
        store.epoch_deadline_callback(|_| Ok(UpdateDeadline::Yield(1)));
        store.set_epoch_deadline(1);
        let incoming = store
            .data_mut()
            .http()
            .new_incoming_request(Scheme::Http, request)
            .map_err(|e| Refusal {
                status: StatusCode::BAD_REQUEST,
                why: format!("{e:#}"),
            })?;
        let (sender, receiver) = oneshot::channel();
        let outparam = store
            .data_mut()
            .http()
            .new_response_outparam(sender)
            .map_err(|e| Refusal::internal(format!("{e:#}")))?;

        // `handle` runs in its own task: the component keeps writing the body after it has set
        // the response, while hyper sends it.
        let pre = self.pre.clone();
        let task = tokio::spawn(async move {
            let call = async {
                let proxy = pre
                    .instantiate_async(&mut store)
                    .await
                    .map_err(|e| format!("instantiating the component failed: {e:#}"))?;
                proxy
                    .wasi_http_incoming_handler()
                    .call_handle(&mut store, incoming, outparam)
                    .await
                    .map_err(|e| format!("the component trapped: {e:#}"))
            };
            match tokio::time::timeout(HANDLE_TIMEOUT, call).await {
                Ok(result) => result,
                Err(_) => Err(format!(
                    "handle did not return within {HANDLE_TIMEOUT:?}; its instance was dropped"
                )),
            }
        });

        let answer = match tokio::time::timeout(RESPONSE_TIMEOUT, receiver).await {
            Ok(answer) => answer,
            Err(_) => {
                task.abort();
                return Err(Refusal::internal(format!(
                    "no response within {RESPONSE_TIMEOUT:?}; the instance was dropped"
                )));
            }
        };
        match answer {
            Ok(Ok(response)) => {
                // What goes wrong while the body is written is only logged now.
                let label = label.to_string();
                tokio::spawn(async move {
                    if let Ok(Err(why)) = task.await {
                        eprintln!("virtc: {label}: after the response head: {why}");
                    }
                });
                Ok(response)
            }
            Ok(Err(code)) => {
                let label = label.to_string();
                tokio::spawn(async move {
                    if let Ok(Err(why)) = task.await {
                        eprintln!("virtc: {label}: {why}");
                    }
                });
                Err(Refusal::internal(format!(
                    "the component answered with an error: {}",
                    error_code(&code)
                )))
            }
            // The outparam was dropped unset: `handle` has returned or trapped.
            Err(_) => Err(Refusal::internal(match task.await {
                Ok(Ok(())) => "the component returned without setting a response".to_string(),
                Ok(Err(why)) => why,
                Err(e) => format!("the request's task failed: {e}"),
            })),
        }
    }
}

/// `ErrorCode`'s debug form, which names the case.
fn error_code(code: &ErrorCode) -> String {
    format!("{code:?}")
}

/// A response from the server itself: the status and its reason as text.
fn plain(status: StatusCode) -> hyper::Response<HyperOutgoingBody> {
    let text = format!(
        "{} {}\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or("")
    );
    let body: HyperOutgoingBody = Full::new(Bytes::from(text))
        .map_err(|never: Infallible| match never {})
        .boxed_unsync();
    let mut response = hyper::Response::new(body);
    *response.status_mut() = status;
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// Serves one connection (HTTP/1.1, keep-alive), each request in a fresh instance.
async fn connection(served: Arc<Served>, stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    let service = service_fn(move |request| {
        let served = served.clone();
        async move { Ok::<_, Infallible>(served.handle(request).await) }
    });
    // A client that goes away, or a body the component leaves unfinished (already logged),
    // ends the connection: nothing more to say.
    let _ = http1::Builder::new()
        // Bounds how long a client may take to send a request's head.
        .timer(TokioTimer::new())
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), service)
        .await;
}
