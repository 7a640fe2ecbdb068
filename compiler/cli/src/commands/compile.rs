//! `virtc compile`: a policy into an adapter, composed into the component when one is given,
//! written atomically.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use virtc::db::Database;
use virtc::driver::Failure;

use crate::message_format::MessageFormat;
use crate::output::write_atomically_with;
use crate::report::{Emitter, ProgressLine, Reporter, print_report};

/// Compile a policy into an adapter and compose it into a component.
#[derive(Args, Debug)]
#[command(after_help = "\
Without --component, writes the adapter alone (at --wasi-version), which `wac plug` or
`wasm-tools compose` can compose later. With --component, writes the component with the adapter
composed in: it imports only what the policy passes through and keeps the component's own WASI
versions. The output is written atomically and is byte-identical for identical inputs.

With --trace, the tracing adapter is composed instead: it wraps every WASI interface the
component imports and writes one line per call to the host's stderr, on any host. Without it,
the output carries no tracing code.

With --message-format json or sarif, diagnostics go to stdout as `virtc check` writes them, and
nothing to stderr; --report cannot be combined with them.

Examples:
  virtc compile pong.virt --component pong.wasm -o pong.virt.wasm
  virtc compile pong.virt --component pong.wasm -o pong.traced.wasm --trace")]
pub struct CompileCommand {
    /// The policy file.
    policy: PathBuf,
    /// The component to virtualize.
    #[arg(long, short = 'c', value_name = "IN.wasm")]
    component: Option<PathBuf>,
    /// Where to write the result.
    #[arg(long, short = 'o', value_name = "OUT.wasm")]
    output: PathBuf,
    /// WASI version of a standalone adapter (with --component, the component's versions are used).
    #[arg(long, value_name = "0.2.x", value_parser = super::parse_version)]
    wasi_version: Option<semver::Version>,
    /// List every embedded file (guest path, bytes, host path) on stdout, for audits.
    #[arg(long)]
    report: bool,
    /// How to write diagnostics: rendered on stderr, or JSON lines or SARIF on stdout.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = MessageFormat::Human)]
    message_format: MessageFormat,
    /// Compose the tracing adapter: every WASI call the component makes goes through it and is
    /// written to the host's stderr as `virtc-trace: INTERFACE#FUNCTION(ARGUMENTS) -> RESULT`
    /// (the output then imports the host's stderr, whatever the policy says of the component's).
    #[arg(long)]
    trace: bool,
    #[command(flatten)]
    allow: super::AllowPaths,
}

impl CompileCommand {
    pub fn exec(self, reporter: &Reporter) -> ExitCode {
        if self.report && self.message_format != MessageFormat::Human {
            // The table would share stdout with the JSON or SARIF: a usage error (exit 2).
            let mut command = Self::augment_args(clap::Command::new("virtc compile"));
            let _ = command
                .error(
                    clap::error::ErrorKind::ArgumentConflict,
                    "--report prints a table on stdout and cannot be combined with \
                     --message-format json or sarif",
                )
                .print();
            return ExitCode::from(2);
        }
        let mut emitter = Emitter::new(reporter, self.message_format);
        let trace = if self.trace {
            virtc::Trace::Stderr
        } else {
            virtc::Trace::Off
        };
        let inputs = match super::Inputs::read(
            &self.policy,
            self.component.as_deref(),
            &self.allow,
            trace,
        ) {
            Ok(inputs) => inputs,
            Err(failure) => return emitter.finish(&Database::default(), Err(failure)),
        };
        let db = inputs.policy.database();
        let result = self.compile(&inputs, db, reporter, &mut emitter);
        emitter.finish(db, result)
    }

    fn compile(
        &self,
        inputs: &super::Inputs,
        db: &Database,
        reporter: &Reporter,
        emitter: &mut Emitter<'_>,
    ) -> Result<(), Failure> {
        let mut progress = ProgressLine::new(reporter.color && emitter.is_human());
        let compiled =
            inputs
                .policy
                .compile_with(inputs.component(), self.wasi_version.clone(), &mut |p| {
                    progress.update(p)
                });
        progress.clear();
        let compiled = compiled?;
        emitter.print(db, &compiled.diagnostics);
        if self.report {
            print_report(&compiled.embedded, &compiled.policy.runtime.origin.sources);
        }
        write_atomically_with(&self.output, &mut |out| compiled.bytes.write_to(out))
    }
}
