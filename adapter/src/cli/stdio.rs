//! `wasi:cli/stdin`, `stdout`, `stderr`: the streams the policy's stream modes call for.

use crate::Adapter;
use crate::bindings::exports::wasi::cli::{stderr, stdin, stdout};
use crate::bindings::exports::wasi::io::streams as api;
use crate::bindings::wasi::cli::{
    stderr as host_stderr, stdin as host_stdin, stdout as host_stdout,
};
use crate::bindings::wasi::io::streams as host_streams;
use crate::io::streams::{InputStream, OutputStream, input_from_host, output_from_host};
use crate::policy::{self, StreamMode};

/// An output stream for `mode`; `host` is called only for `Host`.
fn output(mode: StreamMode, host: fn() -> host_streams::OutputStream) -> api::OutputStream {
    match mode {
        StreamMode::Host => output_from_host(host()),
        StreamMode::Ignore => api::OutputStream::new(OutputStream::Discard),
        StreamMode::Deny => api::OutputStream::new(OutputStream::Closed),
    }
}

impl stdin::Guest for Adapter {
    fn get_stdin() -> api::InputStream {
        let mode = policy::get().stdio.stdin;
        trace!("wasi:cli/stdin#get-stdin() -> {}", crate::trace::mode(mode));
        match mode {
            StreamMode::Host => input_from_host(host_stdin::get_stdin()),
            // Ignored input is empty; denied input is closed too: both read as end of stream.
            StreamMode::Ignore | StreamMode::Deny => api::InputStream::new(InputStream::Closed),
        }
    }
}

impl stdout::Guest for Adapter {
    fn get_stdout() -> api::OutputStream {
        let mode = policy::get().stdio.stdout;
        trace!(
            "wasi:cli/stdout#get-stdout() -> {}",
            crate::trace::mode(mode)
        );
        output(mode, host_stdout::get_stdout)
    }
}

impl stderr::Guest for Adapter {
    fn get_stderr() -> api::OutputStream {
        let mode = policy::get().stdio.stderr;
        trace!(
            "wasi:cli/stderr#get-stderr() -> {}",
            crate::trace::mode(mode)
        );
        output(mode, host_stderr::get_stderr)
    }
}
