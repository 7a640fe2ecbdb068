//! The `virtc` binary: the command line of the `virtc` library, plus `virtc lsp`, the language
//! server (which depends on the library, so it is dispatched here).

use clap::Parser;
use virtc::cli::{Cli, Command};

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    if let Command::Lsp { .. } = cli.command {
        return virtc_lsp::run_stdio();
    }
    virtc::cli::main(cli)
}
