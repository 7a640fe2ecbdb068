//! The `virtc` binary: clap parses the command line into one struct per command (`commands/`),
//! and that struct's `exec` does the work through the `virtc` library, `virtc-run` (wasmtime)
//! and `virtc-lsp`. Nothing here is reachable from the language server or the compiler library.

mod commands;
mod message_format;
mod output;
mod report;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::report::Reporter;

const AFTER_HELP: &str = "\
Exit codes: 0 success, 1 a policy or input error, 2 a usage error.

Examples:
  virtc check pong.virt --component pong.wasm
  virtc compile pong.virt --component pong.wasm -o pong.virt.wasm
  virtc compile pong.virt -o pong-adapter.wasm        # the adapter alone, for `wac plug`
  virtc run pong.virt pong.wasm -- --some-flag
  virtc inspect pong.virt.wasm                        # the policy an output enforces
  virtc fmt --check policies/";

#[derive(Parser, Debug)]
#[command(name = "virtc", version, about = "Compiles WASI capability policies (.virt files) into components that can touch only what the policy grants", after_help = AFTER_HELP)]
struct Cli {
    /// When to color diagnostics.
    #[arg(long, value_enum, default_value_t = Color::Auto, global = true)]
    color: Color,
    #[command(subcommand)]
    command: Command,
}

#[derive(Copy, Clone, Debug, ValueEnum, PartialEq, Eq)]
enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Subcommand, Debug)]
enum Command {
    Compile(commands::compile::CompileCommand),
    Check(commands::check::CheckCommand),
    Run(commands::run::RunCommand),
    Fmt(commands::fmt::FmtCommand),
    Init(commands::init::InitCommand),
    Inspect(commands::inspect::InspectCommand),
    Explain(commands::explain::ExplainCommand),
    Lsp(commands::lsp::LspCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let color = match cli.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stderr().is_terminal(),
    };
    let reporter = Reporter { color };
    match cli.command {
        Command::Compile(command) => command.exec(&reporter),
        Command::Check(command) => command.exec(&reporter),
        Command::Run(command) => command.exec(&reporter),
        Command::Fmt(command) => command.exec(&reporter),
        Command::Init(command) => command.exec(&reporter),
        Command::Inspect(command) => command.exec(&reporter),
        Command::Explain(command) => command.exec(),
        Command::Lsp(command) => command.exec(),
    }
}
