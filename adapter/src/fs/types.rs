//! `wasi:filesystem/types`: the adapter's descriptors. They wrap host descriptors (when the
//! policy passes the file system through, maps host directories or serves host files, possibly
//! read-only), point into an embedded read-only tree ([`super::embedded`]), whose host file
//! nodes open as host descriptors ([`super::host_files`]), or into a writable tree in memory
//! ([`super::memory`]).
//!
//! Whatever would change a read-only tree, embedded or host, is `read-only`, decided before the
//! host is asked; the host enforces its own sandbox for its descriptors. Renaming or linking
//! between a tree in memory and anything else is `cross-device`.
//!
//! A path from an embedded directory may enter a tree in memory mounted on one of its
//! directories ([`embedded::Target::Memory`]): the call then goes to that tree with the rest of
//! the path, exactly as from a descriptor of it; what it opens there is a descriptor of it; and
//! renaming or linking there is within that tree (to and from its own descriptors too). The
//! mount point itself, named by its last component: `remove-directory-at` is `busy` (Linux's
//! `EBUSY`); `unlink-file-at` is `is-directory` and `rename-at` `busy` (or `cross-device` with
//! the other side outside the tree), `create-directory-at`, `symlink-at` and `link-at` onto it
//! `exist`, as Linux answers; `open-at`, `stat-at`, `set-times-at`, … act on the tree's root.

use crate::prelude::*;

use alloc::borrow::Cow;
use core::cell::Cell;

use super::convert::{self, error_code};
use super::embedded::Target;
use super::memory::{self, Handle};
use super::{embedded, host_files};
use crate::Adapter;
use crate::bindings::exports::wasi::filesystem::types::{
    self as api, DescriptorFlags, DescriptorStat, DescriptorType, ErrorCode, Filesize,
    MetadataHashValue, NewTimestamp, OpenFlags, PathFlags,
};
use crate::bindings::wasi::filesystem::types as host;
use crate::io::error::Error;
use crate::io::streams::{
    InputStream, MemorySource, OutputStream, input_from_host, output_from_host,
};
use crate::policy::{self, Kind};
use virtc_policy::memfs::{FileKind, Listing};

/// The adapter's `descriptor` resource.
pub enum Descriptor {
    /// A host descriptor (a host preopen, something opened from one, or a host file); `readonly`
    /// (inherited by everything opened from it) refuses changes.
    Host { d: host::Descriptor, readonly: bool },
    /// A directory or file of the embedded image, by node index (never a host file node).
    Virtual { node: u32 },
    /// A directory or file of a writable tree in memory.
    Memory(Handle),
}

/// The adapter's `directory-entry-stream` resource.
pub enum DirectoryEntryStream {
    Host(host::DirectoryEntryStream),
    /// The children of an embedded directory: node indices `next..end`, in name order.
    Virtual {
        next: Cell<u32>,
        end: u32,
    },
    /// The entries of a directory in memory when it was listed, in name order.
    Memory {
        entries: Vec<(Vec<u8>, FileKind)>,
        next: Cell<usize>,
    },
}

/// Whether `open-at` with these flags could change something (refused on read-only trees, as
/// wasmtime refuses them on a read-only preopen: `mutate-directory` alone changes nothing).
pub fn opens_for_change(open_flags: OpenFlags, flags: DescriptorFlags) -> bool {
    open_flags.intersects(OpenFlags::CREATE | OpenFlags::TRUNCATE)
        || flags.contains(DescriptorFlags::WRITE)
}

/// What kind of descriptor a call that changes something is for.
#[derive(Clone, Copy)]
enum On {
    /// `write`, `set-size`, the write streams: a file's methods.
    File,
    /// The `…-at` methods: a directory's.
    Directory,
    /// `set-times`: either.
    Either,
}

impl Descriptor {
    /// A host descriptor as a resource.
    pub fn host(d: host::Descriptor, readonly: bool) -> api::Descriptor {
        api::Descriptor::new(Descriptor::Host { d, readonly })
    }

    /// An embedded node as a resource.
    pub fn virtual_(node: u32) -> api::Descriptor {
        api::Descriptor::new(Descriptor::Virtual { node })
    }

    /// The root of the `tree`-th tree in memory as a resource.
    pub fn memory(tree: u32) -> api::Descriptor {
        api::Descriptor::new(Descriptor::Memory(Handle::root(tree)))
    }

    /// The host descriptor for a call that changes the file system. Embedded trees and read-only
    /// host directories answer as wasmtime does for a read-only preopen, in its order: a
    /// directory's method on a file is `not-directory`, a file's method on a directory
    /// `bad-descriptor`, anything else `not-permitted`.
    fn writable(&self, on: On) -> Result<&host::Descriptor, ErrorCode> {
        match self {
            Descriptor::Host { d, readonly: false } => Ok(d),
            _ => Err(match (on, self.is_directory()) {
                (On::Directory, false) => ErrorCode::NotDirectory,
                (On::File, true) => ErrorCode::BadDescriptor,
                _ => ErrorCode::NotPermitted,
            }),
        }
    }

    /// Both directories of `rename-at` and `link-at`, checked as wasmtime checks them: each a
    /// directory first, then each writable.
    fn writable_pair<'a>(
        &'a self,
        new: &'a Descriptor,
    ) -> Result<(&'a host::Descriptor, &'a host::Descriptor), ErrorCode> {
        match (self.writable(On::Directory), new.writable(On::Directory)) {
            (Ok(old), Ok(new)) => Ok((old, new)),
            _ if !self.is_directory() || !new.is_directory() => Err(ErrorCode::NotDirectory),
            _ => Err(ErrorCode::NotPermitted),
        }
    }

    /// Whether this descriptor is a directory.
    fn is_directory(&self) -> bool {
        match self {
            Descriptor::Virtual { node } => embedded::node(*node).kind == Kind::Directory,
            Descriptor::Host { d, .. } => matches!(
                d.get_type().map(convert::descriptor_type),
                Ok(DescriptorType::Directory)
            ),
            Descriptor::Memory(m) => matches!(
                m.kind().map(memory::descriptor_type),
                Ok(DescriptorType::Directory)
            ),
        }
    }

    /// Where `path` from this descriptor is, for a call that changes what it names (`follow`: a
    /// final link followed): in a tree in memory, as a directory of it and the path from there
    /// (this descriptor's own tree; or the tree mounted on an image directory the path enters,
    /// from its root, `.` for the mount point itself). `None` elsewhere, whatever the path:
    /// [`Descriptor::writable`] answers.
    #[inline(never)]
    fn memory_at<'a>(&self, path: &'a str, follow: bool) -> Option<(Handle, Cow<'a, str>)> {
        match self {
            Descriptor::Memory(m) => Some((m.again(), Cow::Borrowed(path))),
            Descriptor::Virtual { node } => match embedded::resolve(*node, path, follow) {
                Ok(Target::Memory(root, rest)) => Some((root, Cow::Owned(rest))),
                _ => None,
            },
            Descriptor::Host { .. } => None,
        }
    }

    /// The guest path this descriptor was opened at, for traces.
    fn path(&self) -> String {
        crate::trace::path(crate::trace::addr(self))
    }

    /// `open-at`, untraced.
    fn open(
        &self,
        path_flags: PathFlags,
        path: &str,
        open_flags: OpenFlags,
        flags: DescriptorFlags,
    ) -> Result<api::Descriptor, ErrorCode> {
        match self {
            Descriptor::Host { d, readonly } => {
                if *readonly {
                    // wasmtime's order for a read-only preopen.
                    if !self.is_directory() {
                        return Err(ErrorCode::NotDirectory);
                    }
                    if open_flags.contains(OpenFlags::DIRECTORY)
                        && open_flags.intersects(
                            OpenFlags::CREATE | OpenFlags::EXCLUSIVE | OpenFlags::TRUNCATE,
                        )
                    {
                        return Err(ErrorCode::Invalid);
                    }
                    if opens_for_change(open_flags, flags) {
                        return Err(ErrorCode::NotPermitted);
                    }
                }
                d.open_at(
                    convert::path_flags(path_flags),
                    path,
                    convert::open_flags(open_flags),
                    convert::descriptor_flags(flags),
                )
                .map(|d| Descriptor::host(d, *readonly))
                .map_err(error_code)
            }
            Descriptor::Virtual { node } => {
                match embedded::open(*node, path_flags, path, open_flags, flags)? {
                    Target::Image(node) => match policy::image().host_file(&node) {
                        Some(file) => host_files::open(file, path_flags, open_flags, flags),
                        None => Ok(Descriptor::virtual_(node.index)),
                    },
                    Target::Memory(root, rest) => root
                        .open_at(path_flags, &rest, open_flags, flags)
                        .map(|h| api::Descriptor::new(Descriptor::Memory(h))),
                }
            }
            Descriptor::Memory(m) => m
                .open_at(path_flags, path, open_flags, flags)
                .map(|h| api::Descriptor::new(Descriptor::Memory(h))),
        }
    }

    /// `read-directory`, untraced.
    fn entries(&self) -> Result<DirectoryEntryStream, ErrorCode> {
        Ok(match self {
            Descriptor::Host { d, .. } => {
                DirectoryEntryStream::Host(d.read_directory().map_err(error_code)?)
            }
            Descriptor::Virtual { node } => {
                let dir = embedded::node(*node);
                if dir.kind != Kind::Directory {
                    return Err(ErrorCode::NotDirectory);
                }
                // Children are consecutive nodes; `size` is their number.
                let first = policy::image().children(dir.index).next();
                let next = first.map_or(0, |c| c.index);
                DirectoryEntryStream::Virtual {
                    next: Cell::new(next),
                    end: next + dir.size() as u32,
                }
            }
            Descriptor::Memory(m) => match m.entries()? {
                // An untouched embedded directory: listed from the image.
                Listing::Image { first, end } => DirectoryEntryStream::Virtual {
                    next: Cell::new(first),
                    end,
                },
                Listing::Entries(entries) => DirectoryEntryStream::Memory {
                    entries,
                    next: Cell::new(0),
                },
            },
        })
    }
}

/// A descriptor type as a trace shows it: `regular-file`.
fn type_name(t: &DescriptorType) -> String {
    crate::trace::case(t)
}

impl api::Guest for Adapter {
    type Descriptor = Descriptor;
    type DirectoryEntryStream = DirectoryEntryStream;

    fn filesystem_error_code(err: api::ErrorBorrow<'_>) -> Option<ErrorCode> {
        let code = match err.get::<Error>() {
            // A host stream error may come from a host file; only ask when the host's file
            // system is imported at all (host stdio errors exist without it).
            Error::Host(e) if policy::fs_host() => host::filesystem_error_code(e).map(error_code),
            // A stream of a file in memory.
            Error::Fs(code) => Some(*code),
            _ => None,
        };
        trace!(
            "wasi:filesystem/types#filesystem-error-code() -> {}",
            code.map_or("none".into(), |c| format!("some({})", c.name()))
        );
        code
    }
}

impl api::GuestDescriptor for Descriptor {
    fn read_via_stream(&self, offset: Filesize) -> Result<api::InputStream, ErrorCode> {
        let result = match self {
            Descriptor::Host { d, .. } => d
                .read_via_stream(offset)
                .map(input_from_host)
                .map_err(error_code),
            Descriptor::Virtual { node } => {
                embedded::contents(embedded::node(*node)).map(|bytes| {
                    // pread(2) refuses an offset past i64::MAX at the first read.
                    let source = if offset > i64::MAX as u64 {
                        MemorySource::failing(ErrorCode::Invalid)
                    } else {
                        MemorySource::new(bytes, usize::try_from(offset).unwrap_or(usize::MAX))
                    };
                    api::InputStream::new(InputStream::Memory(source))
                })
            }
            Descriptor::Memory(m) => m
                .reader(offset)
                .map(|r| api::InputStream::new(InputStream::File(r))),
        };
        trace!(
            "wasi:filesystem/types#read-via-stream({:?}, {offset}) -> {}",
            self.path(),
            crate::trace::outcome(&result)
        );
        result
    }

    fn write_via_stream(&self, offset: Filesize) -> Result<api::OutputStream, ErrorCode> {
        let result = match self {
            Descriptor::Memory(m) => m
                .writer(Some(offset))
                .map(|w| api::OutputStream::new(OutputStream::File(w))),
            _ => self.writable(On::File).and_then(|d| {
                d.write_via_stream(offset)
                    .map(output_from_host)
                    .map_err(error_code)
            }),
        };
        trace!(
            "wasi:filesystem/types#write-via-stream({:?}, {offset}) -> {}",
            self.path(),
            crate::trace::outcome(&result)
        );
        result
    }

    fn append_via_stream(&self) -> Result<api::OutputStream, ErrorCode> {
        let result = match self {
            Descriptor::Memory(m) => m
                .writer(None)
                .map(|w| api::OutputStream::new(OutputStream::File(w))),
            _ => self.writable(On::File).and_then(|d| {
                d.append_via_stream()
                    .map(output_from_host)
                    .map_err(error_code)
            }),
        };
        trace!(
            "wasi:filesystem/types#append-via-stream({:?}) -> {}",
            self.path(),
            crate::trace::outcome(&result)
        );
        result
    }

    fn advise(
        &self,
        offset: Filesize,
        length: Filesize,
        advice: api::Advice,
    ) -> Result<(), ErrorCode> {
        let result = match self {
            Descriptor::Host { d, .. } => d
                .advise(offset, length, convert::advice(advice))
                .map_err(error_code),
            // Like wasmtime: advice is for files.
            Descriptor::Virtual { node } => match embedded::node(*node).kind {
                Kind::File => Ok(()),
                _ => Err(ErrorCode::BadDescriptor),
            },
            Descriptor::Memory(m) => m.advise(),
        };
        trace!(
            "wasi:filesystem/types#advise({:?}, {offset}, {length}, {}) -> {}",
            self.path(),
            crate::trace::case(&advice),
            crate::trace::outcome(&result)
        );
        result
    }

    fn sync_data(&self) -> Result<(), ErrorCode> {
        let result = match self {
            Descriptor::Host { d, .. } => d.sync_data().map_err(error_code),
            Descriptor::Virtual { .. } | Descriptor::Memory(_) => Ok(()),
        };
        trace!(
            "wasi:filesystem/types#sync-data({:?}) -> {}",
            self.path(),
            crate::trace::outcome(&result)
        );
        result
    }

    fn get_flags(&self) -> Result<DescriptorFlags, ErrorCode> {
        let result = match self {
            Descriptor::Host { d, readonly } => d
                .get_flags()
                .map(convert::descriptor_flags_from_host)
                .map_err(error_code)
                .map(|flags| {
                    if *readonly {
                        flags - (DescriptorFlags::WRITE | DescriptorFlags::MUTATE_DIRECTORY)
                    } else {
                        flags
                    }
                }),
            Descriptor::Virtual { .. } => Ok(DescriptorFlags::READ),
            Descriptor::Memory(m) => m.flags(),
        };
        trace!(
            "wasi:filesystem/types#get-flags({:?}) -> {}",
            self.path(),
            crate::trace::outcome_with(&result, |f| crate::trace::flags(f.iter_names()))
        );
        result
    }

    fn get_type(&self) -> Result<DescriptorType, ErrorCode> {
        let result = match self {
            Descriptor::Host { d, .. } => d
                .get_type()
                .map(convert::descriptor_type)
                .map_err(error_code),
            Descriptor::Virtual { node } => {
                Ok(embedded::descriptor_type(embedded::node(*node).kind))
            }
            Descriptor::Memory(m) => m.kind().map(memory::descriptor_type),
        };
        trace!(
            "wasi:filesystem/types#get-type({:?}) -> {}",
            self.path(),
            crate::trace::outcome_with(&result, type_name)
        );
        result
    }

    fn set_size(&self, size: Filesize) -> Result<(), ErrorCode> {
        let result = match self {
            Descriptor::Memory(m) => m.set_size(size),
            _ => self
                .writable(On::File)
                .and_then(|d| d.set_size(size).map_err(error_code)),
        };
        trace!(
            "wasi:filesystem/types#set-size({:?}, {size}) -> {}",
            self.path(),
            crate::trace::outcome(&result)
        );
        result
    }

    fn set_times(
        &self,
        data_access_timestamp: NewTimestamp,
        data_modification_timestamp: NewTimestamp,
    ) -> Result<(), ErrorCode> {
        let result = match self {
            Descriptor::Memory(m) => {
                m.set_times(data_access_timestamp, data_modification_timestamp)
            }
            _ => self.writable(On::Either).and_then(|d| {
                d.set_times(
                    convert::new_timestamp(data_access_timestamp),
                    convert::new_timestamp(data_modification_timestamp),
                )
                .map_err(error_code)
            }),
        };
        trace!(
            "wasi:filesystem/types#set-times({:?}) -> {}",
            self.path(),
            crate::trace::outcome(&result)
        );
        result
    }

    fn read(&self, length: Filesize, offset: Filesize) -> Result<(Vec<u8>, bool), ErrorCode> {
        let result = match self {
            Descriptor::Host { d, .. } => d.read(length, offset).map_err(error_code),
            Descriptor::Virtual { node } => embedded::read(embedded::node(*node), length, offset),
            Descriptor::Memory(m) => m.read(length, offset),
        };
        trace!(
            "wasi:filesystem/types#read({:?}, {length}, {offset}) -> {}",
            self.path(),
            crate::trace::outcome_with(&result, |(data, end)| {
                format!("{} bytes{}", data.len(), if *end { ", end" } else { "" })
            })
        );
        result
    }

    fn write(&self, buffer: Vec<u8>, offset: Filesize) -> Result<Filesize, ErrorCode> {
        let result = match self {
            Descriptor::Memory(m) => m.write(&buffer, offset),
            _ => self
                .writable(On::File)
                .and_then(|d| d.write(&buffer, offset).map_err(error_code)),
        };
        trace!(
            "wasi:filesystem/types#write({:?}, {} bytes, {offset}) -> {}",
            self.path(),
            buffer.len(),
            crate::trace::outcome_with(&result, |n| format!("{n} bytes"))
        );
        result
    }

    fn read_directory(&self) -> Result<api::DirectoryEntryStream, ErrorCode> {
        let result = self.entries().map(api::DirectoryEntryStream::new);
        if crate::trace::ON {
            let path = self.path();
            if let Ok(stream) = &result {
                let stream = stream.get::<DirectoryEntryStream>();
                crate::trace::name(crate::trace::addr(stream), path.clone());
            }
            trace!(
                "wasi:filesystem/types#read-directory({path:?}) -> {}",
                crate::trace::outcome(&result)
            );
        }
        result
    }

    fn sync(&self) -> Result<(), ErrorCode> {
        let result = match self {
            Descriptor::Host { d, .. } => d.sync().map_err(error_code),
            Descriptor::Virtual { .. } | Descriptor::Memory(_) => Ok(()),
        };
        trace!(
            "wasi:filesystem/types#sync({:?}) -> {}",
            self.path(),
            crate::trace::outcome(&result)
        );
        result
    }

    fn create_directory_at(&self, path: String) -> Result<(), ErrorCode> {
        let result = match self.memory_at(&path, false) {
            Some((dir, path)) => dir.create_directory_at(&path),
            None => self
                .writable(On::Directory)
                .and_then(|d| d.create_directory_at(&path).map_err(error_code)),
        };
        trace!(
            "wasi:filesystem/types#create-directory-at({:?}, {path:?}) -> {}",
            self.path(),
            crate::trace::outcome(&result)
        );
        result
    }

    fn stat(&self) -> Result<DescriptorStat, ErrorCode> {
        let result = match self {
            Descriptor::Host { d, .. } => d.stat().map(convert::stat).map_err(error_code),
            Descriptor::Virtual { node } => Ok(embedded::stat(embedded::node(*node))),
            Descriptor::Memory(m) => m.stat(),
        };
        trace!(
            "wasi:filesystem/types#stat({:?}) -> {}",
            self.path(),
            crate::trace::outcome_with(&result, |s| type_name(&s.type_))
        );
        result
    }

    fn stat_at(&self, path_flags: PathFlags, path: String) -> Result<DescriptorStat, ErrorCode> {
        let result = match self {
            Descriptor::Host { d, .. } => d
                .stat_at(convert::path_flags(path_flags), &path)
                .map(convert::stat)
                .map_err(error_code),
            Descriptor::Virtual { node } => {
                let follow = path_flags.contains(PathFlags::SYMLINK_FOLLOW);
                embedded::resolve_for_stat(*node, &path, follow).and_then(|target| match target {
                    Target::Image(node) => match policy::image().host_file(&node) {
                        Some(file) => host_files::stat(file, path_flags),
                        None => Ok(embedded::stat(node)),
                    },
                    Target::Memory(root, rest) => root.stat_at(path_flags, &rest),
                })
            }
            Descriptor::Memory(m) => m.stat_at(path_flags, &path),
        };
        trace!(
            "wasi:filesystem/types#stat-at({:?}, {path:?}) -> {}",
            self.path(),
            crate::trace::outcome_with(&result, |s| type_name(&s.type_))
        );
        result
    }

    fn set_times_at(
        &self,
        path_flags: PathFlags,
        path: String,
        data_access_timestamp: NewTimestamp,
        data_modification_timestamp: NewTimestamp,
    ) -> Result<(), ErrorCode> {
        let follow = path_flags.contains(PathFlags::SYMLINK_FOLLOW);
        let result = match self.memory_at(&path, follow) {
            Some((dir, path)) => dir.set_times_at(
                path_flags,
                &path,
                data_access_timestamp,
                data_modification_timestamp,
            ),
            None => self.writable(On::Directory).and_then(|d| {
                d.set_times_at(
                    convert::path_flags(path_flags),
                    &path,
                    convert::new_timestamp(data_access_timestamp),
                    convert::new_timestamp(data_modification_timestamp),
                )
                .map_err(error_code)
            }),
        };
        trace!(
            "wasi:filesystem/types#set-times-at({:?}, {path:?}) -> {}",
            self.path(),
            crate::trace::outcome(&result)
        );
        result
    }

    fn link_at(
        &self,
        old_path_flags: PathFlags,
        old_path: String,
        new_descriptor: api::DescriptorBorrow<'_>,
        new_path: String,
    ) -> Result<(), ErrorCode> {
        let new_descriptor = new_descriptor.get::<Descriptor>();
        let follow = old_path_flags.contains(PathFlags::SYMLINK_FOLLOW);
        let result = match (
            self.memory_at(&old_path, follow),
            new_descriptor.memory_at(&new_path, false),
        ) {
            (Some((old, old_path)), Some((new, new_path))) => {
                old.link_at(old_path_flags, &old_path, &new, &new_path)
            }
            (Some(_), _) | (_, Some(_)) => Err(ErrorCode::CrossDevice),
            // Both sides: a link into a writable directory would make a read-only file writable.
            _ => self.writable_pair(new_descriptor).and_then(|(old, new)| {
                old.link_at(
                    convert::path_flags(old_path_flags),
                    &old_path,
                    new,
                    &new_path,
                )
                .map_err(error_code)
            }),
        };
        trace!(
            "wasi:filesystem/types#link-at({:?}, {old_path:?}, {:?}, {new_path:?}) -> {}",
            self.path(),
            new_descriptor.path(),
            crate::trace::outcome(&result)
        );
        result
    }

    fn open_at(
        &self,
        path_flags: PathFlags,
        path: String,
        open_flags: OpenFlags,
        flags: DescriptorFlags,
    ) -> Result<api::Descriptor, ErrorCode> {
        let result = self.open(path_flags, &path, open_flags, flags);
        if crate::trace::ON {
            let base = self.path();
            if let Ok(new) = &result {
                let new = new.get::<Descriptor>();
                crate::trace::name(crate::trace::addr(new), crate::trace::join(&base, &path));
            }
            trace!(
                "wasi:filesystem/types#open-at({base:?}, {path:?}, {}, {}) -> {}",
                crate::trace::flags(open_flags.iter_names()),
                crate::trace::flags(flags.iter_names()),
                crate::trace::outcome(&result)
            );
        }
        result
    }

    fn readlink_at(&self, path: String) -> Result<String, ErrorCode> {
        let result = match self {
            Descriptor::Host { d, .. } => d.readlink_at(&path).map_err(error_code),
            Descriptor::Virtual { node } => {
                embedded::resolve(*node, &path, false).and_then(|target| match target {
                    Target::Image(node) => embedded::readlink(node),
                    Target::Memory(root, rest) => root.readlink_at(&rest),
                })
            }
            Descriptor::Memory(m) => m.readlink_at(&path),
        };
        trace!(
            "wasi:filesystem/types#readlink-at({:?}, {path:?}) -> {}",
            self.path(),
            crate::trace::outcome_with(&result, |target| format!("{target:?}"))
        );
        result
    }

    fn remove_directory_at(&self, path: String) -> Result<(), ErrorCode> {
        let result = match self.memory_at(&path, false) {
            // The mount point of a tree (a handed-over path is `.` only there).
            Some((_, Cow::Owned(rest))) if rest == "." => Err(ErrorCode::Busy),
            Some((dir, path)) => dir.remove_directory_at(&path),
            None => self
                .writable(On::Directory)
                .and_then(|d| d.remove_directory_at(&path).map_err(error_code)),
        };
        trace!(
            "wasi:filesystem/types#remove-directory-at({:?}, {path:?}) -> {}",
            self.path(),
            crate::trace::outcome(&result)
        );
        result
    }

    fn rename_at(
        &self,
        old_path: String,
        new_descriptor: api::DescriptorBorrow<'_>,
        new_path: String,
    ) -> Result<(), ErrorCode> {
        let new_descriptor = new_descriptor.get::<Descriptor>();
        let result = match (
            self.memory_at(&old_path, false),
            new_descriptor.memory_at(&new_path, false),
        ) {
            (Some((old, old_path)), Some((new, new_path))) => {
                old.rename_at(&old_path, &new, &new_path)
            }
            (Some(_), _) | (_, Some(_)) => Err(ErrorCode::CrossDevice),
            _ => self.writable_pair(new_descriptor).and_then(|(old, new)| {
                old.rename_at(&old_path, new, &new_path).map_err(error_code)
            }),
        };
        trace!(
            "wasi:filesystem/types#rename-at({:?}, {old_path:?}, {:?}, {new_path:?}) -> {}",
            self.path(),
            new_descriptor.path(),
            crate::trace::outcome(&result)
        );
        result
    }

    fn symlink_at(&self, old_path: String, new_path: String) -> Result<(), ErrorCode> {
        let result = match self.memory_at(&new_path, false) {
            Some((dir, new_path)) => dir.symlink_at(&old_path, &new_path),
            None => self
                .writable(On::Directory)
                .and_then(|d| d.symlink_at(&old_path, &new_path).map_err(error_code)),
        };
        // The link's own path first, as every path-taking call shows it; then its target.
        trace!(
            "wasi:filesystem/types#symlink-at({:?}, {new_path:?}, {old_path:?}) -> {}",
            self.path(),
            crate::trace::outcome(&result)
        );
        result
    }

    fn unlink_file_at(&self, path: String) -> Result<(), ErrorCode> {
        let result = match self.memory_at(&path, false) {
            Some((dir, path)) => dir.unlink_file_at(&path),
            None => self
                .writable(On::Directory)
                .and_then(|d| d.unlink_file_at(&path).map_err(error_code)),
        };
        trace!(
            "wasi:filesystem/types#unlink-file-at({:?}, {path:?}) -> {}",
            self.path(),
            crate::trace::outcome(&result)
        );
        result
    }

    fn is_same_object(&self, other: api::DescriptorBorrow<'_>) -> bool {
        let other = other.get::<Descriptor>();
        let same = match (self, other) {
            (Descriptor::Host { d, .. }, Descriptor::Host { d: other, .. }) => {
                d.is_same_object(other)
            }
            (Descriptor::Virtual { node }, Descriptor::Virtual { node: other }) => node == other,
            (Descriptor::Memory(m), Descriptor::Memory(other)) => m.same(other),
            _ => false,
        };
        trace!(
            "wasi:filesystem/types#is-same-object({:?}, {:?}) -> {same}",
            self.path(),
            other.path()
        );
        same
    }

    fn metadata_hash(&self) -> Result<MetadataHashValue, ErrorCode> {
        let result = match self {
            Descriptor::Host { d, .. } => d
                .metadata_hash()
                .map(convert::metadata_hash)
                .map_err(error_code),
            Descriptor::Virtual { node } => Ok(embedded::metadata_hash(embedded::node(*node))),
            Descriptor::Memory(m) => m.metadata_hash(),
        };
        trace!(
            "wasi:filesystem/types#metadata-hash({:?}) -> {}",
            self.path(),
            crate::trace::outcome(&result)
        );
        result
    }

    fn metadata_hash_at(
        &self,
        path_flags: PathFlags,
        path: String,
    ) -> Result<MetadataHashValue, ErrorCode> {
        let result = match self {
            Descriptor::Host { d, .. } => d
                .metadata_hash_at(convert::path_flags(path_flags), &path)
                .map(convert::metadata_hash)
                .map_err(error_code),
            Descriptor::Virtual { node } => {
                let follow = path_flags.contains(PathFlags::SYMLINK_FOLLOW);
                embedded::resolve_for_stat(*node, &path, follow).and_then(|target| match target {
                    Target::Image(node) => match policy::image().host_file(&node) {
                        Some(file) => host_files::metadata_hash(file, path_flags),
                        None => Ok(embedded::metadata_hash(node)),
                    },
                    Target::Memory(root, rest) => root.metadata_hash_at(path_flags, &rest),
                })
            }
            Descriptor::Memory(m) => m.metadata_hash_at(path_flags, &path),
        };
        trace!(
            "wasi:filesystem/types#metadata-hash-at({:?}, {path:?}) -> {}",
            self.path(),
            crate::trace::outcome(&result)
        );
        result
    }
}

impl DirectoryEntryStream {
    /// `read-directory-entry`, untraced.
    fn next(&self) -> Result<Option<api::DirectoryEntry>, ErrorCode> {
        match self {
            DirectoryEntryStream::Host(s) => s
                .read_directory_entry()
                .map(|e| e.map(convert::directory_entry))
                .map_err(error_code),
            DirectoryEntryStream::Virtual { next, end } => {
                let index = next.get();
                if index >= *end {
                    return Ok(None);
                }
                next.set(index + 1);
                let child = embedded::node(index);
                let name =
                    core::str::from_utf8(child.name).map_err(|_| ErrorCode::IllegalByteSequence)?;
                Ok(Some(api::DirectoryEntry {
                    type_: embedded::descriptor_type(child.kind),
                    name: name.into(),
                }))
            }
            DirectoryEntryStream::Memory { entries, next } => {
                let Some((name, kind)) = entries.get(next.get()) else {
                    return Ok(None);
                };
                next.set(next.get() + 1);
                let name =
                    core::str::from_utf8(name).map_err(|_| ErrorCode::IllegalByteSequence)?;
                Ok(Some(api::DirectoryEntry {
                    type_: memory::descriptor_type(*kind),
                    name: name.into(),
                }))
            }
        }
    }
}

impl api::GuestDirectoryEntryStream for DirectoryEntryStream {
    fn read_directory_entry(&self) -> Result<Option<api::DirectoryEntry>, ErrorCode> {
        let result = self.next();
        trace!(
            "wasi:filesystem/types#read-directory-entry({:?}) -> {}",
            crate::trace::path(crate::trace::addr(self)),
            crate::trace::outcome_with(&result, |e| crate::trace::quoted(
                e.as_ref().map(|e| e.name.as_str())
            ))
        );
        result
    }
}
