//! `virtc init --from app.wasm`: a starting policy from a component's imports.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use crate::report::Reporter;

/// Write a starting policy for a component, from what it imports.
#[derive(Args, Debug)]
pub struct InitCommand {
    /// The component to write a policy for.
    #[arg(long, value_name = "IN.wasm")]
    from: PathBuf,
}

impl InitCommand {
    pub fn exec(self, _reporter: &Reporter) -> ExitCode {
        eprintln!("error: `virtc init` is not built yet ({})", self.from.display());
        ExitCode::from(1)
    }
}
