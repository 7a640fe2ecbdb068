//! The `virtc` binary.

use clap::Parser;

fn main() -> std::process::ExitCode {
    virtc::cli::main(virtc::cli::Cli::parse())
}
