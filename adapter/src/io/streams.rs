//! `wasi:io/streams`: input and output streams that are either virtual (closed, discarding,
//! in-memory) or wrap a host stream, with `splice` between any two of them.

use core::cell::Cell;

use super::{error, poll};
use crate::Adapter;
use crate::bindings::exports::wasi::io::streams::{
    self as api, GuestInputStream, GuestOutputStream, StreamError,
};
use crate::bindings::wasi::io::streams as host;

/// What `check-write` permits on a discarding stream: large, but far from any overflow.
const DISCARD_BUDGET: u64 = 1 << 30;

/// The most one read copies out of memory (a short read is always allowed), so that asking for
/// `u64::MAX` bytes of a large embedded file does not duplicate it whole.
pub const MAX_READ: usize = 1 << 20;

/// The adapter's `input-stream` resource.
pub enum InputStream {
    /// A host stream (stdin, a host file).
    Host(host::InputStream),
    /// End of stream: every read reports `closed`.
    Closed,
    /// Bytes in memory (embedded files), read from a position.
    Memory(MemorySource),
}

/// The adapter's `output-stream` resource.
pub enum OutputStream {
    /// A host stream (stdout, stderr, a host file).
    Host(host::OutputStream),
    /// Accepts everything and drops it.
    Discard,
    /// Every write and flush reports `closed`.
    Closed,
}

/// An in-memory byte source. The bytes are `'static` because everything virtual comes from the
/// policy, which lives as long as the instance.
pub struct MemorySource {
    bytes: &'static [u8],
    pos: Cell<usize>,
}

impl MemorySource {
    /// A source over `bytes` starting at `pos` (past the end: at the end).
    pub fn new(bytes: &'static [u8], pos: usize) -> Self {
        MemorySource {
            bytes,
            pos: Cell::new(pos),
        }
    }

    /// Consumes up to `len` bytes (at most `max`); `closed` at the end.
    fn take(&self, len: u64, max: usize) -> Result<&'static [u8], StreamError> {
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

impl api::Guest for Adapter {
    type InputStream = InputStream;
    type OutputStream = OutputStream;
}

impl GuestInputStream for InputStream {
    fn read(&self, len: u64) -> Result<Vec<u8>, StreamError> {
        match self {
            InputStream::Host(s) => s.read(len).map_err(error_from_host),
            InputStream::Closed => Err(StreamError::Closed),
            InputStream::Memory(m) => m.take(len, MAX_READ).map(<[u8]>::to_vec),
        }
    }

    fn blocking_read(&self, len: u64) -> Result<Vec<u8>, StreamError> {
        match self {
            InputStream::Host(s) => s.blocking_read(len).map_err(error_from_host),
            InputStream::Closed | InputStream::Memory(_) => self.read(len),
        }
    }

    fn skip(&self, len: u64) -> Result<u64, StreamError> {
        match self {
            InputStream::Host(s) => s.skip(len).map_err(error_from_host),
            InputStream::Closed => Err(StreamError::Closed),
            InputStream::Memory(m) => m.take(len, usize::MAX).map(|b| b.len() as u64),
        }
    }

    fn blocking_skip(&self, len: u64) -> Result<u64, StreamError> {
        match self {
            InputStream::Host(s) => s.blocking_skip(len).map_err(error_from_host),
            InputStream::Closed | InputStream::Memory(_) => self.skip(len),
        }
    }

    fn subscribe(&self) -> api::Pollable {
        match self {
            InputStream::Host(s) => poll::from_host(s.subscribe()),
            InputStream::Closed | InputStream::Memory(_) => poll::ready(),
        }
    }
}

impl OutputStream {
    /// `check-write`, blocking until the stream accepts at least one byte.
    fn blocking_check_write(&self) -> Result<u64, StreamError> {
        match self {
            OutputStream::Host(s) => loop {
                let n = s.check_write().map_err(error_from_host)?;
                if n > 0 {
                    return Ok(n);
                }
                s.subscribe().block();
            },
            OutputStream::Discard | OutputStream::Closed => self.check_write(),
        }
    }

    /// Virtual outputs' answer to a write or flush.
    fn virtual_result(&self) -> Result<(), StreamError> {
        match self {
            OutputStream::Closed => Err(StreamError::Closed),
            _ => Ok(()),
        }
    }
}

impl GuestOutputStream for OutputStream {
    fn check_write(&self) -> Result<u64, StreamError> {
        match self {
            OutputStream::Host(s) => s.check_write().map_err(error_from_host),
            OutputStream::Discard => Ok(DISCARD_BUDGET),
            OutputStream::Closed => Err(StreamError::Closed),
        }
    }

    fn write(&self, contents: Vec<u8>) -> Result<(), StreamError> {
        match self {
            OutputStream::Host(s) => s.write(&contents).map_err(error_from_host),
            _ => self.virtual_result(),
        }
    }

    fn blocking_write_and_flush(&self, contents: Vec<u8>) -> Result<(), StreamError> {
        match self {
            OutputStream::Host(s) => s
                .blocking_write_and_flush(&contents)
                .map_err(error_from_host),
            _ => self.virtual_result(),
        }
    }

    fn flush(&self) -> Result<(), StreamError> {
        match self {
            OutputStream::Host(s) => s.flush().map_err(error_from_host),
            _ => self.virtual_result(),
        }
    }

    fn blocking_flush(&self) -> Result<(), StreamError> {
        match self {
            OutputStream::Host(s) => s.blocking_flush().map_err(error_from_host),
            _ => self.virtual_result(),
        }
    }

    fn subscribe(&self) -> api::Pollable {
        match self {
            OutputStream::Host(s) => poll::from_host(s.subscribe()),
            // A closed stream's pollable is ready immediately, as WASI requires.
            OutputStream::Discard | OutputStream::Closed => poll::ready(),
        }
    }

    fn write_zeroes(&self, len: u64) -> Result<(), StreamError> {
        match self {
            OutputStream::Host(s) => s.write_zeroes(len).map_err(error_from_host),
            _ => self.virtual_result(),
        }
    }

    fn blocking_write_zeroes_and_flush(&self, len: u64) -> Result<(), StreamError> {
        match self {
            OutputStream::Host(s) => s
                .blocking_write_zeroes_and_flush(len)
                .map_err(error_from_host),
            _ => self.virtual_result(),
        }
    }

    fn splice(&self, src: api::InputStreamBorrow<'_>, len: u64) -> Result<u64, StreamError> {
        let src = src.get::<InputStream>();
        if let (OutputStream::Host(out), InputStream::Host(input)) = (self, src) {
            return out.splice(input, len).map_err(error_from_host);
        }
        // check-write, read at most that much, write it: what splice is specified to do.
        let permit = self.check_write()?;
        let data = src.read(len.min(permit))?;
        let n = data.len() as u64;
        self.write(data)?;
        Ok(n)
    }

    fn blocking_splice(
        &self,
        src: api::InputStreamBorrow<'_>,
        len: u64,
    ) -> Result<u64, StreamError> {
        let src = src.get::<InputStream>();
        if let (OutputStream::Host(out), InputStream::Host(input)) = (self, src) {
            return out.blocking_splice(input, len).map_err(error_from_host);
        }
        let permit = self.blocking_check_write()?;
        let data = src.blocking_read(len.min(permit))?;
        let n = data.len() as u64;
        self.write(data)?;
        Ok(n)
    }
}
