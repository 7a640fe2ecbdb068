//! `virtc lsp`: the language server (`virtc-lsp`) on standard input and output.

use std::process::ExitCode;

use clap::Args;

/// Start the language server on standard input and output (for editors).
#[derive(Args, Debug)]
#[command(after_help = "\
Speaks the Language Server Protocol over stdio: diagnostics as `virtc check` reports them,
completion, hover, go to definition, document symbols, semantic tokens, formatting (as
`virtc fmt`) and quick fixes. Editors start it themselves; see the README for VS Code, Neovim
and Helix.

Example:
  virtc lsp")]
pub struct LspCommand {
    /// Accepted for clients that pass it (stdio is the only transport).
    #[arg(long)]
    stdio: bool,
}

impl LspCommand {
    pub fn exec(self) -> ExitCode {
        let _ = self.stdio;
        virtc_lsp::run_stdio()
    }
}
