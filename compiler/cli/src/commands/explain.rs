//! `virtc explain CODE`: the long explanation of a diagnostic code.

use std::process::ExitCode;

use clap::Args;

/// Explain a diagnostic code, with a policy that gets it and one that does not.
#[derive(Args, Debug)]
pub struct ExplainCommand {
    /// The code, e.g. V0020.
    code: String,
}

impl ExplainCommand {
    pub fn exec(self) -> ExitCode {
        match virtc::codes::explain(&self.code) {
            Some(meaning) => {
                println!("{}: {meaning}", self.code);
                ExitCode::SUCCESS
            }
            None => {
                eprintln!("error: `{}` is not a virtc diagnostic code", self.code);
                ExitCode::from(1)
            }
        }
    }
}
