//! Runs a composed component in an embedded wasmtime whose host context grants exactly what the
//! policy passes through: host variables only by `env allow`, the host's streams only where a
//! stream is allowed, the network as `allow sockets` or the address rules say, outgoing HTTP
//! only by `allow http` or the URL rules (checked again here, in wasmtime-wasi-http's
//! `send_request` hook), no directories. A command (`wasi:cli/run`) runs once ([`run`]); an HTTP
//! handler (`wasi:http/incoming-handler`) is served over HTTP/1.1, each request in a fresh
//! instance whose host context is built by the same function ([`serve`]). It lives apart from the
//! `virtc` library so that the compiler and the language server never link wasmtime; `virtc run`
//! and the end-to-end tests share it.

use std::sync::{Arc, OnceLock};

use virtc_policy::net::{HostUse, NetAccess, Network};
use virtc_policy::{Access, Args, HttpAccess, StreamMode};
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Config, Engine, Store};
use wasmtime_wasi::p2::pipe::{
    ClosedInputStream, MemoryInputPipe, MemoryOutputPipe, SinkOutputStream,
};
use wasmtime_wasi::sockets::SocketAddrUse;
use wasmtime_wasi::{FsPerms, I32Exit, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};
use wasmtime_wasi_config::{WasiConfig, WasiConfigVariables};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

mod http_rules;
mod serve;
pub use http_rules::RuleHooks;
pub use serve::{HANDLE_TIMEOUT, RESPONSE_TIMEOUT, serve, serve_engine, serve_until};

use virtc::ir::PolicyIr;

/// What can stop a component from running, typed per step; wasmtime's own message is kept as
/// the reason (it names the import or type at fault).
#[derive(Debug, Clone)]
pub enum RunError {
    /// wasmtime cannot compile the composed component.
    Compile { why: String },
    /// A directory the policy passes through cannot be opened on the host.
    Directory {
        dir: String,
        /// What the directory is for: a `preopen`, or the directory of a host `file`.
        role: DirectoryRole,
        why: String,
    },
    /// WASI or wasi:http cannot be added to the linker.
    Link { what: &'static str, why: String },
    /// The component cannot be instantiated as a command.
    Instantiate { why: String },
    /// The bytes cannot be read for their exports.
    Exports { why: String },
    /// The component cannot be served: its imports cannot be satisfied, or its
    /// `wasi:http/incoming-handler` export does not have the expected type.
    Serve { why: String },
    /// The address to serve on cannot be listened on.
    Listen {
        addr: std::net::SocketAddr,
        why: String,
    },
}

/// Why `virtc run` opens a host directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirectoryRole {
    Preopen,
    HostFile,
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::Compile { why } => write!(f, "wasmtime cannot compile the component: {why}"),
            RunError::Directory { dir, role, why } => match role {
                DirectoryRole::Preopen => {
                    write!(f, "cannot open the preopened directory `{dir}`: {why}")
                }
                DirectoryRole::HostFile => {
                    write!(f, "cannot open the directory `{dir}` of a host file: {why}")
                }
            },
            RunError::Link { what, why } => write!(f, "linking {what} failed: {why}"),
            RunError::Instantiate { why } => write!(
                f,
                "the component cannot be instantiated (is it a command exporting wasi:cli/run?): {why}"
            ),
            RunError::Exports { why } => {
                write!(f, "the component's exports cannot be read: {why}")
            }
            RunError::Serve { why } => write!(
                f,
                "the component cannot be served as a wasi:http/incoming-handler: {why}"
            ),
            RunError::Listen { addr, why } => write!(f, "cannot listen on {addr}: {why}"),
        }
    }
}

impl std::error::Error for RunError {}

/// Where the component's standard streams go (a command's; see [`serve`] for a server's).
#[derive(Debug, Clone)]
pub enum Stdio {
    /// The host process's own streams (for `virtc run`).
    Inherit,
    /// In memory: this input, outputs captured (for tests).
    Capture { stdin: Vec<u8> },
}

/// What a component exports that `virtc run` can start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Exports {
    /// `wasi:cli/run` (any version): a command, [`run`].
    pub command: bool,
    /// `wasi:http/incoming-handler` (any version): an HTTP handler, [`serve`].
    pub http_handler: bool,
}

/// Reads the top-level exports of the component `bytes` (cheaply: nothing is compiled).
pub fn exports(bytes: &[u8]) -> Result<Exports, RunError> {
    use wasmparser::{Parser, Payload};
    let mut found = Exports::default();
    // Nested modules and components come inline, each between its `Version` and its `End`.
    let mut depth = 0usize;
    for payload in Parser::new(0).parse_all(bytes) {
        let payload = payload.map_err(|e| RunError::Exports { why: e.to_string() })?;
        match payload {
            Payload::Version { .. } => depth += 1,
            Payload::End(_) => depth = depth.saturating_sub(1),
            Payload::ComponentExportSection(reader) if depth == 1 => {
                for export in reader {
                    let export = export.map_err(|e| RunError::Exports { why: e.to_string() })?;
                    let name = export.name.name;
                    let unversioned = name.split_once('@').map_or(name, |(n, _)| n);
                    match unversioned {
                        "wasi:cli/run" => found.command = true,
                        "wasi:http/incoming-handler" => found.http_handler = true,
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    Ok(found)
}

/// How to run (a command), or what each request of a served component is given.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The program name, seen as the first argument when arguments pass through.
    pub program: String,
    pub args: Vec<String>,
    /// The host environment the policy may pass variables from.
    pub host_env: Vec<(String, String)>,
    /// The host's `wasi:config/store` (`wasi:config/store@0.2.0-rc.1`, linked only where the
    /// policy passes config keys through).
    pub host_config: Vec<(String, String)>,
    pub stdio: Stdio,
    /// Where the lines of a component compiled with [`virtc::Trace::Sink`] go: they come
    /// through `virtc:adapter/trace`, which is linked only when this is set.
    pub trace: Option<TraceSink>,
}

/// Receives each line (without its newline) a traced adapter writes to `virtc:adapter/trace`.
#[derive(Clone)]
pub struct TraceSink(pub Arc<dyn Fn(&str) + Send + Sync>);

impl TraceSink {
    pub fn new(f: impl Fn(&str) + Send + Sync + 'static) -> TraceSink {
        TraceSink(Arc::new(f))
    }
}

impl std::fmt::Debug for TraceSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TraceSink")
    }
}

/// How the component ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// `run` returned, or the component called exit: 0 for success.
    Exited(i32),
    /// The component trapped; the message is wasmtime's.
    Trapped(String),
}

/// What happened.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub status: Status,
    /// Captured output (empty with `Stdio::Inherit`).
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

struct Host {
    ctx: WasiCtx,
    http: WasiHttpCtx,
    hooks: RuleHooks,
    config: WasiConfigVariables,
    table: ResourceTable,
}

impl WasiHttpView for Host {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.hooks,
        }
    }
}

impl WasiView for Host {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.ctx,
            table: &mut self.table,
        }
    }
}

/// One engine for the process: compiling is the expensive part, engines are cheap to share.
pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let mut config = Config::new();
        config.wasm_component_model(true);
        Engine::new(&config).expect("default wasmtime configuration is valid")
    })
}

/// Compiles the component (separately, so callers can reuse it).
pub fn load(bytes: &[u8]) -> Result<Component, RunError> {
    Component::new(engine(), bytes).map_err(|e| RunError::Compile {
        why: format!("{e:#}"),
    })
}

/// Runs `component` (a command) under `policy`.
pub fn run(
    policy: &PolicyIr,
    component: &Component,
    options: &RunOptions,
) -> Result<Outcome, RunError> {
    let stdout = MemoryOutputPipe::new(usize::MAX / 2);
    let stderr = MemoryOutputPipe::new(usize::MAX / 2);
    let streams = match &options.stdio {
        Stdio::Inherit => Streams::Inherit { stdin: true },
        Stdio::Capture { stdin } => Streams::Capture {
            stdin,
            stdout: &stdout,
            stderr: &stderr,
        },
    };
    let ctx = wasi_ctx(policy, options, streams)?;
    let mut store = Store::new(engine(), host_state(policy, options, ctx));
    let mut linker: Linker<Host> = Linker::new(engine());
    link(&mut linker, policy, Calls::Sync, options.trace.as_ref())?;
    let command =
        wasmtime_wasi::p2::bindings::sync::Command::instantiate(&mut store, component, &linker)
            .map_err(|e| RunError::Instantiate {
                why: format!("{e:#}"),
            })?;
    let status = match command.wasi_cli_run().call_run(&mut store) {
        Ok(Ok(())) => Status::Exited(0),
        Ok(Err(())) => Status::Exited(1),
        Err(e) => match e.downcast_ref::<I32Exit>() {
            Some(exit) => Status::Exited(exit.0),
            None => Status::Trapped(format!("{e:#}")),
        },
    };
    Ok(Outcome {
        status,
        stdout: stdout.contents().to_vec(),
        stderr: stderr.contents().to_vec(),
    })
}

/// The host's standard streams as given to one context.
enum Streams<'a> {
    /// The process's own stdout and stderr where allowed; its stdin where allowed and `stdin`
    /// (a served request never reads the terminal).
    Inherit { stdin: bool },
    /// In memory.
    Capture {
        stdin: &'a [u8],
        stdout: &'a MemoryOutputPipe,
        stderr: &'a MemoryOutputPipe,
    },
}

/// The WASI context granting exactly what `policy` passes through: the one place that decides,
/// for a command and for every request of a served component alike.
fn wasi_ctx(
    policy: &PolicyIr,
    options: &RunOptions,
    streams: Streams<'_>,
) -> Result<WasiCtx, RunError> {
    let runtime = &policy.runtime;
    let mut builder = WasiCtxBuilder::new();
    for (name, value) in &options.host_env {
        if policy.env_host || runtime.env.passes(name) {
            builder.env(name, value);
        }
    }
    if policy.env_host || runtime.env.args == Args::Host {
        builder.arg(&options.program);
        for arg in &options.args {
            builder.arg(arg);
        }
    }
    let mut stdio = runtime.stdio;
    // A traced output (`virtc compile --trace`) writes its trace to the host's stderr.
    if runtime.trace == virtc_policy::Trace::Stderr {
        stdio.stderr = StreamMode::Host;
    }
    // Streams not set here are wasmtime's defaults: an empty stdin, outputs that discard.
    match streams {
        Streams::Inherit { stdin } => {
            if stdin && stdio.stdin == StreamMode::Host {
                builder.inherit_stdin();
            } else {
                builder.stdin(ClosedInputStream);
            }
            if stdio.stdout == StreamMode::Host {
                builder.inherit_stdout();
            }
            if stdio.stderr == StreamMode::Host {
                builder.inherit_stderr();
            }
        }
        Streams::Capture {
            stdin,
            stdout,
            stderr,
        } => {
            if stdio.stdin == StreamMode::Host {
                builder.stdin(MemoryInputPipe::new(stdin.to_vec()));
            } else {
                builder.stdin(ClosedInputStream);
            }
            if stdio.stdout == StreamMode::Host {
                builder.stdout(stdout.clone());
            } else {
                builder.stdout(SinkOutputStream);
            }
            if stdio.stderr == StreamMode::Host {
                builder.stderr(stderr.clone());
            } else {
                builder.stderr(SinkOutputStream);
            }
        }
    }
    // Host directories only by `preopen`, named by their host path as the adapter expects.
    for preopen in &policy.preopens {
        let perms = if preopen.readonly {
            FsPerms::ReadOnly
        } else {
            FsPerms::ReadWrite
        };
        let name = preopen.host.display().to_string();
        builder
            .preopened_dir(&preopen.host, &name, perms)
            .map_err(|e| RunError::Directory {
                dir: name.clone(),
                role: DirectoryRole::Preopen,
                why: e.to_string(),
            })?;
    }
    // The directories of host files, named by their path; the adapter exposes only the file.
    let mut dirs: Vec<(&str, bool)> = Vec::new();
    for f in &runtime.files.host_files {
        match dirs.iter_mut().find(|(d, _)| *d == f.dir) {
            Some((_, readonly)) => *readonly &= f.readonly,
            None => dirs.push((&f.dir, f.readonly)),
        }
    }
    for (dir, readonly) in dirs {
        if policy
            .preopens
            .iter()
            .any(|p| p.host.display().to_string() == dir)
        {
            continue;
        }
        let perms = if readonly {
            FsPerms::ReadOnly
        } else {
            FsPerms::ReadWrite
        };
        builder
            .preopened_dir(dir, dir, perms)
            .map_err(|e| RunError::Directory {
                dir: dir.to_string(),
                role: DirectoryRole::HostFile,
                why: e.to_string(),
            })?;
    }
    grant_network(&mut builder, &runtime.net);
    Ok(builder.build())
}

/// A store's data: `ctx`, outgoing HTTP checked by the policy's rules, the host's config store.
fn host_state(policy: &PolicyIr, options: &RunOptions, ctx: WasiCtx) -> Host {
    Host {
        ctx,
        http: WasiHttpCtx::new(),
        hooks: RuleHooks::new(&policy.runtime.http),
        config: WasiConfigVariables::from_iter(options.host_config.iter().cloned()),
        table: ResourceTable::new(),
    }
}

/// How the linked host functions are called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Calls {
    /// A command, run on this thread.
    Sync,
    /// A served request, on tokio: also links `wasi:http/types`, which every incoming request
    /// needs whatever the policy says about outgoing requests.
    Async,
}

/// Links WASI, the host's config store where keys pass through, outgoing HTTP only by
/// `allow http` or URL rules, and the trace sink when there is one.
fn link(
    linker: &mut Linker<Host>,
    policy: &PolicyIr,
    calls: Calls,
    trace: Option<&TraceSink>,
) -> Result<(), RunError> {
    if let Some(sink) = trace {
        let sink = sink.clone();
        linker
            .root()
            .instance("virtc:adapter/trace")
            .and_then(|mut instance| {
                instance.func_wrap("line", move |_, (text,): (String,)| {
                    (sink.0)(&text);
                    Ok(())
                })
            })
            .map_err(|e| RunError::Link {
                what: "virtc:adapter/trace",
                why: format!("{e:#}"),
            })?;
    }
    let wasi = match calls {
        Calls::Sync => wasmtime_wasi::p2::add_to_linker_sync(linker),
        Calls::Async => wasmtime_wasi::p2::add_to_linker_async(linker),
    };
    wasi.map_err(|e| RunError::Link {
        what: "WASI",
        why: format!("{e:#}"),
    })?;
    let config = &policy.runtime.config;
    if config.access == Access::Host || config.needs_host() {
        wasmtime_wasi_config::add_to_linker(linker, |host: &mut Host| {
            WasiConfig::from(&host.config)
        })
        .map_err(|e| RunError::Link {
            what: "wasi:config",
            why: format!("{e:#}"),
        })?;
    }
    let outgoing = policy.runtime.http.access != HttpAccess::Deny;
    let http = match (calls, outgoing) {
        (Calls::Sync, false) => Ok(()),
        (Calls::Sync, true) => wasmtime_wasi_http::p2::add_only_http_to_linker_sync(linker),
        (Calls::Async, true) => wasmtime_wasi_http::p2::add_only_http_to_linker_async(linker),
        (Calls::Async, false) => {
            use wasmtime_wasi_http::p2::bindings::{LinkOptions, http::types};
            let options = LinkOptions::default();
            types::add_to_linker::<_, wasmtime_wasi_http::WasiHttp>(
                linker,
                &options.into(),
                <Host as WasiHttpView>::http,
            )
        }
    };
    http.map_err(|e| RunError::Link {
        what: "wasi:http",
        why: format!("{e:#}"),
    })
}

/// Grants the host's network as the policy does, so that a rule holds twice: inside the
/// component (the adapter, which also pins names to the addresses they resolved to) and here,
/// by wasmtime's own check, which is coarser (see [`Network::host_allows`]).
fn grant_network(builder: &mut WasiCtxBuilder, net: &Network) {
    match net.access {
        NetAccess::Deny => {}
        NetAccess::Host => {
            // wasmtime 48 refuses TCP and UDP unless told otherwise, even with every address
            // allowed.
            builder.inherit_network();
            builder.allow_tcp(true);
            builder.allow_udp(true);
            builder.allow_ip_name_lookup(true);
        }
        NetAccess::Rules => {
            let rules = Arc::new(net.clone());
            builder.socket_addr_check(move |addr, used| {
                let (ip, port) = (addr.ip(), addr.port());
                let allowed = match used {
                    SocketAddrUse::TcpBind | SocketAddrUse::TcpListen => {
                        rules.host_allows(ip, port, HostUse::TcpBind)
                    }
                    SocketAddrUse::TcpAccept => true,
                    SocketAddrUse::TcpConnect => rules.host_allows(ip, port, HostUse::TcpConnect),
                    SocketAddrUse::UdpBind => rules.host_allows(ip, port, HostUse::UdpBind),
                    SocketAddrUse::UdpSend | SocketAddrUse::UdpReceive => {
                        rules.host_allows(ip, port, HostUse::UdpSend)
                    }
                };
                Box::pin(async move { allowed })
            });
            builder.allow_tcp(net.has_tcp());
            builder.allow_udp(net.has_udp());
            builder.allow_ip_name_lookup(net.resolves_names());
        }
    }
}
