//! `wasi:io/streams`: input and output streams that are either virtual (closed, discarding,
//! in-memory, files of the trees in memory) or wrap a host stream, with `splice` between any two
//! of them.

use crate::prelude::*;

use core::cell::Cell;

use super::error::Error;
use super::{error, poll};
use crate::Adapter;
use crate::bindings::exports::wasi::filesystem::types::ErrorCode as FsErrorCode;
use crate::bindings::exports::wasi::io::error as api_error;
use crate::bindings::exports::wasi::io::streams::{
    self as api, GuestInputStream, GuestOutputStream, StreamError,
};
use crate::bindings::wasi::io::streams as host;
use crate::fs::memory::{Reader, Writer};

/// What `check-write` permits on a discarding stream: large, but far from any overflow.
const DISCARD_BUDGET: u64 = 1 << 30;

/// The most one read copies out of memory (a short read is always allowed), so that asking for
/// `u64::MAX` bytes of a large embedded file does not duplicate it whole.
pub const MAX_READ: usize = 1 << 20;

/// The most bytes `blocking-write-and-flush` and `blocking-write-zeroes-and-flush` take at once
/// on the adapter's own streams (wasmtime's limit for its streams: more traps).
const BLOCKING_MAX: u64 = 4096;

/// The adapter's `input-stream` resource.
pub enum InputStream {
    /// A host stream (stdin, a host file).
    Host(host::InputStream),
    /// End of stream: every read reports `closed`.
    Closed,
    /// Bytes in memory (embedded files), read from a position.
    Memory(MemorySource),
    /// A file of a tree in memory (`read-via-stream`).
    File(Reader),
}

/// The adapter's `output-stream` resource.
pub enum OutputStream {
    /// A host stream (stdout, stderr, a host file).
    Host(host::OutputStream),
    /// Accepts everything and drops it.
    Discard,
    /// Every write and flush reports `closed`.
    Closed,
    /// A file of a tree in memory (`write-via-stream`, `append-via-stream`).
    File(Writer),
}

/// An in-memory byte source. The bytes are `'static` because everything virtual comes from the
/// policy, which lives as long as the instance.
pub struct MemorySource {
    bytes: &'static [u8],
    pos: Cell<usize>,
    /// The error the first read reports (then the stream is closed).
    failure: Cell<Option<FsErrorCode>>,
}

impl MemorySource {
    /// A source over `bytes` starting at `pos` (past the end: at the end).
    pub fn new(bytes: &'static [u8], pos: usize) -> Self {
        MemorySource {
            bytes,
            pos: Cell::new(pos),
            failure: Cell::new(None),
        }
    }

    /// A source whose first read fails with `code` (as wasmtime's file stream fails at an
    /// offset `pread` refuses), then closed.
    pub fn failing(code: FsErrorCode) -> Self {
        MemorySource {
            bytes: &[],
            pos: Cell::new(0),
            failure: Cell::new(Some(code)),
        }
    }

    /// Consumes up to `len` bytes (at most `max`); `closed` at the end.
    fn take(&self, len: u64, max: usize) -> Result<&'static [u8], StreamError> {
        if let Some(code) = self.failure.take() {
            return Err(StreamError::LastOperationFailed(api_error::Error::new(
                Error::Fs(code),
            )));
        }
        let rest = self.bytes.get(self.pos.get()..).unwrap_or(&[]);
        if rest.is_empty() {
            return Err(StreamError::Closed);
        }
        let n = usize::try_from(len)
            .unwrap_or(usize::MAX)
            .min(max)
            .min(rest.len());
        self.pos.set(self.pos.get() + n);
        Ok(rest.get(..n).unwrap_or(&[]))
    }
}

/// Converts a host stream error, wrapping its `error` resource into the adapter's.
pub fn error_from_host(err: host::StreamError) -> StreamError {
    match err {
        host::StreamError::LastOperationFailed(e) => {
            StreamError::LastOperationFailed(error::from_host(e))
        }
        host::StreamError::Closed => StreamError::Closed,
    }
}

/// Wraps a host input stream.
pub fn input_from_host(stream: host::InputStream) -> api::InputStream {
    api::InputStream::new(InputStream::Host(stream))
}

/// Wraps a host output stream.
pub fn output_from_host(stream: host::OutputStream) -> api::OutputStream {
    api::OutputStream::new(OutputStream::Host(stream))
}

// What is done to a host input stream, each gated (`gate::host_input`): a policy under which
// no host input stream can exist has none of this code, nor the host's functions it calls.

/// `read` or `blocking-read` of a host stream.
#[inline(never)]
fn host_read(s: &host::InputStream, len: u64, blocking: bool) -> Result<Vec<u8>, StreamError> {
    crate::gate::host_input();
    if blocking {
        s.blocking_read(len)
    } else {
        s.read(len)
    }
    .map_err(error_from_host)
}

/// `skip` or `blocking-skip` of a host stream.
#[inline(never)]
fn host_skip(s: &host::InputStream, len: u64, blocking: bool) -> Result<u64, StreamError> {
    crate::gate::host_input();
    if blocking {
        s.blocking_skip(len)
    } else {
        s.skip(len)
    }
    .map_err(error_from_host)
}

/// `subscribe` of a host stream.
#[inline(never)]
fn host_subscribe(s: &host::InputStream) -> api::Pollable {
    crate::gate::host_input();
    poll::from_host(s.subscribe())
}

/// `splice` or `blocking-splice` from a host stream to a host stream.
#[inline(never)]
fn host_splice(
    out: &host::OutputStream,
    input: &host::InputStream,
    len: u64,
    blocking: bool,
) -> Result<u64, StreamError> {
    crate::gate::host_input();
    if blocking {
        out.blocking_splice(input, len)
    } else {
        out.splice(input, len)
    }
    .map_err(error_from_host)
}

impl api::Guest for Adapter {
    type InputStream = InputStream;
    type OutputStream = OutputStream;
}

impl InputStream {
    /// `read` (and `blocking-read` of virtual streams), untraced.
    fn read_bytes(&self, len: u64) -> Result<Vec<u8>, StreamError> {
        match self {
            InputStream::Host(s) => host_read(s, len, false),
            InputStream::Closed => Err(StreamError::Closed),
            InputStream::Memory(m) => m.take(len, MAX_READ).map(<[u8]>::to_vec),
            InputStream::File(f) => f.read(len),
        }
    }

    /// `blocking-read`, untraced.
    fn blocking_read_bytes(&self, len: u64) -> Result<Vec<u8>, StreamError> {
        match self {
            InputStream::Host(s) => host_read(s, len, true),
            InputStream::Closed | InputStream::Memory(_) | InputStream::File(_) => {
                self.read_bytes(len)
            }
        }
    }

    /// `skip` (and `blocking-skip` of virtual streams), untraced.
    fn skip_bytes(&self, len: u64) -> Result<u64, StreamError> {
        match self {
            InputStream::Host(s) => host_skip(s, len, false),
            InputStream::Closed => Err(StreamError::Closed),
            InputStream::Memory(m) => m.take(len, usize::MAX).map(|b| b.len() as u64),
            InputStream::File(f) => f.skip(len),
        }
    }
}

/// A read's result as a trace shows it: `ok(12 bytes)`.
fn read_outcome(result: &Result<Vec<u8>, StreamError>) -> String {
    crate::trace::outcome_with(result, |data| format!("{} bytes", data.len()))
}

/// A skip's or splice's result as a trace shows it: `ok(12 bytes)`.
fn count_outcome(result: &Result<u64, StreamError>) -> String {
    crate::trace::outcome_with(result, |n| format!("{n} bytes"))
}

impl GuestInputStream for InputStream {
    fn read(&self, len: u64) -> Result<Vec<u8>, StreamError> {
        let result = self.read_bytes(len);
        trace!("wasi:io/streams#read({len}) -> {}", read_outcome(&result));
        result
    }

    fn blocking_read(&self, len: u64) -> Result<Vec<u8>, StreamError> {
        let result = self.blocking_read_bytes(len);
        trace!(
            "wasi:io/streams#blocking-read({len}) -> {}",
            read_outcome(&result)
        );
        result
    }

    fn skip(&self, len: u64) -> Result<u64, StreamError> {
        let result = self.skip_bytes(len);
        trace!("wasi:io/streams#skip({len}) -> {}", count_outcome(&result));
        result
    }

    fn blocking_skip(&self, len: u64) -> Result<u64, StreamError> {
        let result = match self {
            InputStream::Host(s) => host_skip(s, len, true),
            InputStream::Closed | InputStream::Memory(_) | InputStream::File(_) => {
                self.skip_bytes(len)
            }
        };
        trace!(
            "wasi:io/streams#blocking-skip({len}) -> {}",
            count_outcome(&result)
        );
        result
    }

    fn subscribe(&self) -> api::Pollable {
        trace!("wasi:io/streams#subscribe()");
        match self {
            InputStream::Host(s) => host_subscribe(s),
            InputStream::Closed | InputStream::Memory(_) | InputStream::File(_) => poll::ready(),
        }
    }
}

impl OutputStream {
    /// `check-write`, untraced.
    fn permit(&self) -> Result<u64, StreamError> {
        match self {
            OutputStream::Host(s) => s.check_write().map_err(error_from_host),
            OutputStream::Discard => Ok(DISCARD_BUDGET),
            OutputStream::Closed => Err(StreamError::Closed),
            OutputStream::File(f) => f.permit(),
        }
    }

    /// `check-write`, blocking until the stream accepts at least one byte.
    fn blocking_permit(&self) -> Result<u64, StreamError> {
        match self {
            OutputStream::Host(s) => loop {
                let n = s.check_write().map_err(error_from_host)?;
                if n > 0 {
                    return Ok(n);
                }
                s.subscribe().block();
            },
            OutputStream::Discard | OutputStream::Closed | OutputStream::File(_) => self.permit(),
        }
    }

    /// `write`, untraced.
    fn put(&self, contents: &[u8]) -> Result<(), StreamError> {
        match self {
            OutputStream::Host(s) => s.write(contents).map_err(error_from_host),
            _ => {
                self.within_permit(contents.len() as u64)?;
                match self {
                    OutputStream::File(f) => f.write(contents, 0),
                    _ => self.virtual_result(),
                }
            }
        }
    }

    /// A write of `len` bytes to a stream of the adapter's own: more than `check-write`
    /// permits traps, as WASI says (the host checks its own streams).
    fn within_permit(&self, len: u64) -> Result<(), StreamError> {
        if len > self.permit()? {
            crate::trap();
        }
        Ok(())
    }

    /// The `blocking-…-and-flush` calls on a stream of the adapter's own: more than
    /// [`BLOCKING_MAX`] bytes traps, as wasmtime traps for its streams.
    fn within_blocking(&self, len: u64) -> Result<(), StreamError> {
        if len > BLOCKING_MAX {
            crate::trap();
        }
        self.within_permit(len)
    }

    /// Virtual outputs' answer to a write or flush.
    fn virtual_result(&self) -> Result<(), StreamError> {
        match self {
            OutputStream::Closed => Err(StreamError::Closed),
            OutputStream::File(f) => f.flush(),
            _ => Ok(()),
        }
    }

    /// `splice` and `blocking-splice` (`blocking`), untraced.
    fn splice_from(&self, src: &InputStream, len: u64, blocking: bool) -> Result<u64, StreamError> {
        if let (OutputStream::Host(out), InputStream::Host(input)) = (self, src) {
            return host_splice(out, input, len, blocking);
        }
        // check-write, read at most that much, write it: what splice is specified to do.
        let data = if blocking {
            let permit = self.blocking_permit()?;
            src.blocking_read_bytes(len.min(permit))?
        } else {
            let permit = self.permit()?;
            src.read_bytes(len.min(permit))?
        };
        self.put(&data)?;
        Ok(data.len() as u64)
    }
}

impl GuestOutputStream for OutputStream {
    fn check_write(&self) -> Result<u64, StreamError> {
        let result = self.permit();
        trace!(
            "wasi:io/streams#check-write() -> {}",
            crate::trace::value(&result)
        );
        result
    }

    fn write(&self, contents: Vec<u8>) -> Result<(), StreamError> {
        let result = self.put(&contents);
        trace!(
            "wasi:io/streams#write({} bytes) -> {}",
            contents.len(),
            crate::trace::outcome(&result)
        );
        result
    }

    fn blocking_write_and_flush(&self, contents: Vec<u8>) -> Result<(), StreamError> {
        let result = match self {
            OutputStream::Host(s) => s
                .blocking_write_and_flush(&contents)
                .map_err(error_from_host),
            _ => self
                .within_blocking(contents.len() as u64)
                .and_then(|()| match self {
                    OutputStream::File(f) => f.blocking_write(&contents, 0),
                    _ => self.virtual_result(),
                }),
        };
        trace!(
            "wasi:io/streams#blocking-write-and-flush({} bytes) -> {}",
            contents.len(),
            crate::trace::outcome(&result)
        );
        result
    }

    fn flush(&self) -> Result<(), StreamError> {
        let result = match self {
            OutputStream::Host(s) => s.flush().map_err(error_from_host),
            _ => self.virtual_result(),
        };
        trace!(
            "wasi:io/streams#flush() -> {}",
            crate::trace::outcome(&result)
        );
        result
    }

    fn blocking_flush(&self) -> Result<(), StreamError> {
        let result = match self {
            OutputStream::Host(s) => s.blocking_flush().map_err(error_from_host),
            _ => self.virtual_result(),
        };
        trace!(
            "wasi:io/streams#blocking-flush() -> {}",
            crate::trace::outcome(&result)
        );
        result
    }

    fn subscribe(&self) -> api::Pollable {
        trace!("wasi:io/streams#subscribe()");
        match self {
            OutputStream::Host(s) => poll::from_host(s.subscribe()),
            // A closed stream's pollable is ready immediately, as WASI requires.
            OutputStream::Discard | OutputStream::Closed | OutputStream::File(_) => poll::ready(),
        }
    }

    fn write_zeroes(&self, len: u64) -> Result<(), StreamError> {
        let result = match self {
            OutputStream::Host(s) => s.write_zeroes(len).map_err(error_from_host),
            _ => self.within_permit(len).and_then(|()| match self {
                OutputStream::File(f) => f.write(&[], len),
                _ => self.virtual_result(),
            }),
        };
        trace!(
            "wasi:io/streams#write-zeroes({len}) -> {}",
            crate::trace::outcome(&result)
        );
        result
    }

    fn blocking_write_zeroes_and_flush(&self, len: u64) -> Result<(), StreamError> {
        let result = match self {
            OutputStream::Host(s) => s
                .blocking_write_zeroes_and_flush(len)
                .map_err(error_from_host),
            _ => self.within_blocking(len).and_then(|()| match self {
                OutputStream::File(f) => f.blocking_write(&[], len),
                _ => self.virtual_result(),
            }),
        };
        trace!(
            "wasi:io/streams#blocking-write-zeroes-and-flush({len}) -> {}",
            crate::trace::outcome(&result)
        );
        result
    }

    fn splice(&self, src: api::InputStreamBorrow<'_>, len: u64) -> Result<u64, StreamError> {
        let result = self.splice_from(src.get::<InputStream>(), len, false);
        trace!(
            "wasi:io/streams#splice({len}) -> {}",
            crate::trace::value(&result)
        );
        result
    }

    fn blocking_splice(
        &self,
        src: api::InputStreamBorrow<'_>,
        len: u64,
    ) -> Result<u64, StreamError> {
        let result = self.splice_from(src.get::<InputStream>(), len, true);
        trace!(
            "wasi:io/streams#blocking-splice({len}) -> {}",
            crate::trace::value(&result)
        );
        result
    }
}
