//! The tracing adapter's log (`virtc compile --trace`, feature `trace`): one line per WASI call
//! the adapter handles, `virtc-trace: INTERFACE#FUNCTION(ARGUMENTS) -> RESULT`, written to the
//! host's stderr or to `virtc:adapter/trace` as the policy data says ([`Trace`]). Without the
//! feature ([`ON`]) every function here returns at once and the `trace!` macro's body is dead, so
//! the plain adapter carries no tracing code.
//!
//! Descriptors are traced by their guest path, which the adapter does not otherwise keep: a side
//! table maps each descriptor's address to the path it was opened at.

use core::cell::RefCell;
use core::fmt::{self, Write as _};

use crate::bindings::virtc::adapter::trace as sink;
use crate::bindings::wasi::cli::stderr as host_stderr;
use crate::bindings::wasi::io::streams as host_streams;
use crate::policy::{self, Trace};

struct Log {
    stderr: Option<host_streams::OutputStream>,
    /// Descriptor address → guest path.
    paths: Vec<(usize, String)>,
}

struct Cell(RefCell<Log>);
// SAFETY: wasm32 without threads.
unsafe impl Sync for Cell {}

static LOG: Cell = Cell(RefCell::new(Log {
    stderr: None,
    paths: Vec::new(),
}));

/// Whether this adapter traces (built with the `trace` feature). Every function here does
/// nothing without it, so that the plain adapter's optimizer removes them and their callers' work.
pub const ON: bool = cfg!(feature = "trace");

/// Writes one trace line.
pub fn line(args: fmt::Arguments<'_>) {
    if !ON {
        return;
    }
    let mut text = String::from("virtc-trace: ");
    let _ = text.write_fmt(args);
    match policy::get().trace {
        Trace::Off => {}
        Trace::Sink => sink::line(&text),
        Trace::Stderr => {
            text.push('\n');
            let Ok(mut log) = LOG.0.try_borrow_mut() else {
                return;
            };
            let stream = log.stderr.get_or_insert_with(host_stderr::get_stderr);
            // At most 4096 bytes per call, as `blocking-write-and-flush` allows; a failing host
            // stderr loses the trace, never the component's call.
            for chunk in text.as_bytes().chunks(4096) {
                if stream.blocking_write_and_flush(chunk).is_err() {
                    break;
                }
            }
        }
    }
}

/// Strings as a trace lists them: quoted, comma-separated.
pub fn names<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let mut out = String::new();
    if !ON {
        return out;
    }
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let _ = write!(out, "{item:?}");
    }
    out
}

/// A stream mode as a trace shows where a standard stream goes.
pub fn mode(mode: crate::policy::StreamMode) -> &'static str {
    use crate::policy::StreamMode;
    match mode {
        StreamMode::Host => "host",
        StreamMode::Ignore => "ignored",
        StreamMode::Deny => "closed",
    }
}

/// The address identifying an adapter resource's value for [`name`] and [`path`].
pub fn addr<T>(value: &T) -> usize {
    value as *const T as usize
}

/// Remembers that the descriptor at `addr` was opened at guest path `path`.
pub fn name(addr: usize, path: String) {
    if !ON {
        return;
    }
    if let Ok(mut log) = LOG.0.try_borrow_mut() {
        match log.paths.iter_mut().find(|(a, _)| *a == addr) {
            Some(slot) => slot.1 = path,
            None => log.paths.push((addr, path)),
        }
    }
}

/// The guest path the descriptor at `addr` was opened at (`?` if unknown).
pub fn path(addr: usize) -> String {
    LOG.0
        .try_borrow()
        .ok()
        .and_then(|log| {
            log.paths
                .iter()
                .find(|(a, _)| *a == addr)
                .map(|(_, p)| p.clone())
        })
        .unwrap_or_else(|| "?".into())
}

/// `base` joined with `path` as the guest sees it (`path` absolute: itself).
pub fn join(base: &str, path: &str) -> String {
    if path.starts_with('/') || base.is_empty() {
        return path.into();
    }
    if path.is_empty() || path == "." {
        return base.into();
    }
    let mut joined = String::from(base);
    if !joined.ends_with('/') {
        joined.push('/');
    }
    joined.push_str(path);
    joined
}

/// An error as a trace shows it: its WIT case name.
pub trait Code {
    fn code(&self) -> String;
}

impl Code for crate::bindings::exports::wasi::filesystem::types::ErrorCode {
    fn code(&self) -> String {
        self.name().into()
    }
}

impl Code for crate::bindings::exports::wasi::sockets::network::ErrorCode {
    fn code(&self) -> String {
        self.name().into()
    }
}

impl Code for crate::bindings::exports::wasi::io::streams::StreamError {
    fn code(&self) -> String {
        use crate::bindings::exports::wasi::io::streams::StreamError;
        match self {
            StreamError::Closed => "closed".into(),
            StreamError::LastOperationFailed(_) => "last-operation-failed".into(),
        }
    }
}

impl Code for crate::bindings::exports::wasi::http::types::ErrorCode {
    fn code(&self) -> String {
        let mut debug = String::new();
        let _ = write!(debug, "{self:?}");
        let name = debug.split(['(', ' ', '{']).next().unwrap_or("");
        kebab(name)
    }
}

impl Code for crate::bindings::exports::wasi::http::types::HeaderError {
    fn code(&self) -> String {
        let mut debug = String::new();
        let _ = write!(debug, "{self:?}");
        kebab(&debug)
    }
}

/// A result as its trace: `ok`, or `error(CODE)`.
pub fn outcome<T, E: Code>(result: &Result<T, E>) -> String {
    match result {
        Ok(_) => "ok".into(),
        Err(e) => format!("error({})", e.code()),
    }
}

/// `NoEntry` (a Rust case name) in WIT's spelling, `no-entry`.
fn kebab(name: &str) -> String {
    let name = name.rsplit("::").next().unwrap_or(name);
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}
