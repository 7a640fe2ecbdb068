//! `virtc inspect OUT.wasm`: the policy an output of virtc enforces, read back from its adapter
//! (`virtc::inspect`), as a `.virt` file or one JSON document on stdout.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use serde_json::json;
use virtc::db::Database;
use virtc::driver::{Failure, InputError};
use virtc::inspect::{Entry, Inspection, inspect};

use crate::report::Reporter;

/// Print the policy a component compiled by virtc enforces.
#[derive(Args, Debug)]
#[command(after_help = "\
Reads the policy from the data the component's virtc adapter runs on (not from a copy kept
beside it) and prints it as a .virt file in canonical layout: every subsystem stated, denied ones
too; mounts and files as the statements that built them, then every embedded file with its size
and SHA-256; then the component's imports and exports, as comments. Compiling the printed policy
against the same component gives an output that inspects the same.

A component virtc did not make, or one compiled under `allow all;` (left as it was), has no
policy to print: that is an error (V0098), as is damaged policy data (V0099).

Examples:
  virtc inspect app.virt.wasm
  virtc inspect app.virt.wasm > audited.virt
  virtc inspect --format json app.virt.wasm")]
pub struct InspectCommand {
    /// A component (or standalone adapter) virtc compiled.
    #[arg(value_name = "OUT.wasm")]
    component: PathBuf,
    /// How to print it.
    #[arg(long, value_enum, default_value_t = Format::Virt)]
    format: Format,
}

#[derive(Copy, Clone, Debug, ValueEnum, PartialEq, Eq)]
enum Format {
    /// A `.virt` policy, with the rest as comments.
    Virt,
    /// One JSON document.
    Json,
}

impl InspectCommand {
    pub fn exec(self, reporter: &Reporter) -> ExitCode {
        let result = self.inspect();
        reporter.finish(&Database::default(), result)
    }

    fn inspect(&self) -> Result<(), Failure> {
        let bytes = super::read_component(&self.component)?;
        let name = self.component.display().to_string();
        let inspection =
            inspect(&bytes).map_err(|error| Failure::Input(InputError::Inspect { name, error }))?;
        let file_name = self.component.file_name().map_or_else(
            || self.component.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let text = match self.format {
            Format::Virt => inspection.to_virt(),
            Format::Json => {
                let mut text = serde_json::to_string_pretty(&document(&inspection, &file_name))
                    .unwrap_or_default();
                text.push('\n');
                text
            }
        };
        let mut out = std::io::stdout().lock();
        // A closed pipe (`virtc inspect … | head`) is not an error worth a message.
        let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
        Ok(())
    }
}

/// The JSON document: the policy text and, as data, what its comments say.
fn document(inspection: &Inspection, file_name: &str) -> serde_json::Value {
    let files: Vec<_> = inspection
        .files
        .iter()
        .map(|f| match &f.entry {
            Entry::File { size, sha256 } => {
                json!({ "path": f.path, "kind": "file", "size": size, "sha256": sha256 })
            }
            Entry::Symlink { target } => {
                json!({ "path": f.path, "kind": "symlink", "target": target })
            }
            Entry::Host { path, readonly } => {
                json!({ "path": f.path, "kind": "host-file", "host": path, "readonly": readonly })
            }
        })
        .collect();
    json!({
        "component": file_name,
        "policy": inspection.to_virt(),
        "policy_format": virtc::inspect::FORMAT_VERSION,
        "policy_bytes": inspection.policy_bytes,
        "trace": match inspection.policy.trace {
            virtc::Trace::Off => None,
            virtc::Trace::Stderr => Some("stderr"),
            virtc::Trace::Sink => Some("virtc:adapter/trace"),
        },
        "files": files,
        "built_from": inspection.policy.origin.host_paths(),
        "imports": inspection.imports,
        "exports": inspection.exports,
    })
}
