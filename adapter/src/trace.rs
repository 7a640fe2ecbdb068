//! The tracing adapter's log (`virtc compile --trace`, feature `trace`): one line per WASI call
//! the adapter handles, `virtc-trace: INTERFACE#FUNCTION(ARGUMENTS) -> RESULT`, written to the
//! host's stderr or to `virtc:adapter/trace` as the policy data says ([`Trace`]). Without the
//! feature ([`ON`]) every function here returns at once and the `trace!` macro's body is dead, so
//! the plain adapter carries no tracing code.
//!
//! Descriptors are traced by their guest path, which the adapter does not otherwise keep: a side
//! table maps each descriptor's address to the path it was opened at (and each directory entry
//! stream's to its directory's).

use crate::prelude::*;

use core::cell::RefCell;
use core::fmt::{self, Write as _};

use crate::bindings::virtc::adapter::trace as sink;
use crate::bindings::wasi::cli::stderr as host_stderr;
use crate::bindings::wasi::io::streams as host_streams;
use crate::policy::{self, Trace};

struct Log {
    stderr: Option<host_streams::OutputStream>,
    /// Descriptor (or directory entry stream) address → guest path.
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
    list(items.map(Quoted))
}

/// A string shown as a Rust debug literal.
struct Quoted<'a>(&'a str);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

/// Values as a trace lists them: comma-separated.
pub fn list<T: fmt::Display>(items: impl Iterator<Item = T>) -> String {
    let mut out = String::new();
    if !ON {
        return out;
    }
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let _ = write!(out, "{item}");
    }
    out
}

/// Flags as a trace shows them (`iter_names()` of a flags value): their WIT names joined by `|`,
/// `create|truncate`; `-` for none.
pub fn flags<F>(names: impl Iterator<Item = (&'static str, F)>) -> String {
    let mut out = String::new();
    if !ON {
        return out;
    }
    for (name, _) in names {
        if !out.is_empty() {
            out.push('|');
        }
        out.extend(name.chars().map(|c| match c {
            '_' => '-',
            c => c.to_ascii_lowercase(),
        }));
    }
    if out.is_empty() {
        out.push('-');
    }
    out
}

/// A case of a WIT enum or variant (by its `Debug`, `Name::Case(...)`) in WIT's spelling:
/// `regular-file`.
pub fn case(value: &impl fmt::Debug) -> String {
    if !ON {
        return String::new();
    }
    let mut debug = String::new();
    let _ = write!(debug, "{value:?}");
    let name = debug.split(['(', ' ', '{']).next().unwrap_or("");
    kebab(name)
}

/// An optional string as a trace shows it: quoted, or `none`.
pub fn quoted(value: Option<&str>) -> String {
    if !ON {
        return String::new();
    }
    value.map_or_else(|| "none".into(), |s| format!("{s:?}"))
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
    if !ON {
        return String::new();
    }
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
    if !ON {
        return String::new();
    }
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
        case(self)
    }
}

impl Code for crate::bindings::exports::wasi::http::types::HeaderError {
    fn code(&self) -> String {
        case(self)
    }
}

/// WIT's `result<T>` without an error type: just `error`.
impl Code for () {
    fn code(&self) -> String {
        String::new()
    }
}

/// A result as its trace: `ok`, or `error(CODE)` (`error` without a code).
pub fn outcome<T, E: Code>(result: &Result<T, E>) -> String {
    match result {
        Ok(_) => "ok".into(),
        Err(e) => error(e),
    }
}

/// A result as its trace, with what `show` makes of its value: `ok(12 bytes)`, or
/// `error(CODE)`.
pub fn outcome_with<T, E: Code, D: fmt::Display>(
    result: &Result<T, E>,
    show: impl FnOnce(&T) -> D,
) -> String {
    match result {
        Ok(value) => format!("ok({})", show(value)),
        Err(e) => error(e),
    }
}

/// A result as its trace, with its value: `ok(VALUE)`, or `error(CODE)`.
pub fn value<T: fmt::Display, E: Code>(result: &Result<T, E>) -> String {
    outcome_with(result, T::to_string)
}

fn error(e: &impl Code) -> String {
    match e.code() {
        code if code.is_empty() => "error".into(),
        code => format!("error({code})"),
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
