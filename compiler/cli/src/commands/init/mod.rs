//! `virtc init --from app.wasm`: a starting policy from a component's imports (the policy is
//! written by `virtc::init`), on stdout or into a new file, written atomically; with `--observe`,
//! the policy of what one run used (`virtc::observe`, run by [`observe`]).

mod observe;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use virtc::db::Database;
use virtc::driver::{Failure, Input, InputError};

use crate::output::{write_atomically, write_new};
use crate::report::Reporter;

/// Write a starting policy for a component, from what it imports.
#[derive(Args, Debug)]
#[command(after_help = "\
Reads the component's imports and writes a policy under which it runs without trapping while
reading no host data: the standard streams it imports are the host's, and so are random, clocks
and exit (denied, they would trap); its environment, files, network, outgoing HTTP and config
are denied, each with commented-out statements that grant a part of it. `wasi:` interfaces
outside virtc's registry are stubbed out (`deny import`), links to other components passed
through (`allow import`). A comment on every statement names the imports it is for.

Without -o the policy goes to stdout. With -o it is written atomically, and an existing file is
left alone unless --force is given.

With --observe (and -o), the component (a command) runs instead, in virtc's embedded wasmtime,
under a recording adapter that grants what the host has: the variables named with --env and no
others, the arguments after --, the working directory read-only at `/`, the loopback network
(names: `localhost` only), outgoing HTTP. Its output is printed as usual and virtc exits with
its status. The policy written grants what the run used and nothing more: `env` for the --env
variables if it read its environment, `args allow;` if it read its arguments, the files and
directories it opened as `file` and `mount` statements (paths relative to the policy), the
addresses and names it used as `tcp`/`udp`/`dns` rules, its requests as `http allow` rules, the
streams it used, random, clocks and exit if called; a comment on each says what was seen. Run
it again under the policy (`virtc run app.virt app.wasm -- ARGS`) for the same output.

Examples:
  virtc init --from app.wasm                 # the policy on stdout
  virtc init --from app.wasm -o app.virt
  virtc check app.virt --component app.wasm  # after granting what it needs
  virtc init --from app.wasm --observe --env HOME --env MODE=test -o app.virt -- input.txt")]
pub struct InitCommand {
    /// The component to write a policy for.
    #[arg(long, value_name = "IN.wasm")]
    from: PathBuf,
    /// Where to write the policy (stdout without it).
    #[arg(long, short = 'o', value_name = "OUT.virt")]
    output: Option<PathBuf>,
    /// Replace the output file if it exists.
    #[arg(long, requires = "output")]
    force: bool,
    /// Run the component and write the policy of what it used (needs -o).
    #[arg(long, requires = "output")]
    observe: bool,
    /// With --observe: a host variable the run may see (NAME), or a value for it (NAME=VALUE).
    /// Repeatable.
    #[arg(long, value_name = "NAME[=VALUE]", requires = "observe")]
    env: Vec<String>,
    /// With --observe: the component's arguments.
    #[arg(last = true, requires = "observe")]
    args: Vec<String>,
}

impl InitCommand {
    pub fn exec(self, reporter: &Reporter) -> ExitCode {
        if self.observe {
            return match observe::observe(&self) {
                Ok(code) => code,
                Err(failure) => reporter.finish(&Database::default(), Err(failure)),
            };
        }
        let result = self.init();
        reporter.finish(&Database::default(), result)
    }

    fn init(self) -> Result<(), Failure> {
        if let Some(output) = &self.output {
            check_output(output, &self.from, self.force)?;
        }
        let bytes = super::read_component(&self.from)?;
        let name = self.from.display().to_string();
        let policy = virtc::init::starting_policy(&Input {
            name: &name,
            bytes: &bytes,
        })
        .map_err(Failure::Input)?;
        self.write(&policy)
    }

    /// Writes `policy` to stdout or -o (a new file unless --force).
    fn write(&self, policy: &str) -> Result<(), Failure> {
        match &self.output {
            None => {
                let mut out = std::io::stdout().lock();
                // A closed pipe (`virtc init … | head`) is not an error worth a message.
                let _ = out.write_all(policy.as_bytes()).and_then(|()| out.flush());
                Ok(())
            }
            Some(output) if self.force => write_atomically(output, policy.as_bytes()),
            // Also a file that appeared since `check_output` looked is left alone.
            Some(output) => match write_new(output, policy.as_bytes())? {
                true => Ok(()),
                false => Err(exists_error(output)),
            },
        }
    }
}

fn output_error(path: &Path, why: impl Into<String>) -> Failure {
    Failure::Input(InputError::Output {
        path: path.to_path_buf(),
        why: why.into(),
    })
}

fn exists_error(path: &Path) -> Failure {
    output_error(
        path,
        "the file exists; give --force to replace it, or another path with -o",
    )
}

/// Refuses, before any work, an output that cannot or must not be written: a missing
/// directory, an existing file without `--force`, the component itself.
fn check_output(output: &Path, component: &Path, force: bool) -> Result<(), Failure> {
    let dir = match output.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    match std::fs::metadata(dir) {
        Ok(meta) if meta.is_dir() => {}
        Ok(_) => {
            return Err(output_error(
                output,
                format!("`{}` is not a directory", dir.display()),
            ));
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(output_error(
                output,
                format!("the directory `{}` does not exist", dir.display()),
            ));
        }
        Err(e) => {
            return Err(output_error(
                output,
                format!("`{}`: {}", dir.display(), virtc::io_error_text(&e)),
            ));
        }
    }
    if std::fs::symlink_metadata(output).is_err() {
        return Ok(());
    }
    if !force {
        return Err(exists_error(output));
    }
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if same(output, component) {
        return Err(output_error(
            output,
            "it is the component the policy is written for",
        ));
    }
    Ok(())
}
