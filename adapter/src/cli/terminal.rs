//! `wasi:cli/terminal-*`: a standard stream is a terminal only if it is the host's stream and
//! the host says it is one.

use crate::Adapter;
use crate::bindings::exports::wasi::cli::{
    terminal_input as api_input, terminal_output as api_output, terminal_stderr, terminal_stdin,
    terminal_stdout,
};
use crate::bindings::wasi::cli::{
    terminal_input as host_input, terminal_output as host_output, terminal_stderr as host_stderr,
    terminal_stdin as host_stdin, terminal_stdout as host_stdout,
};
use crate::policy::{self, StreamMode};

/// The adapter's `terminal-input` resource: a host one, kept alive while the component holds it.
pub struct TerminalInput(
    #[allow(dead_code, reason = "held to keep the host resource")] host_input::TerminalInput,
);

/// The adapter's `terminal-output` resource.
pub struct TerminalOutput(
    #[allow(dead_code, reason = "held to keep the host resource")] host_output::TerminalOutput,
);

impl api_input::Guest for Adapter {
    type TerminalInput = TerminalInput;
}

impl api_input::GuestTerminalInput for TerminalInput {}

impl api_output::Guest for Adapter {
    type TerminalOutput = TerminalOutput;
}

impl api_output::GuestTerminalOutput for TerminalOutput {}

/// Wraps the host's answer for a stream in `mode`; `host` is called only for `Host`.
fn output(
    mode: StreamMode,
    host: fn() -> Option<host_output::TerminalOutput>,
) -> Option<api_output::TerminalOutput> {
    if mode != StreamMode::Host {
        return None;
    }
    host().map(|t| api_output::TerminalOutput::new(TerminalOutput(t)))
}

/// Whether a terminal was found, as a trace shows it.
fn found<T>(terminal: &Option<T>) -> &'static str {
    if terminal.is_some() { "some" } else { "none" }
}

impl terminal_stdin::Guest for Adapter {
    fn get_terminal_stdin() -> Option<api_input::TerminalInput> {
        let terminal = if policy::get().stdio.stdin == StreamMode::Host {
            host_stdin::get_terminal_stdin()
                .map(|t| api_input::TerminalInput::new(TerminalInput(t)))
        } else {
            None
        };
        trace!(
            "wasi:cli/terminal-stdin#get-terminal-stdin() -> {}",
            found(&terminal)
        );
        terminal
    }
}

impl terminal_stdout::Guest for Adapter {
    fn get_terminal_stdout() -> Option<api_output::TerminalOutput> {
        let terminal = output(policy::get().stdio.stdout, host_stdout::get_terminal_stdout);
        trace!(
            "wasi:cli/terminal-stdout#get-terminal-stdout() -> {}",
            found(&terminal)
        );
        terminal
    }
}

impl terminal_stderr::Guest for Adapter {
    fn get_terminal_stderr() -> Option<api_output::TerminalOutput> {
        let terminal = output(policy::get().stdio.stderr, host_stderr::get_terminal_stderr);
        trace!(
            "wasi:cli/terminal-stderr#get-terminal-stderr() -> {}",
            found(&terminal)
        );
        terminal
    }
}
