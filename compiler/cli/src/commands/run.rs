//! `virtc run`: compose in memory and run the result in the embedded wasmtime (`virtc-run`),
//! whose host grants exactly what the policy passes through: a command runs once, an HTTP
//! handler is served until Ctrl-C.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use std::sync::Mutex;
use virtc::db::Database;
use virtc::driver::{Failure, InputError};

use virtc_run::{RunOptions, Status, Stdio, TraceSink};

use crate::report::Reporter;

/// Where a served component listens unless `--addr` says otherwise.
const DEFAULT_ADDR: &str = "127.0.0.1:8080";

/// Compose in memory and run the result in an embedded wasmtime: a command runs, an HTTP
/// handler is served.
#[derive(Args, Debug)]
#[command(after_help = "\
A component exporting wasi:cli/run is run as a command: it exits with the component's exit
code, or 134 when it traps. A component exporting wasi:http/incoming-handler is served over
HTTP/1.1 on --addr, as `wasmtime serve` does: each request in a fresh instance, a request whose
component traps (or sets no response within 60 s) answered 500 while the server keeps serving.
It prints `virtc: serving http://ADDR` (the address bound) once listening and stops on Ctrl-C,
exiting 0. A component exporting both is served; one exporting neither is an error.

The host context grants exactly what the policy passes through, for a command and each request
alike: host variables only through `env allow`, arguments only with `args allow`, the terminal's
streams only where a stream is allowed (a served component never reads stdin), the network only
with `allow sockets` or its rules, outgoing HTTP only with `allow http` or its URL rules (checked
again by the host), the host's config store (--config) only through `config allow` or `allow
config`, directories only by `preopen`.

With --trace, every WASI call the component makes is written to stderr as a line
`virtc-trace: INTERFACE#FUNCTION(ARGUMENTS) -> RESULT`, or to --trace-file. The lines come through
virtc's own channel, never the component's stderr, which they cannot mix with.

Examples:
  virtc run examples/pong/pong.virt pong.wasm -- first second
  virtc run examples/pong/pong.virt pong.wasm --trace-file pong.trace
  virtc run service.virt server.wasm --config log-level=debug    # on 127.0.0.1:8080
  curl 'http://127.0.0.1:8080/hello?name=world'
  virtc run service.virt server.wasm --addr 127.0.0.1:0          # on a free port, printed")]
pub struct RunCommand {
    /// The policy file.
    policy: PathBuf,
    /// The component: a command exporting wasi:cli/run, or an HTTP handler exporting
    /// wasi:http/incoming-handler.
    component: PathBuf,
    /// Where to serve an HTTP handler, IP:PORT (default 127.0.0.1:8080; port 0 picks a free
    /// one). An error for a command.
    #[arg(long, value_name = "ADDR")]
    addr: Option<SocketAddr>,
    /// A value of the host's wasi:config store (repeatable); the component sees it only where the
    /// policy passes it through.
    #[arg(long = "config", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    config: Vec<(String, String)>,
    /// Trace every WASI call the component makes, a line each (`virtc-trace: …`), on stderr.
    #[arg(long)]
    trace: bool,
    /// Write the trace to this file instead of stderr (implies --trace; the file is replaced).
    #[arg(long, value_name = "FILE")]
    trace_file: Option<PathBuf>,
    #[command(flatten)]
    allow: super::AllowPaths,
    /// Arguments for the component (seen only with `args allow;`).
    #[arg(last = true)]
    args: Vec<String>,
}

impl RunCommand {
    /// Where `--trace` lines go: virtc's stderr, or `--trace-file` (created or truncated now).
    fn trace_sink(&self) -> Result<Option<TraceSink>, String> {
        if let Some(path) = &self.trace_file {
            let file = std::fs::File::create(path).map_err(|e| {
                format!(
                    "cannot write the trace file `{}`: {}",
                    path.display(),
                    virtc::io_error_text(&e)
                )
            })?;
            let file = Mutex::new(std::io::LineWriter::new(file));
            return Ok(Some(TraceSink::new(move |line| {
                if let Ok(mut file) = file.lock() {
                    let _ = writeln!(file, "{line}");
                }
            })));
        }
        if self.trace {
            return Ok(Some(TraceSink::new(|line| {
                let _ = writeln!(std::io::stderr().lock(), "{line}");
            })));
        }
        Ok(None)
    }
}

/// Parses `KEY=VALUE` (the value may hold `=`; the key must not be empty).
fn parse_key_value(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_string(), value.to_string())),
        Some(_) => Err(format!("`{s}` has an empty key")),
        None => Err(format!("`{s}` is not KEY=VALUE")),
    }
}

impl RunCommand {
    pub fn exec(self, reporter: &Reporter) -> ExitCode {
        let trace = if self.trace || self.trace_file.is_some() {
            virtc::Trace::Sink
        } else {
            virtc::Trace::Off
        };
        // The trace file is created first: a path it cannot have stops everything.
        let sink = self.trace_sink().map_err(|detail| {
            Failure::Input(InputError::Run {
                name: self.component.display().to_string(),
                detail,
            })
        });
        let read = sink.and_then(|sink| {
            super::Inputs::read(&self.policy, Some(&self.component), &self.allow, trace)
                .map(|i| (i, sink))
        });
        let (inputs, sink) = match read {
            Ok(read) => read,
            Err(failure) => return reporter.finish(&Database::default(), Err(failure)),
        };
        let db = inputs.policy.database();
        match self.run(&inputs, db, reporter, sink) {
            Ok(code) => code,
            Err(failure) => reporter.finish(db, Err(failure)),
        }
    }

    fn run(
        &self,
        inputs: &super::Inputs,
        db: &Database,
        reporter: &Reporter,
        trace: Option<TraceSink>,
    ) -> Result<ExitCode, Failure> {
        let name = self.component.display().to_string();
        let compiled = inputs
            .policy
            .compile_with(inputs.component(), None, &mut |_| {})?;
        reporter.print(db, &compiled.diagnostics);
        let composed = compiled.bytes.into_vec();
        let run_failed = |detail: String| {
            Failure::Input(InputError::Run {
                name: name.clone(),
                detail,
            })
        };
        // wasmtime failing to compile the output is a load error, whichever way it runs.
        let failed = |e: virtc_run::RunError| match e {
            virtc_run::RunError::Compile { .. } => Failure::Input(InputError::Load {
                detail: e.to_string(),
            }),
            e => run_failed(e.to_string()),
        };
        let exports = virtc_run::exports(&composed).map_err(failed)?;
        let program = self
            .component
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| name.clone());
        let options = RunOptions {
            program,
            args: self.args.clone(),
            host_env: std::env::vars().collect(),
            host_config: self.config.clone(),
            stdio: Stdio::Inherit,
            trace,
        };

        if exports.http_handler {
            let addr = self
                .addr
                .unwrap_or_else(|| DEFAULT_ADDR.parse().expect("the default address parses"));
            virtc_run::serve(&compiled.policy, &composed, &options, addr, |bound| {
                let mut stdout = std::io::stdout().lock();
                let _ = writeln!(stdout, "virtc: serving http://{bound}");
                let _ = stdout.flush();
            })
            .map_err(failed)?;
            return Ok(ExitCode::SUCCESS);
        }
        if !exports.command {
            return Err(run_failed(
                "it exports neither wasi:cli/run (a command) nor wasi:http/incoming-handler (an \
                 HTTP handler)"
                    .into(),
            ));
        }
        if let Some(addr) = self.addr {
            return Err(run_failed(format!(
                "--addr {addr} serves an HTTP handler, but this is a command (it exports \
                 wasi:cli/run, not wasi:http/incoming-handler)"
            )));
        }

        let loaded = virtc_run::load(&composed).map_err(failed)?;
        let outcome = virtc_run::run(&compiled.policy, &loaded, &options).map_err(failed)?;
        match outcome.status {
            Status::Exited(code) => {
                // Out-of-range statuses must not turn into success.
                let code = u8::try_from(code).unwrap_or(1);
                Ok(ExitCode::from(code))
            }
            Status::Trapped(message) => {
                eprintln!("error: `{name}` trapped: {message}");
                Ok(ExitCode::from(134))
            }
        }
    }
}
