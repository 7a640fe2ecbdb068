//! Writable trees in memory (`tmpfs "/tmp";`, `mount … writable;`): descriptors and streams over
//! `virtc_policy::memfs`, which holds the tree and every operation's semantics. Each `Memory`
//! preopen has its own tree (and limit), made when the preopens are first asked for or a
//! descriptor of one is used, and kept for the instance's life. A tree that starts as a directory
//! of an embedded tree is also reached through that tree's descriptors, as if mounted on that
//! directory ([`mounted`]). No host import is called, except the host's wall clock for
//! timestamps when the policy passes the clocks ([`crate::clocks::file_time`]).

use crate::prelude::*;

use core::cell::{Cell, RefCell, RefMut};

use virtc_policy::memfs::{self, Fd, FileKind, FsError, Listing, MemFs, SetTime, Time};

use crate::bindings::exports::wasi::clocks::wall_clock::Datetime;
use crate::bindings::exports::wasi::filesystem::types::{
    DescriptorFlags, DescriptorStat, DescriptorType, ErrorCode, MetadataHashValue, NewTimestamp,
    OpenFlags, PathFlags,
};
use crate::bindings::exports::wasi::io::error as api_error;
use crate::bindings::exports::wasi::io::streams::StreamError;
use crate::io::error::Error;
use crate::policy::{self, Preopen, PreopenSource};
use crate::{Once, gate, trap};

/// What `check-write` permits, as wasmtime for a host file (`FILE_WRITE_CAPACITY`).
const WRITE_BUDGET: u64 = 1024 * 1024;

/// The upper half of in-memory nodes' metadata hashes (the tree's index is added): "virtm".
/// The lower half is the node's serial number in its tree.
const HASH_TAG: u64 = 0x7669_7274_6d00_0000;

/// The descriptor flags wasmtime refuses with `unsupported`.
const SYNC_FLAGS: DescriptorFlags = DescriptorFlags::FILE_INTEGRITY_SYNC
    .union(DescriptorFlags::DATA_INTEGRITY_SYNC)
    .union(DescriptorFlags::REQUESTED_WRITE_SYNC);

/// The trees of the policy's `Memory` preopens, in order, each with the image directory it
/// starts as: where it is mounted in the embedded tree, if that directory is in one.
static TREES: Once<Vec<(Option<u32>, RefCell<MemFs<'static>>)>> = Once::new();

#[inline(never)]
fn trees() -> &'static [(Option<u32>, RefCell<MemFs<'static>>)] {
    gate::memfs();
    TREES.get_or_init(|| {
        let image = policy::image();
        policy::get()
            .files
            .preopens
            .iter()
            .filter_map(|p| match p.source {
                PreopenSource::Memory { node, limit } => Some((
                    node,
                    RefCell::new(
                        // A root that is not an image directory: a corrupt policy.
                        MemFs::new(image, node, limit, now).unwrap_or_else(|| trap()),
                    ),
                )),
                _ => None,
            })
            .collect()
    })
}

/// The tree mounted on the image directory `node`, if any (made with the trees, once per
/// instance). A path from an embedded directory that reaches it goes on in that tree
/// ([`super::embedded::resolve`]), as a path reaches a file system mounted on a directory.
pub fn mounted(node: u32) -> Option<u32> {
    // Without trees in memory, their (gated) code is never run.
    let memory = |p: &Preopen| matches!(p.source, PreopenSource::Memory { .. });
    if !policy::get().files.preopens.iter().any(memory) {
        return None;
    }
    trees()
        .iter()
        .position(|(root, _)| *root == Some(node))
        .map(|tree| tree as u32)
}

/// The clock of every tree.
#[inline(never)]
fn now() -> Time {
    gate::memfs();
    let t = crate::clocks::file_time();
    Time {
        seconds: t.seconds,
        nanoseconds: t.nanoseconds,
    }
}

/// Tree `tree`, borrowed for one call (the adapter is single-threaded and never re-enters a
/// tree). Not inlined: one copy serves every call.
#[inline(never)]
fn tree(tree: u32) -> RefMut<'static, MemFs<'static>> {
    gate::memfs();
    let (_, cell) = trees().get(tree as usize).unwrap_or_else(|| trap());
    cell.try_borrow_mut().unwrap_or_else(|_| trap())
}

/// A tree's error as `wasi:filesystem` names it. Not inlined: one copy serves every call.
#[inline(never)]
fn error_code(e: FsError) -> ErrorCode {
    match e {
        FsError::BadDescriptor => ErrorCode::BadDescriptor,
        FsError::Busy => ErrorCode::Busy,
        FsError::Exist => ErrorCode::Exist,
        FsError::FileTooLarge => ErrorCode::FileTooLarge,
        FsError::IllegalByteSequence => ErrorCode::IllegalByteSequence,
        FsError::InsufficientSpace => ErrorCode::InsufficientSpace,
        FsError::Invalid => ErrorCode::Invalid,
        FsError::IsDirectory => ErrorCode::IsDirectory,
        FsError::Loop => ErrorCode::Loop,
        FsError::NameTooLong => ErrorCode::NameTooLong,
        FsError::NoEntry => ErrorCode::NoEntry,
        FsError::NotDirectory => ErrorCode::NotDirectory,
        FsError::NotEmpty => ErrorCode::NotEmpty,
        FsError::NotPermitted => ErrorCode::NotPermitted,
        FsError::Overflow => ErrorCode::Overflow,
    }
}

pub fn descriptor_type(kind: FileKind) -> DescriptorType {
    match kind {
        FileKind::Directory => DescriptorType::Directory,
        FileKind::File => DescriptorType::RegularFile,
        FileKind::Symlink => DescriptorType::SymbolicLink,
    }
}

fn datetime(t: Time) -> Datetime {
    Datetime {
        seconds: t.seconds,
        nanoseconds: t.nanoseconds,
    }
}

fn set_time(t: NewTimestamp) -> SetTime {
    match t {
        NewTimestamp::NoChange => SetTime::NoChange,
        NewTimestamp::Now => SetTime::Now,
        NewTimestamp::Timestamp(t) => SetTime::At(Time {
            seconds: t.seconds,
            nanoseconds: t.nanoseconds,
        }),
    }
}

fn follow(path_flags: PathFlags) -> bool {
    path_flags.contains(PathFlags::SYMLINK_FOLLOW)
}

/// An open node of a tree (a descriptor, or a stream's file), closed when dropped.
pub struct Handle {
    tree: u32,
    fd: Fd,
}

impl Drop for Handle {
    fn drop(&mut self) {
        close(self.tree, self.fd.node);
    }
}

/// Closes a handle's node. Never traps: at worst an unlinked node stays allocated.
#[inline(never)]
fn close(tree: u32, node: u32) {
    gate::memfs();
    if let Some((_, cell)) = trees().get(tree as usize)
        && let Ok(mut fs) = cell.try_borrow_mut()
    {
        fs.close(node);
    }
}

impl Handle {
    /// The root of tree `tree` (the `tree`-th `Memory` preopen).
    #[inline(never)]
    pub fn root(tree: u32) -> Handle {
        gate::memfs();
        let fd = self::tree(tree).root();
        Handle { tree, fd }
    }

    /// The same node again, counted separately (for a stream, or for a call).
    #[inline(never)]
    pub fn again(&self) -> Handle {
        gate::memfs();
        tree(self.tree).retain(self.fd.node);
        Handle {
            tree: self.tree,
            fd: self.fd,
        }
    }

    /// Runs `f` on this handle's tree with its descriptor, converting the error. Not inlined
    /// and gated: the tree's operations are dropped with it where no tree can exist.
    #[inline(never)]
    fn run<R>(
        &self,
        f: impl FnOnce(&mut MemFs<'static>, Fd) -> Result<R, FsError>,
    ) -> Result<R, ErrorCode> {
        gate::memfs();
        f(&mut tree(self.tree), self.fd).map_err(error_code)
    }

    pub fn kind(&self) -> Result<FileKind, ErrorCode> {
        self.run(|fs, fd| fs.kind(fd))
    }

    /// Whether both are the same node.
    pub fn same(&self, other: &Handle) -> bool {
        self.tree == other.tree && self.fd.node == other.fd.node
    }

    pub fn open_at(
        &self,
        path_flags: PathFlags,
        path: &str,
        open_flags: OpenFlags,
        flags: DescriptorFlags,
    ) -> Result<Handle, ErrorCode> {
        if flags.intersects(SYNC_FLAGS) {
            // wasmtime refuses them once it knows the base is a directory.
            return Err(match self.kind()? {
                FileKind::Directory => ErrorCode::Unsupported,
                _ => ErrorCode::NotDirectory,
            });
        }
        let open = memfs::OpenFlags {
            create: open_flags.contains(OpenFlags::CREATE),
            exclusive: open_flags.contains(OpenFlags::EXCLUSIVE),
            truncate: open_flags.contains(OpenFlags::TRUNCATE),
            directory: open_flags.contains(OpenFlags::DIRECTORY),
        };
        let read = flags.contains(DescriptorFlags::READ);
        let write = flags.contains(DescriptorFlags::WRITE);
        let fd = self.run(|fs, fd| fs.open_at(fd, follow(path_flags), path, open, read, write))?;
        Ok(Handle {
            tree: self.tree,
            fd,
        })
    }

    /// `get-flags`: the access it was opened with (a directory's writing is
    /// `mutate-directory`: only a preopen has it, as in wasmtime).
    pub fn flags(&self) -> Result<DescriptorFlags, ErrorCode> {
        let write = match self.kind()? {
            FileKind::Directory => DescriptorFlags::MUTATE_DIRECTORY,
            _ => DescriptorFlags::WRITE,
        };
        let mut flags = DescriptorFlags::empty();
        if self.fd.read {
            flags |= DescriptorFlags::READ;
        }
        if self.fd.write {
            flags |= write;
        }
        Ok(flags)
    }

    pub fn stat(&self) -> Result<DescriptorStat, ErrorCode> {
        self.run(|fs, fd| fs.stat(fd)).map(stat)
    }

    pub fn stat_at(&self, path_flags: PathFlags, path: &str) -> Result<DescriptorStat, ErrorCode> {
        self.run(|fs, fd| fs.stat_at(fd, follow(path_flags), path))
            .map(stat)
    }

    pub fn metadata_hash(&self) -> Result<MetadataHashValue, ErrorCode> {
        self.run(|fs, fd| fs.metadata_hash(fd))
            .map(|serial| self.hash(serial))
    }

    pub fn metadata_hash_at(
        &self,
        path_flags: PathFlags,
        path: &str,
    ) -> Result<MetadataHashValue, ErrorCode> {
        self.run(|fs, fd| fs.metadata_hash_at(fd, follow(path_flags), path))
            .map(|serial| self.hash(serial))
    }

    fn hash(&self, serial: u64) -> MetadataHashValue {
        MetadataHashValue {
            lower: serial,
            upper: HASH_TAG | u64::from(self.tree),
        }
    }

    /// `read`: the end, as wasmtime says it, once nothing is read.
    pub fn read(&self, len: u64, offset: u64) -> Result<(Vec<u8>, bool), ErrorCode> {
        let data = self.run(|fs, fd| fs.read(fd, len, offset))?;
        let end = data.is_empty();
        Ok((data, end))
    }

    pub fn write(&self, data: &[u8], offset: u64) -> Result<u64, ErrorCode> {
        self.run(|fs, fd| fs.write(fd, data, Some(offset)))
    }

    pub fn set_size(&self, size: u64) -> Result<(), ErrorCode> {
        self.run(|fs, fd| fs.set_size(fd, size))
    }

    pub fn set_times(&self, atime: NewTimestamp, mtime: NewTimestamp) -> Result<(), ErrorCode> {
        self.run(|fs, fd| fs.set_times(fd, set_time(atime), set_time(mtime)))
    }

    pub fn set_times_at(
        &self,
        path_flags: PathFlags,
        path: &str,
        atime: NewTimestamp,
        mtime: NewTimestamp,
    ) -> Result<(), ErrorCode> {
        self.run(|fs, fd| {
            fs.set_times_at(
                fd,
                follow(path_flags),
                path,
                set_time(atime),
                set_time(mtime),
            )
        })
    }

    /// `advise`: accepted for files, as wasmtime (which refuses it for directories).
    pub fn advise(&self) -> Result<(), ErrorCode> {
        match self.kind()? {
            FileKind::Directory => Err(ErrorCode::BadDescriptor),
            _ => Ok(()),
        }
    }

    /// `read-directory`: the entries now.
    pub fn entries(&self) -> Result<Listing, ErrorCode> {
        self.run(|fs, fd| fs.read_directory(fd))
    }

    pub fn create_directory_at(&self, path: &str) -> Result<(), ErrorCode> {
        self.run(|fs, fd| fs.create_directory_at(fd, path))
    }

    pub fn remove_directory_at(&self, path: &str) -> Result<(), ErrorCode> {
        self.run(|fs, fd| fs.remove_directory_at(fd, path))
    }

    pub fn unlink_file_at(&self, path: &str) -> Result<(), ErrorCode> {
        self.run(|fs, fd| fs.unlink_file_at(fd, path))
    }

    pub fn symlink_at(&self, target: &str, path: &str) -> Result<(), ErrorCode> {
        self.run(|fs, fd| fs.symlink_at(fd, target, path))
    }

    pub fn readlink_at(&self, path: &str) -> Result<String, ErrorCode> {
        self.run(|fs, fd| fs.readlink_at(fd, path))
    }

    /// `rename-at`; between two trees, `cross-device` (two file systems, as for Linux).
    pub fn rename_at(&self, old: &str, new_dir: &Handle, new: &str) -> Result<(), ErrorCode> {
        if self.tree != new_dir.tree {
            return Err(ErrorCode::CrossDevice);
        }
        self.run(|fs, fd| fs.rename_at(fd, old, new_dir.fd, new))
    }

    /// `link-at`; between two trees, `cross-device`.
    pub fn link_at(
        &self,
        path_flags: PathFlags,
        old: &str,
        new_dir: &Handle,
        new: &str,
    ) -> Result<(), ErrorCode> {
        if self.tree != new_dir.tree {
            return Err(ErrorCode::CrossDevice);
        }
        self.run(|fs, fd| fs.link_at(fd, follow(path_flags), old, new_dir.fd, new))
    }

    /// `read-via-stream`: `is-directory` for a directory, as wasmtime.
    pub fn reader(&self, offset: u64) -> Result<Reader, ErrorCode> {
        if self.kind()? == FileKind::Directory {
            return Err(ErrorCode::IsDirectory);
        }
        Ok(Reader {
            file: self.again(),
            pos: Cell::new(offset),
            closed: Cell::new(false),
        })
    }

    /// `write-via-stream` (`Some(offset)`) and `append-via-stream` (`None`): `bad-descriptor`
    /// for a directory, as wasmtime. Whether the file may be written shows on the first write.
    pub fn writer(&self, offset: Option<u64>) -> Result<Writer, ErrorCode> {
        if self.kind()? == FileKind::Directory {
            return Err(ErrorCode::BadDescriptor);
        }
        Ok(Writer {
            file: self.again(),
            pos: Cell::new(offset),
            failed: Cell::new(None),
            closed: Cell::new(false),
        })
    }
}

fn stat(s: memfs::Stat) -> DescriptorStat {
    DescriptorStat {
        type_: descriptor_type(s.kind),
        link_count: s.link_count,
        size: s.size,
        data_access_timestamp: Some(datetime(s.atime)),
        data_modification_timestamp: Some(datetime(s.mtime)),
        status_change_timestamp: Some(datetime(s.ctime)),
    }
}

/// A stream error carrying a file system error code.
fn failed(code: ErrorCode) -> StreamError {
    StreamError::LastOperationFailed(api_error::Error::new(Error::Fs(code)))
}

/// An input stream reading a file from a position: what the file holds when each read happens.
/// Like wasmtime's, it ends (`closed`) at the first read that finds nothing, or after an error.
pub struct Reader {
    file: Handle,
    pos: Cell<u64>,
    closed: Cell<bool>,
}

impl Reader {
    /// `read` (every read is immediate).
    #[inline(never)]
    pub fn read(&self, len: u64) -> Result<Vec<u8>, StreamError> {
        gate::memfs();
        if self.closed.get() {
            return Err(StreamError::Closed);
        }
        if len == 0 {
            return Ok(Vec::new());
        }
        let pos = self.pos.get();
        match self.file.run(|fs, fd| fs.read(fd, len, pos)) {
            Ok(data) if data.is_empty() => {
                self.closed.set(true);
                Err(StreamError::Closed)
            }
            Ok(data) => {
                self.pos.set(pos.saturating_add(data.len() as u64));
                Ok(data)
            }
            Err(code) => {
                self.closed.set(true);
                Err(failed(code))
            }
        }
    }

    /// `skip`: a read whose bytes are dropped.
    pub fn skip(&self, len: u64) -> Result<u64, StreamError> {
        self.read(len).map(|data| data.len() as u64)
    }
}

/// An output stream writing a file at a position (`pos`), or at its end (`None`). As in
/// wasmtime, where a write completes in the background, a failed `write` reports its error
/// (`last-operation-failed`, with the file system's code) at the next call, and the stream is
/// closed after it; a failed `blocking-write-and-flush` reports it at once.
pub struct Writer {
    file: Handle,
    pos: Cell<Option<u64>>,
    failed: Cell<Option<ErrorCode>>,
    closed: Cell<bool>,
}

impl Writer {
    /// The error of the last write, or `closed`, if any.
    fn status(&self) -> Result<(), StreamError> {
        if let Some(code) = self.failed.take() {
            self.closed.set(true);
            return Err(failed(code));
        }
        if self.closed.get() {
            return Err(StreamError::Closed);
        }
        Ok(())
    }

    /// Writes `data` (or `zeros` zeros) where the stream stands.
    fn put(&self, data: &[u8], zeros: u64) -> Result<(), ErrorCode> {
        let pos = self.pos.get();
        let n = self.file.run(|fs, fd| {
            if zeros > 0 {
                fs.write_zeros(fd, zeros, pos)
            } else {
                fs.write(fd, data, pos)
            }
        })?;
        if let Some(pos) = pos {
            self.pos.set(Some(pos.saturating_add(n)));
        }
        Ok(())
    }

    /// `check-write`.
    #[inline(never)]
    pub fn permit(&self) -> Result<u64, StreamError> {
        gate::memfs();
        self.status().map(|()| WRITE_BUDGET)
    }

    /// `flush` and `blocking-flush`: writes are done when they return.
    #[inline(never)]
    pub fn flush(&self) -> Result<(), StreamError> {
        gate::memfs();
        self.status()
    }

    /// `write` and `write-zeroes`: any error shows at the next call.
    #[inline(never)]
    pub fn write(&self, data: &[u8], zeros: u64) -> Result<(), StreamError> {
        gate::memfs();
        self.status()?;
        if let Err(code) = self.put(data, zeros) {
            self.failed.set(Some(code));
        }
        Ok(())
    }

    /// `blocking-write-and-flush` and `blocking-write-zeroes-and-flush`.
    #[inline(never)]
    pub fn blocking_write(&self, data: &[u8], zeros: u64) -> Result<(), StreamError> {
        gate::memfs();
        self.status()?;
        self.put(data, zeros).map_err(|code| {
            self.closed.set(true);
            failed(code)
        })
    }
}
