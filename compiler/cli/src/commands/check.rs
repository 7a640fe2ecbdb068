//! `virtc check`: every diagnostic of a policy, and of a component against it, writing nothing.
//! With a component it runs the whole of `compile` in memory, so the two never disagree.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use virtc::db::Database;

use crate::message_format::MessageFormat;
use crate::report::{Emitter, Reporter};

/// Check a policy, and optionally a component against it, without writing anything.
#[derive(Args, Debug)]
#[command(after_help = "\
Reports every error and warning of the policy and the files it uses. With --component, also
warns where the policy makes the component trap (a denied interface without an error channel,
such as random or clocks, that the component imports).

With --message-format json, stdout gets one JSON object per diagnostic per line, then a summary
object; with --message-format sarif, one SARIF 2.1.0 log. Nothing is written to stderr then, and
the exit code is the same.

Example:
  virtc check pong.virt --component pong.wasm
  virtc check pong.virt --message-format sarif > virtc.sarif")]
pub struct CheckCommand {
    /// The policy file.
    policy: PathBuf,
    /// A component to check against the policy.
    #[arg(long, short = 'c', value_name = "IN.wasm")]
    component: Option<PathBuf>,
    /// How to write diagnostics: rendered on stderr, or JSON lines or SARIF on stdout.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = MessageFormat::Human)]
    message_format: MessageFormat,
    #[command(flatten)]
    allow: super::AllowPaths,
}

impl CheckCommand {
    pub fn exec(self, reporter: &Reporter) -> ExitCode {
        let mut emitter = Emitter::new(reporter, self.message_format);
        let inputs = match super::Inputs::read(
            &self.policy,
            self.component.as_deref(),
            &self.allow,
            virtc::Trace::Off,
        ) {
            Ok(inputs) => inputs,
            Err(failure) => return emitter.finish(&Database::default(), Err(failure)),
        };
        let db = inputs.policy.database();
        // With a component, everything `compile` does but writing: what compile would reject (a
        // composition that does not fit, say), check rejects with the same error.
        let result = inputs
            .policy
            .check_named(inputs.component())
            .map(|diagnostics| emitter.print(db, &diagnostics));
        emitter.finish(db, result)
    }
}
