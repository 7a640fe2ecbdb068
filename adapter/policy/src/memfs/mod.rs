//! Writable directory trees in memory (`tmpfs "/tmp";`, `mount "/data" from "./data" writable;`,
//! [`crate::PreopenSource::Memory`]): every `wasi:filesystem` operation's semantics as plain Rust,
//! so that they are tested on the host; the adapter only converts types.
//!
//! The reference is Linux as wasmtime's `wasmtime-wasi` (p2, with cap-std) shows it: the same
//! answers and error codes. Paths are resolved like `openat2(RESOLVE_BENEATH)`: relative to a
//! directory descriptor, which is also their boundary (a leading `/`, a `..` above it, directly
//! or through a symbolic link, and an absolute link target are [`FsError::NotPermitted`]). The
//! calls cap-std makes through a path's parent (`mkdir`, `rmdir`, `unlink`, `rename`, `link`,
//! `symlink`, `readlink`, `utimensat` without following) resolve the parent first and then act on
//! the last component, as cap-std's `open_parent` splits it (`split_parent`). Symbolic links
//! (`symlink-at`, relative targets only, as cap-std) and hard links (`link-at`, not of
//! directories) work as on Linux.
//!
//! A tree may start as a directory of the embedded image ([`crate::image`]). Nothing is copied up
//! front: an untouched embedded directory is listed and searched in the image, and becomes a
//! directory of its own (listing the same nodes) when an entry is added or removed; an embedded
//! file is read in place until it is changed, when it is copied whole (copy-on-write per file).
//! Every node met gets a [`NodeId`], kept as long as the node is linked or open, so that
//! identities ([`MemFs::metadata_hash`]) are stable.
//!
//! `limit` bounds the bytes of file contents created or changed: an own file counts its length
//! (holes included), an untouched embedded file nothing, a copied one its whole new length. A
//! write or resize that would pass it fails with [`FsError::InsufficientSpace`] and changes
//! nothing. Bytes are released when a file shrinks or when its last link and descriptor go (an
//! unlinked file still open keeps counting, as on Linux's tmpfs).
//!
//! Known differences from a host directory under wasmtime on Linux (ext4):
//! - a directory's `stat` size is always [`DIRECTORY_SIZE`] (ext4's; tmpfs, btrfs and others
//!   report other sizes); its link count is 2 plus its subdirectories, as ext4 and tmpfs (btrfs
//!   says 1);
//! - listings are in name order (a host lists in its file system's order);
//! - timestamps come from the caller's clock (the policy's); the status change time is the
//!   last status change (wasmtime reports the birth time there); the access time follows
//!   `relatime` on reads only;
//! - a file is at most what memory can hold (4 GiB in the adapter): writing past it is
//!   `file-too-large` or `insufficient-space` where Linux would make a sparse file; holes take
//!   memory;
//! - a write that would pass the limit writes nothing (Linux may write part of it);
//! - `metadata-hash` values are the tree's own (equal for the same node, distinct otherwise);
//! - a host file node of the image (`file … from host`, which only the host can serve) is an
//!   empty file.

use crate::prelude::*;

use alloc::borrow::Cow;

use crate::image::{Image, Kind};

/// A node of a [`MemFs`]. Valid while the node is linked or an [`Fd`] refers to it.
pub type NodeId = u32;

/// The root directory's node.
const ROOT: NodeId = 0;
/// Symbolic links expanded in one resolution before giving up (Linux's limit).
pub const MAX_LINKS: u32 = 40;
/// The longest name of a directory entry (Linux's `NAME_MAX`).
pub const NAME_MAX: usize = 255;
/// Paths (and link targets) must be shorter than this (Linux's `PATH_MAX`, with the NUL).
pub const PATH_MAX: usize = 4096;
/// The size `stat` reports for a directory (what ext4 reports).
pub const DIRECTORY_SIZE: u64 = 4096;
/// The largest offset and file size (Linux's `off_t`).
const MAX_FILE: u64 = i64::MAX as u64;
/// The most one `read` returns (wasmtime's buffer for a read, `MAX_READ_SIZE_ALLOC`).
pub const READ_MAX: u64 = 64 * 1024;

/// Why an operation failed: the `wasi:filesystem` error code it stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FsError {
    BadDescriptor,
    Busy,
    Exist,
    FileTooLarge,
    IllegalByteSequence,
    InsufficientSpace,
    Invalid,
    IsDirectory,
    Loop,
    NameTooLong,
    NoEntry,
    NotDirectory,
    NotEmpty,
    NotPermitted,
    Overflow,
}

/// A wall-clock time (WASI's `datetime`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Time {
    pub seconds: u64,
    pub nanoseconds: u32,
}

/// A new timestamp for `set-times` (WASI's `new-timestamp`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetTime {
    NoChange,
    Now,
    At(Time),
}

/// What a node is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    Directory,
    File,
    Symlink,
}

/// `stat`'s answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stat {
    pub kind: FileKind,
    pub link_count: u64,
    pub size: u64,
    pub atime: Time,
    pub mtime: Time,
    /// Status change (Linux's `ctime`).
    pub ctime: Time,
}

/// `open-at`'s open flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OpenFlags {
    pub create: bool,
    pub exclusive: bool,
    pub truncate: bool,
    pub directory: bool,
}

/// An open descriptor: a node and the access it was opened with (the access mode wasmtime opens
/// the host file with: reading unless only writing was asked for, writing if asked for or with
/// `create` or `truncate`). A directory's `write` means `mutate-directory` in `get-flags` (only
/// a root has it, as only a preopen has it in wasmtime; any directory may be changed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fd {
    pub node: NodeId,
    pub read: bool,
    pub write: bool,
}

/// A directory's entries as `read-directory` lists them, taken when it is called.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Listing {
    /// An untouched embedded directory: image nodes `first..end` (its children, in name order).
    Image { first: u32, end: u32 },
    /// Names and kinds, in name order.
    Entries(Vec<(Vec<u8>, FileKind)>),
}

struct Node {
    body: Body,
    /// Directory entries naming it (a directory: 1, or 0 once removed).
    nlink: u32,
    /// Open descriptors and streams.
    handles: u32,
    /// Unique for the file system's life: the identity `metadata-hash` reports.
    serial: u64,
    atime: Time,
    mtime: Time,
    ctime: Time,
}

enum Body {
    Dir {
        parent: NodeId,
        entries: Entries,
    },
    File(Data),
    Symlink(Target),
    /// A free slot.
    Free,
}

enum Entries {
    /// The children of this image directory, untouched.
    Image(u32),
    Own(OwnEntries),
}

/// A directory's own entries, sorted by name.
type OwnEntries = Vec<(Box<[u8]>, NodeId)>;

enum Data {
    /// The contents of this image file, untouched.
    Image(u32),
    Own(Vec<u8>),
}

enum Target {
    Image(u32),
    Own(Box<[u8]>),
}

/// Where a path leads.
enum Resolved {
    Node(NodeId),
    /// Its last component, a name, is not in `dir`.
    Missing {
        dir: NodeId,
        name: Vec<u8>,
    },
}

/// The last component of a path, as cap-std's `open_parent` splits it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Last<'p> {
    Name(&'p [u8]),
    /// The parent itself (a path ending in `/`, `/.` or `..`, or `.`): the system call gets `.`.
    Dot,
}

/// Bytes written: given, or zeros.
#[derive(Clone, Copy)]
enum Source<'d> {
    Bytes(&'d [u8]),
    Zeros(u64),
}

impl Source<'_> {
    fn len(self) -> u64 {
        match self {
            Source::Bytes(b) => b.len() as u64,
            Source::Zeros(n) => n,
        }
    }
}

/// A writable tree in memory, optionally over a directory of an embedded image.
pub struct MemFs<'a> {
    image: Image<'a>,
    nodes: Vec<Node>,
    free: Vec<NodeId>,
    /// Image node → its node here, for the children of untouched embedded directories (sorted).
    embedded: Vec<(u32, NodeId)>,
    serial: u64,
    used: u64,
    limit: Option<u64>,
    clock: fn() -> Time,
    /// When the tree was made: the timestamps of embedded nodes.
    mounted: Time,
}

impl<'a> MemFs<'a> {
    /// An empty tree (`root: None`) or one starting as the image directory `root`; `None` if
    /// `root` is not a directory of `image`. `clock` gives the time for timestamps.
    pub fn new(
        image: Image<'a>,
        root: Option<u32>,
        limit: Option<u64>,
        clock: fn() -> Time,
    ) -> Option<MemFs<'a>> {
        let entries = match root {
            None => Entries::Own(Vec::new()),
            Some(i) if i < image.len() && image.node(i).kind == Kind::Directory => {
                Entries::Image(i)
            }
            Some(_) => return None,
        };
        let now = clock();
        let mut fs = MemFs {
            image,
            nodes: Vec::new(),
            free: Vec::new(),
            embedded: Vec::new(),
            serial: 0,
            used: 0,
            limit,
            clock,
            mounted: now,
        };
        let body = Body::Dir {
            parent: ROOT,
            entries,
        };
        fs.alloc(body, now).ok()?;
        Some(fs)
    }

    /// A descriptor of the root (a preopen): close it with [`MemFs::close`].
    pub fn root(&mut self) -> Fd {
        self.retain(ROOT);
        Fd {
            node: ROOT,
            read: true,
            write: true,
        }
    }

    /// Counts one more descriptor (or stream) of `node`.
    pub fn retain(&mut self, node: NodeId) {
        if let Some(n) = self.nodes.get_mut(node as usize) {
            n.handles = n.handles.saturating_add(1);
        }
    }

    /// Forgets a descriptor (or stream) of `node`; an unlinked node goes with its last one.
    pub fn close(&mut self, node: NodeId) {
        if let Some(n) = self.nodes.get_mut(node as usize) {
            n.handles = n.handles.saturating_sub(1);
        }
        self.unref(node);
    }

    /// Bytes of file contents counted against the limit.
    pub fn used(&self) -> u64 {
        self.used
    }

    /// What `fd` is.
    pub fn kind(&self, fd: Fd) -> Result<FileKind, FsError> {
        self.kind_of(fd.node)
    }

    /// `stat`.
    pub fn stat(&self, fd: Fd) -> Result<Stat, FsError> {
        self.stat_node(fd.node)
    }

    /// `stat-at`.
    pub fn stat_at(&mut self, base: Fd, follow: bool, path: &str) -> Result<Stat, FsError> {
        let node = self.stat_target(base, follow, path)?;
        self.stat_node(node)
    }

    /// `metadata-hash`: a number unique to the node for the file system's life.
    pub fn metadata_hash(&self, fd: Fd) -> Result<u64, FsError> {
        Ok(self.get(fd.node)?.serial)
    }

    /// `metadata-hash-at`.
    pub fn metadata_hash_at(&mut self, base: Fd, follow: bool, path: &str) -> Result<u64, FsError> {
        let node = self.stat_target(base, follow, path)?;
        Ok(self.get(node)?.serial)
    }

    /// `open-at` from the directory `base` (`follow`: `symlink-follow`; `read`, `write`: the
    /// descriptor flags). The new descriptor counts as open until [`MemFs::close`].
    pub fn open_at(
        &mut self,
        base: Fd,
        follow: bool,
        path: &str,
        flags: OpenFlags,
        read: bool,
        write: bool,
    ) -> Result<Fd, FsError> {
        let base = self.dir_of(base)?;
        if flags.directory && (flags.create || flags.exclusive || flags.truncate) {
            return Err(FsError::Invalid);
        }
        let path = check_path(path)?;
        // wasmtime reads unless only writing was asked for.
        let read = read || !write;
        let write = write || flags.create || flags.truncate;
        // `O_CREAT | O_EXCL` never follows a final link.
        let follow = follow && !(flags.create && flags.exclusive);
        let node = match self.resolve(base, path, follow, flags.create)? {
            Resolved::Missing { dir, name } if flags.create => {
                let now = self.now();
                let node = self.create(dir, &name, Body::File(Data::Own(Vec::new())), now)?;
                self.retain(node);
                return Ok(Fd { node, read, write });
            }
            Resolved::Missing { .. } => return Err(FsError::NoEntry),
            Resolved::Node(node) => node,
        };
        let kind = self.kind_of(node)?;
        if flags.create {
            if flags.exclusive {
                return Err(FsError::Exist);
            }
            if kind == FileKind::Directory {
                return Err(FsError::IsDirectory);
            }
        }
        match kind {
            // `O_NOFOLLOW` on a link.
            FileKind::Symlink => return Err(FsError::Loop),
            FileKind::Directory if write => return Err(FsError::IsDirectory),
            FileKind::Directory => {
                self.retain(node);
                return Ok(Fd {
                    node,
                    read: true,
                    write: false,
                });
            }
            // wasmtime opens it, then refuses it.
            FileKind::File if flags.directory => return Err(FsError::NotDirectory),
            FileKind::File => {}
        }
        if flags.truncate {
            self.resize(node, 0)?;
            let now = self.now();
            self.modified(node, now);
        }
        self.retain(node);
        Ok(Fd { node, read, write })
    }

    /// `read`: up to `len` bytes (at most [`READ_MAX`]) at `offset` (none at or past the end).
    pub fn read(&mut self, fd: Fd, len: u64, offset: u64) -> Result<Vec<u8>, FsError> {
        let Body::File(data) = &self.get(fd.node)?.body else {
            return Err(FsError::BadDescriptor);
        };
        if !fd.read {
            return Err(FsError::BadDescriptor);
        }
        let len = len.min(READ_MAX);
        // Past `off_t`, even with the length: `EINVAL`.
        if offset.checked_add(len).is_none_or(|end| end > MAX_FILE) {
            return Err(FsError::Invalid);
        }
        let bytes = self.bytes(data);
        let start = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(bytes.len());
        let rest = bytes.get(start..).unwrap_or_default();
        let n = usize::try_from(len).unwrap_or(usize::MAX).min(rest.len());
        let out = rest.get(..n).unwrap_or_default().to_vec();
        if len > 0 {
            self.accessed(fd.node);
        }
        Ok(out)
    }

    /// `write`: `data` at `offset`, or at the end (`None`: appending). Past the end, the hole
    /// reads as zeros.
    pub fn write(&mut self, fd: Fd, data: &[u8], offset: Option<u64>) -> Result<u64, FsError> {
        self.put(fd, Source::Bytes(data), offset)
    }

    /// Like [`MemFs::write`], with `len` zeros.
    pub fn write_zeros(&mut self, fd: Fd, len: u64, offset: Option<u64>) -> Result<u64, FsError> {
        self.put(fd, Source::Zeros(len), offset)
    }

    /// `set-size`.
    pub fn set_size(&mut self, fd: Fd, size: u64) -> Result<(), FsError> {
        let Body::File(data) = &self.get(fd.node)?.body else {
            return Err(FsError::BadDescriptor);
        };
        // `ftruncate` on a descriptor not open for writing, or past `off_t`: `EINVAL`.
        if !fd.write || size > MAX_FILE {
            return Err(FsError::Invalid);
        }
        let unchanged = matches!(data, Data::Image(_)) && self.bytes(data).len() as u64 == size;
        if !unchanged {
            self.resize(fd.node, size)?;
        }
        let now = self.now();
        self.modified(fd.node, now);
        Ok(())
    }

    /// `set-times`.
    pub fn set_times(&mut self, fd: Fd, atime: SetTime, mtime: SetTime) -> Result<(), FsError> {
        self.set_node_times(fd.node, atime, mtime)
    }

    /// `set-times-at`.
    pub fn set_times_at(
        &mut self,
        base: Fd,
        follow: bool,
        path: &str,
        atime: SetTime,
        mtime: SetTime,
    ) -> Result<(), FsError> {
        let base = self.dir_of(base)?;
        // wasmtime converts the times before anything else.
        valid_time(atime)?;
        valid_time(mtime)?;
        let path = check_path(path)?;
        let node = if follow {
            self.resolve_node(base, path, true)?
        } else {
            let (dir, last) = self.parent(base, path)?;
            self.last_node(dir, last)?
        };
        self.set_node_times(node, atime, mtime)
    }

    /// `read-directory`.
    pub fn read_directory(&self, fd: Fd) -> Result<Listing, FsError> {
        match &self.get(fd.node)?.body {
            Body::Dir {
                entries: Entries::Image(i),
                ..
            } => {
                let count = self.image.node(*i).size() as u32;
                let first = self.image.children(*i).next().map_or(0, |c| c.index);
                Ok(Listing::Image {
                    first,
                    end: first.saturating_add(count),
                })
            }
            Body::Dir {
                entries: Entries::Own(entries),
                ..
            } => Ok(Listing::Entries(
                entries
                    .iter()
                    .filter_map(|(name, id)| Some((name.to_vec(), self.kind_of(*id).ok()?)))
                    .collect(),
            )),
            _ => Err(FsError::NotDirectory),
        }
    }

    /// `create-directory-at`.
    pub fn create_directory_at(&mut self, base: Fd, path: &str) -> Result<(), FsError> {
        let base = self.dir_of(base)?;
        // cap-std strips trailing slashes before the kernel sees the path.
        let path = check_bytes(strip_slashes(path.as_bytes()))?;
        let (dir, last) = self.parent(base, path)?;
        let Last::Name(name) = last else {
            return Err(FsError::Exist);
        };
        if self.lookup(dir, name)?.is_some() {
            return Err(FsError::Exist);
        }
        let now = self.now();
        let body = Body::Dir {
            parent: dir,
            entries: Entries::Own(Vec::new()),
        };
        self.create(dir, name, body, now)?;
        Ok(())
    }

    /// `remove-directory-at`.
    pub fn remove_directory_at(&mut self, base: Fd, path: &str) -> Result<(), FsError> {
        let base = self.dir_of(base)?;
        let path = check_path(path)?;
        let (dir, last) = self.parent(base, path)?;
        // `rmdir(".")`.
        let Last::Name(name) = last else {
            return Err(FsError::Invalid);
        };
        let node = self.lookup(dir, name)?.ok_or(FsError::NoEntry)?;
        if self.kind_of(node)? != FileKind::Directory {
            return Err(FsError::NotDirectory);
        }
        if !self.is_empty_dir(node) {
            return Err(FsError::NotEmpty);
        }
        let now = self.now();
        self.unlink(dir, name, node, now)
    }

    /// `unlink-file-at`.
    pub fn unlink_file_at(&mut self, base: Fd, path: &str) -> Result<(), FsError> {
        let base = self.dir_of(base)?;
        let path = check_path(path)?;
        let (dir, last) = self.parent(base, path)?;
        // `unlink(".")`.
        let Last::Name(name) = last else {
            return Err(FsError::IsDirectory);
        };
        let node = self.lookup(dir, name)?.ok_or(FsError::NoEntry)?;
        if self.kind_of(node)? == FileKind::Directory {
            return Err(FsError::IsDirectory);
        }
        let now = self.now();
        self.unlink(dir, name, node, now)
    }

    /// `rename-at`: replaces the target as POSIX `rename` does.
    pub fn rename_at(
        &mut self,
        old_base: Fd,
        old_path: &str,
        new_base: Fd,
        new_path: &str,
    ) -> Result<(), FsError> {
        let old_base = self.dir_of(old_base)?;
        let new_base = self.dir_of(new_base)?;
        // cap-std strips trailing slashes, and keeps one on the old path's last component.
        let old_slash = old_path.ends_with('/');
        let old_path = check_bytes(strip_slashes(old_path.as_bytes()))?;
        let new_path = check_bytes(strip_slashes(new_path.as_bytes()))?;
        let (old_dir, old_last) = self.parent(old_base, old_path)?;
        let (new_dir, new_last) = self.parent(new_base, new_path)?;
        let (Last::Name(old_name), Last::Name(new_name)) = (old_last, new_last) else {
            // Renaming `.` or `..`, or onto them.
            return Err(FsError::Busy);
        };
        let node = self.lookup(old_dir, old_name)?.ok_or(FsError::NoEntry)?;
        if !self.is_live(new_dir) {
            return Err(FsError::NoEntry);
        }
        let target = self.lookup(new_dir, new_name)?;
        let is_dir = self.kind_of(node)? == FileKind::Directory;
        if !is_dir && old_slash {
            return Err(FsError::NotDirectory);
        }
        // Linux's checks of the two parents, before anything about the nodes' kinds.
        if is_dir && self.within(node, new_dir) {
            return Err(FsError::Invalid);
        }
        if let Some(target) = target
            && self.within(target, old_dir)
        {
            return Err(FsError::NotEmpty);
        }
        if target == Some(node) {
            return Ok(());
        }
        if let Some(target) = target {
            match (is_dir, self.kind_of(target)? == FileKind::Directory) {
                (true, false) => return Err(FsError::NotDirectory),
                (false, true) => return Err(FsError::IsDirectory),
                (true, true) if !self.is_empty_dir(target) => return Err(FsError::NotEmpty),
                _ => {}
            }
        }
        let now = self.now();
        self.entries_mut(old_dir)?;
        self.entries_mut(new_dir)?;
        self.remove_entry(old_dir, old_name)?;
        self.insert_entry(new_dir, new_name, node)?;
        let n = self.get_mut(node)?;
        n.ctime = now;
        if let Body::Dir { parent, .. } = &mut n.body {
            *parent = new_dir;
        }
        if let Some(target) = target {
            self.dropped_link(target, now);
        }
        self.modified(old_dir, now);
        self.modified(new_dir, now);
        Ok(())
    }

    /// `link-at`: a hard link (not of directories).
    pub fn link_at(
        &mut self,
        old_base: Fd,
        follow: bool,
        old_path: &str,
        new_base: Fd,
        new_path: &str,
    ) -> Result<(), FsError> {
        let old_base = self.dir_of(old_base)?;
        let new_base = self.dir_of(new_base)?;
        if follow {
            return Err(FsError::Invalid);
        }
        let old_path = check_path(old_path)?;
        let new_path = check_path(new_path)?;
        let (old_dir, old_last) = self.parent(old_base, old_path)?;
        let (new_dir, new_last) = self.parent(new_base, new_path)?;
        let node = self.last_node(old_dir, old_last)?;
        let Last::Name(new_name) = new_last else {
            return Err(FsError::Exist);
        };
        if self.lookup(new_dir, new_name)?.is_some() {
            return Err(FsError::Exist);
        }
        if !self.is_live(new_dir) {
            return Err(FsError::NoEntry);
        }
        if self.kind_of(node)? == FileKind::Directory {
            return Err(FsError::NotPermitted);
        }
        let now = self.now();
        self.insert_entry(new_dir, new_name, node)?;
        let n = self.get_mut(node)?;
        n.nlink = n.nlink.saturating_add(1);
        n.ctime = now;
        self.modified(new_dir, now);
        Ok(())
    }

    /// `symlink-at`: a link at `path` to `target` (relative: an absolute target could never be
    /// followed).
    pub fn symlink_at(&mut self, base: Fd, target: &str, path: &str) -> Result<(), FsError> {
        let base = self.dir_of(base)?;
        if target.starts_with('/') {
            return Err(FsError::NotPermitted);
        }
        let target = check_path(target)?;
        let path = check_path(path)?;
        let (dir, last) = self.parent(base, path)?;
        if target.is_empty() {
            return Err(FsError::NoEntry);
        }
        let Last::Name(name) = last else {
            return Err(FsError::Exist);
        };
        if self.lookup(dir, name)?.is_some() {
            return Err(FsError::Exist);
        }
        let now = self.now();
        self.create(dir, name, Body::Symlink(Target::Own(target.into())), now)?;
        Ok(())
    }

    /// `readlink-at`.
    pub fn readlink_at(&mut self, base: Fd, path: &str) -> Result<String, FsError> {
        let base = self.dir_of(base)?;
        let path = check_path(path)?;
        let (dir, last) = self.parent(base, path)?;
        let Last::Name(name) = last else {
            return Err(FsError::Invalid);
        };
        let node = self.lookup(dir, name)?.ok_or(FsError::NoEntry)?;
        let target = self.link_target(node).ok_or(FsError::Invalid)?;
        // cap-std refuses to show an absolute target.
        if target.first() == Some(&b'/') {
            return Err(FsError::NotPermitted);
        }
        String::from_utf8(target.into_owned()).map_err(|_| FsError::IllegalByteSequence)
    }

    // Nodes.

    fn now(&self) -> Time {
        (self.clock)()
    }

    fn get(&self, id: NodeId) -> Result<&Node, FsError> {
        match self.nodes.get(id as usize) {
            Some(node) if !matches!(node.body, Body::Free) => Ok(node),
            _ => Err(FsError::BadDescriptor),
        }
    }

    fn get_mut(&mut self, id: NodeId) -> Result<&mut Node, FsError> {
        match self.nodes.get_mut(id as usize) {
            Some(node) if !matches!(node.body, Body::Free) => Ok(node),
            _ => Err(FsError::BadDescriptor),
        }
    }

    /// A new node with one link.
    fn alloc(&mut self, body: Body, time: Time) -> Result<NodeId, FsError> {
        self.serial += 1;
        let node = Node {
            body,
            nlink: 1,
            handles: 0,
            serial: self.serial,
            atime: time,
            mtime: time,
            ctime: time,
        };
        if let Some(id) = self.free.pop()
            && let Some(slot) = self.nodes.get_mut(id as usize)
        {
            *slot = node;
            return Ok(id);
        }
        let id = NodeId::try_from(self.nodes.len()).map_err(|_| FsError::InsufficientSpace)?;
        self.nodes.push(node);
        Ok(id)
    }

    /// Frees `id` if nothing refers to it any more.
    fn unref(&mut self, id: NodeId) {
        let Some(node) = self.nodes.get_mut(id as usize) else {
            return;
        };
        if node.nlink > 0 || node.handles > 0 || id == ROOT || matches!(node.body, Body::Free) {
            return;
        }
        if let Body::File(Data::Own(bytes)) = &node.body {
            self.used = self.used.saturating_sub(bytes.len() as u64);
        }
        node.body = Body::Free;
        self.free.push(id);
    }

    /// One link fewer (a directory: removed).
    fn dropped_link(&mut self, id: NodeId, now: Time) {
        if let Ok(node) = self.get_mut(id) {
            node.nlink = match node.body {
                Body::Dir { .. } => 0,
                _ => node.nlink.saturating_sub(1),
            };
            node.ctime = now;
        }
        self.unref(id);
    }

    fn kind_of(&self, id: NodeId) -> Result<FileKind, FsError> {
        Ok(match self.get(id)?.body {
            Body::Dir { .. } => FileKind::Directory,
            Body::Symlink(_) => FileKind::Symlink,
            _ => FileKind::File,
        })
    }

    fn is_dir(&self, id: NodeId) -> bool {
        self.kind_of(id) == Ok(FileKind::Directory)
    }

    /// Whether `dir` is a directory still in the tree (not removed).
    fn is_live(&self, dir: NodeId) -> bool {
        self.get(dir).is_ok_and(|n| n.nlink > 0)
    }

    /// A directory descriptor's node; `not-directory` for a file.
    fn dir_of(&self, fd: Fd) -> Result<NodeId, FsError> {
        match self.kind_of(fd.node)? {
            FileKind::Directory => Ok(fd.node),
            _ => Err(FsError::NotDirectory),
        }
    }

    fn parent_of(&self, dir: NodeId) -> Result<NodeId, FsError> {
        match self.get(dir)?.body {
            Body::Dir { parent, .. } => Ok(parent),
            _ => Err(FsError::NotDirectory),
        }
    }

    /// Whether `node` is `dir` or one of its ancestors.
    fn within(&self, node: NodeId, mut dir: NodeId) -> bool {
        // Bounded: the tree has no cycles, but a corrupt one must not hang.
        for _ in 0..=self.nodes.len() {
            if dir == node {
                return true;
            }
            match self.parent_of(dir) {
                Ok(parent) if parent != dir => dir = parent,
                _ => return false,
            }
        }
        false
    }

    /// A file's contents or a link's target, wherever they are.
    fn bytes<'s>(&'s self, data: &'s Data) -> &'s [u8] {
        match data {
            Data::Image(i) => self.image.data(&self.image.node(*i)),
            Data::Own(bytes) => bytes,
        }
    }

    fn link_target(&self, id: NodeId) -> Option<Cow<'a, [u8]>> {
        match &self.get(id).ok()?.body {
            Body::Symlink(Target::Image(i)) => {
                Some(Cow::Borrowed(self.image.data(&self.image.node(*i))))
            }
            Body::Symlink(Target::Own(target)) => Some(Cow::Owned(target.to_vec())),
            _ => None,
        }
    }

    fn stat_node(&self, id: NodeId) -> Result<Stat, FsError> {
        let node = self.get(id)?;
        let (kind, size, link_count) = match &node.body {
            Body::Dir { entries, .. } => {
                let subdirs = match entries {
                    Entries::Image(i) => self
                        .image
                        .children(*i)
                        .filter(|c| c.kind == Kind::Directory)
                        .count(),
                    Entries::Own(entries) => {
                        entries.iter().filter(|(_, id)| self.is_dir(*id)).count()
                    }
                };
                // `.`, the parent's entry and each subdirectory's `..`.
                let links = if node.nlink == 0 {
                    0
                } else {
                    2 + subdirs as u64
                };
                (FileKind::Directory, DIRECTORY_SIZE, links)
            }
            Body::File(data) => (
                FileKind::File,
                self.bytes(data).len() as u64,
                node.nlink.into(),
            ),
            Body::Symlink(_) => {
                let len = self.link_target(id).map_or(0, |t| t.len());
                (FileKind::Symlink, len as u64, node.nlink.into())
            }
            Body::Free => return Err(FsError::BadDescriptor),
        };
        Ok(Stat {
            kind,
            link_count,
            size,
            atime: node.atime,
            mtime: node.mtime,
            ctime: node.ctime,
        })
    }

    /// Data changed: modification and status change times.
    fn modified(&mut self, id: NodeId, now: Time) {
        if let Ok(node) = self.get_mut(id) {
            node.mtime = now;
            node.ctime = now;
        }
    }

    /// Read: the access time, as `relatime` updates it (when not newer than the other two).
    fn accessed(&mut self, id: NodeId) {
        let stale = self
            .get(id)
            .is_ok_and(|n| n.atime <= n.mtime || n.atime <= n.ctime);
        if stale {
            let now = self.now();
            if let Ok(node) = self.get_mut(id) {
                node.atime = now;
            }
        }
    }

    fn set_node_times(
        &mut self,
        id: NodeId,
        atime: SetTime,
        mtime: SetTime,
    ) -> Result<(), FsError> {
        let atime = valid_time(atime)?;
        let mtime = valid_time(mtime)?;
        self.get(id)?;
        if atime.is_none() && mtime.is_none() {
            return Ok(());
        }
        let now = self.now();
        let node = self.get_mut(id)?;
        if let Some(t) = atime {
            node.atime = t.unwrap_or(now);
        }
        if let Some(t) = mtime {
            node.mtime = t.unwrap_or(now);
        }
        node.ctime = now;
        Ok(())
    }

    // Directories.

    /// The node for the image node `index`, a child of the untouched image directory `dir`:
    /// made on first use, then the same each time.
    fn image_child(&mut self, dir: NodeId, index: u32) -> Result<NodeId, FsError> {
        match self.embedded.binary_search_by_key(&index, |e| e.0) {
            Ok(k) => self
                .embedded
                .get(k)
                .map(|e| e.1)
                .ok_or(FsError::BadDescriptor),
            Err(k) => {
                let id = self.image_node(dir, index)?;
                self.embedded.insert(k, (index, id));
                Ok(id)
            }
        }
    }

    /// A new node for the image node `index` (a host file node, which only the host can serve,
    /// is an empty file).
    fn image_node(&mut self, dir: NodeId, index: u32) -> Result<NodeId, FsError> {
        let body = match self.image.node(index).kind {
            Kind::Directory => Body::Dir {
                parent: dir,
                entries: Entries::Image(index),
            },
            Kind::File => Body::File(Data::Image(index)),
            Kind::Symlink => Body::Symlink(Target::Image(index)),
            Kind::HostFile => Body::File(Data::Own(Vec::new())),
        };
        self.alloc(body, self.mounted)
    }

    /// The entry `name` of the directory `dir`.
    fn lookup(&mut self, dir: NodeId, name: &[u8]) -> Result<Option<NodeId>, FsError> {
        match &self.get(dir)?.body {
            Body::Dir {
                entries: Entries::Image(i),
                ..
            } => match self.image.lookup(*i, name) {
                Some(child) => self.image_child(dir, child.index).map(Some),
                None => Ok(None),
            },
            Body::Dir {
                entries: Entries::Own(entries),
                ..
            } => Ok(entries
                .binary_search_by(|(n, _)| (**n).cmp(name))
                .ok()
                .and_then(|k| entries.get(k))
                .map(|e| e.1)),
            _ => Err(FsError::NotDirectory),
        }
    }

    fn is_empty_dir(&self, dir: NodeId) -> bool {
        match self.get(dir).map(|n| &n.body) {
            Ok(Body::Dir {
                entries: Entries::Image(i),
                ..
            }) => self.image.node(*i).size() == 0,
            Ok(Body::Dir {
                entries: Entries::Own(entries),
                ..
            }) => entries.is_empty(),
            _ => false,
        }
    }

    /// The entries of `dir`, made its own first if they are still the image's (with the nodes
    /// already made for them).
    fn entries_mut(&mut self, dir: NodeId) -> Result<&mut OwnEntries, FsError> {
        if let Body::Dir {
            entries: Entries::Image(index),
            ..
        } = self.get(dir)?.body
        {
            let image = self.image;
            let mut own = Vec::with_capacity(image.node(index).size() as usize);
            for child in image.children(index) {
                let id = match self.embedded.binary_search_by_key(&child.index, |e| e.0) {
                    Ok(k) => self.embedded.remove(k).1,
                    Err(_) => self.image_node(dir, child.index)?,
                };
                own.push((Box::from(child.name), id));
            }
            if let Body::Dir { entries, .. } = &mut self.get_mut(dir)?.body {
                *entries = Entries::Own(own);
            }
        }
        match &mut self.get_mut(dir)?.body {
            Body::Dir {
                entries: Entries::Own(entries),
                ..
            } => Ok(entries),
            _ => Err(FsError::NotDirectory),
        }
    }

    /// Sets the entry `name` of `dir` to `node`.
    fn insert_entry(&mut self, dir: NodeId, name: &[u8], node: NodeId) -> Result<(), FsError> {
        let entries = self.entries_mut(dir)?;
        match entries.binary_search_by(|(n, _)| (**n).cmp(name)) {
            Ok(k) => {
                if let Some(entry) = entries.get_mut(k) {
                    entry.1 = node;
                }
            }
            Err(k) => entries.insert(k, (name.into(), node)),
        }
        Ok(())
    }

    fn remove_entry(&mut self, dir: NodeId, name: &[u8]) -> Result<(), FsError> {
        let entries = self.entries_mut(dir)?;
        if let Ok(k) = entries.binary_search_by(|(n, _)| (**n).cmp(name)) {
            entries.remove(k);
        }
        Ok(())
    }

    /// A new node `name` in `dir` (checked to be free).
    fn create(
        &mut self,
        dir: NodeId,
        name: &[u8],
        body: Body,
        now: Time,
    ) -> Result<NodeId, FsError> {
        if !self.is_live(dir) {
            return Err(FsError::NoEntry);
        }
        self.entries_mut(dir)?;
        let node = self.alloc(body, now)?;
        self.insert_entry(dir, name, node)?;
        self.modified(dir, now);
        Ok(node)
    }

    /// Removes the entry `name` (naming `node`) from `dir`.
    fn unlink(&mut self, dir: NodeId, name: &[u8], node: NodeId, now: Time) -> Result<(), FsError> {
        self.remove_entry(dir, name)?;
        self.dropped_link(node, now);
        self.modified(dir, now);
        Ok(())
    }

    // Paths.

    /// Resolves `path` from the directory `base`, component by component, like the kernel
    /// beneath `base`. Links met on the way are followed; a final one if `follow` (or if the
    /// path ends with `/`). A missing last component that is a name is [`Resolved::Missing`];
    /// with `create`, a last name followed by `/` is `is-directory` before it is looked up
    /// (`open` with `O_CREAT`).
    fn resolve<'p>(
        &mut self,
        base: NodeId,
        path: &'p [u8],
        follow: bool,
        create: bool,
    ) -> Result<Resolved, FsError>
    where
        'a: 'p,
    {
        match path.first() {
            None => return Err(FsError::NoEntry),
            Some(b'/') => return Err(FsError::NotPermitted),
            Some(_) => {}
        }
        // What is left to resolve, innermost link target on top. Every entry is non-empty and
        // starts with a component.
        let mut pending: Vec<Cow<'p, [u8]>> = vec![Cow::Borrowed(path)];
        let mut node = base;
        // How far below `base` the walk is: `..` at 0 would leave it.
        let mut depth: u32 = 0;
        let mut links: u32 = 0;
        let mut dir_required = false;
        while let Some(top) = pending.pop() {
            if !self.is_dir(node) {
                return Err(FsError::NotDirectory);
            }
            let (name, slash) = match top.iter().position(|&b| b == b'/') {
                Some(i) => {
                    let rest = match &top {
                        Cow::Borrowed(s) => {
                            let s: &'p [u8] = s;
                            Cow::Borrowed(trim_slashes(s.get(i..).unwrap_or_default()))
                        }
                        Cow::Owned(v) => {
                            Cow::Owned(trim_slashes(v.get(i..).unwrap_or_default()).to_vec())
                        }
                    };
                    if !rest.is_empty() {
                        pending.push(rest);
                    }
                    (top.get(..i).unwrap_or_default(), true)
                }
                None => (&*top, false),
            };
            let last = pending.is_empty();
            dir_required |= last && slash;
            match name {
                b"." => {}
                b".." => {
                    depth = depth.checked_sub(1).ok_or(FsError::NotPermitted)?;
                    node = self.parent_of(node)?;
                }
                _ => {
                    if name.len() > NAME_MAX {
                        return Err(FsError::NameTooLong);
                    }
                    if create && last && slash {
                        return Err(FsError::IsDirectory);
                    }
                    let Some(child) = self.lookup(node, name)? else {
                        if last {
                            return Ok(Resolved::Missing {
                                dir: node,
                                name: name.to_vec(),
                            });
                        }
                        return Err(FsError::NoEntry);
                    };
                    match self.link_target(child) {
                        Some(target) if !last || follow || slash => {
                            links += 1;
                            if links > MAX_LINKS {
                                return Err(FsError::Loop);
                            }
                            // Resolved from the link's directory, where the walk stands.
                            match target.first() {
                                None => return Err(FsError::NoEntry),
                                Some(b'/') => return Err(FsError::NotPermitted),
                                Some(_) => pending.push(target),
                            }
                        }
                        _ => {
                            node = child;
                            depth += 1;
                        }
                    }
                }
            }
        }
        if dir_required && !self.is_dir(node) {
            return Err(FsError::NotDirectory);
        }
        Ok(Resolved::Node(node))
    }

    /// The node `path` leads to.
    fn resolve_node(&mut self, base: NodeId, path: &[u8], follow: bool) -> Result<NodeId, FsError> {
        match self.resolve(base, path, follow, false)? {
            Resolved::Node(node) => Ok(node),
            Resolved::Missing { .. } => Err(FsError::NoEntry),
        }
    }

    /// cap-std's `open_parent`: the directory the last component of `path` is in (reached
    /// following links, required to be a directory), and that component.
    fn parent<'p>(&mut self, base: NodeId, path: &'p [u8]) -> Result<(NodeId, Last<'p>), FsError> {
        let (dir, last) = split_parent(path)?;
        let dir = if dir.is_empty() {
            base
        } else {
            let node = self.resolve_node(base, dir, true)?;
            if !self.is_dir(node) {
                return Err(FsError::NotDirectory);
            }
            node
        };
        if let Last::Name(name) = last
            && name.len() > NAME_MAX
        {
            return Err(FsError::NameTooLong);
        }
        Ok((dir, last))
    }

    /// The node a split path names, not following a final link.
    fn last_node(&mut self, dir: NodeId, last: Last<'_>) -> Result<NodeId, FsError> {
        match last {
            Last::Dot => Ok(dir),
            Last::Name(name) => self.lookup(dir, name)?.ok_or(FsError::NoEntry),
        }
    }

    /// What `stat-at` and `metadata-hash-at` look at. Without following, cap-std asks the kernel
    /// directly about a path that is one name (`fstatat(AT_SYMLINK_NOFOLLOW)`, after Rust's
    /// `Path` dropped trailing `/` and `.`), else resolves it with `O_PATH | O_NOFOLLOW`.
    fn stat_target(&mut self, base: Fd, follow: bool, path: &str) -> Result<NodeId, FsError> {
        let base = self.dir_of(base)?;
        let path = check_path(path)?;
        if !follow && let Some(name) = single_name(path) {
            if name.len() > NAME_MAX {
                return Err(FsError::NameTooLong);
            }
            return self.lookup(base, name)?.ok_or(FsError::NoEntry);
        }
        self.resolve_node(base, path, follow)
    }

    // File contents.

    /// Writes at `offset` (`None`: at the end).
    fn put(&mut self, fd: Fd, source: Source<'_>, offset: Option<u64>) -> Result<u64, FsError> {
        let Body::File(data) = &self.get(fd.node)?.body else {
            return Err(FsError::BadDescriptor);
        };
        if !fd.write {
            return Err(FsError::BadDescriptor);
        }
        let size = self.bytes(data).len() as u64;
        let start = match offset {
            Some(offset) if offset > MAX_FILE => return Err(FsError::Invalid),
            Some(offset) => offset,
            None => size,
        };
        let len = source.len();
        // Past `off_t`, even with the length: `EINVAL`.
        let end = start
            .checked_add(len)
            .filter(|end| *end <= MAX_FILE)
            .ok_or(FsError::Invalid)?;
        if len == 0 {
            return Ok(0);
        }
        self.resize(fd.node, size.max(end))?;
        let Body::File(Data::Own(bytes)) = &mut self.get_mut(fd.node)?.body else {
            return Err(FsError::BadDescriptor);
        };
        // In bounds: the file is at least `end` long now.
        let range = bytes
            .get_mut(start as usize..end as usize)
            .ok_or(FsError::FileTooLarge)?;
        match source {
            Source::Bytes(b) => range.iter_mut().zip(b).for_each(|(to, from)| *to = *from),
            Source::Zeros(_) => range.fill(0),
        }
        let now = self.now();
        self.modified(fd.node, now);
        Ok(len)
    }

    /// Makes the file `id` own its contents, `size` bytes long (cut, or extended with zeros),
    /// if the limit allows.
    fn resize(&mut self, id: NodeId, size: u64) -> Result<(), FsError> {
        let len = usize::try_from(size).map_err(|_| FsError::FileTooLarge)?;
        let counted = match &self.get(id)?.body {
            Body::File(Data::Own(bytes)) => bytes.len() as u64,
            Body::File(Data::Image(_)) => 0,
            _ => return Err(FsError::BadDescriptor),
        };
        let used = self.used.saturating_sub(counted).saturating_add(size);
        if self.limit.is_some_and(|limit| used > limit) {
            return Err(FsError::InsufficientSpace);
        }
        let image = self.image;
        let Body::File(data) = &mut self.get_mut(id)?.body else {
            return Err(FsError::BadDescriptor);
        };
        match data {
            Data::Image(i) => {
                let old = image.data(&image.node(*i));
                let mut bytes = Vec::new();
                bytes
                    .try_reserve_exact(len)
                    .map_err(|_| FsError::InsufficientSpace)?;
                bytes.extend_from_slice(old.get(..len).unwrap_or(old));
                bytes.resize(len, 0);
                *data = Data::Own(bytes);
            }
            Data::Own(bytes) if len > bytes.len() => {
                bytes
                    .try_reserve(len - bytes.len())
                    .map_err(|_| FsError::InsufficientSpace)?;
                bytes.resize(len, 0);
            }
            Data::Own(bytes) => {
                bytes.truncate(len);
                if bytes.capacity() / 2 > len {
                    bytes.shrink_to_fit();
                }
            }
        }
        self.used = used;
        Ok(())
    }
}

mod path;
use path::*;

#[cfg(test)]
mod tests;
