//! `virtc run`: compose in memory and run the result in the embedded wasmtime (`virtc-run`),
//! whose host grants exactly what the policy passes through.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use virtc::db::Database;
use virtc::driver::{self, Failure, Input, InputError};
use virtc_run::{RunOptions, Status, Stdio};

use crate::report::Reporter;

/// Compose in memory and run the result in an embedded wasmtime.
#[derive(Args, Debug)]
#[command(after_help = "\
The host context grants exactly what the policy passes through: host variables only through
`env allow`, arguments only with `args allow`, the terminal's streams only where a stream is
allowed, the network only with `allow sockets`, no directories. Exits with the component's exit
code, or 134 when it traps.

Example:
  virtc run examples/pong/pong.virt pong.wasm -- first second")]
pub struct RunCommand {
    /// The policy file.
    policy: PathBuf,
    /// The component to run (a command exporting wasi:cli/run).
    component: PathBuf,
    /// Arguments for the component (seen only with `args allow;`).
    #[arg(last = true)]
    args: Vec<String>,
}

impl RunCommand {
    pub fn exec(self, reporter: &Reporter) -> ExitCode {
        let db = Database::default();
        match self.run(&db, reporter) {
            Ok(code) => code,
            Err(failure) => reporter.finish(&db, Err(failure)),
        }
    }

    fn run(self, db: &Database, reporter: &Reporter) -> Result<ExitCode, Failure> {
        let root = driver::load_policy(db, &self.policy)?;
        let bytes = super::read_component(&self.component)?;
        let name = self.component.display().to_string();
        let input = Input {
            name: &name,
            bytes: &bytes,
        };
        let compiled = driver::compile(db, root, Some(&input), None)?;
        reporter.print(db, &compiled.diagnostics);
        let composed = compiled.composed.expect("a component was given");
        let loaded = virtc_run::load(&composed).map_err(|e| {
            Failure::Input(InputError::Load {
                detail: e.to_string(),
            })
        })?;
        let program = self
            .component
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| name.clone());
        let options = RunOptions {
            program,
            args: self.args,
            host_env: std::env::vars().collect(),
            host_config: Vec::new(),
            stdio: Stdio::Inherit,
        };
        let outcome = virtc_run::run(&compiled.ir, &loaded, &options).map_err(|e| {
            Failure::Input(InputError::Run {
                name: name.clone(),
                detail: e.to_string(),
            })
        })?;
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
