//! The embedded read-only trees behind `Descriptor::Virtual`: path resolution and the answers
//! that depend only on a node of the image.
//!
//! Paths follow the WASI rules (and wasmtime's answers): they are relative to the descriptor's
//! directory, which is also their boundary. A leading `/`, a `..` above the base directory
//! (directly or through a symbolic link) and an absolute link target are `not-permitted`; a
//! path with a NUL is `invalid`, one of `PATH_MAX` bytes or a name over `NAME_MAX`
//! `name-too-long`; a missing entry is `no-entry`; a file used as a directory is `not-directory`; more than
//! [`MAX_LINKS`] link expansions are `loop`.
//!
//! A host file node (`file ... from host ...`) is a regular file to listings and lookups; opening
//! it, `stat-at` and `metadata-hash-at` go to the host ([`super::host_files`]).
//!
//! A directory of the image may be where a writable tree in memory is mounted
//! ([`super::memory::mounted`]: a `tmpfs` or `mount … writable` inside an embedded tree). A path
//! that reaches it goes on in that tree ([`Target::Memory`]), as a path enters a file system
//! mounted on a directory: it is handed over when a name is to be looked up in the mount point
//! (a `.` or `..` there still belongs to the image, so `tmp/..` is the image directory above), or
//! when it ends there. Listing the image directory above still shows the mount point, as the
//! empty directory of the image it is. Differences from Linux: a `..` above the tree's root,
//! once inside it, is `not-permitted` (the tree resolves the rest of the path beneath its root,
//! like any descriptor of it) where Linux would return to the directory above the mount point;
//! and a tree mounted inside another tree in memory is not reached from it.

use crate::prelude::*;

use super::memory::{self, Handle};
use crate::bindings::exports::wasi::filesystem::types::{
    DescriptorFlags, DescriptorStat, DescriptorType, ErrorCode, MetadataHashValue, OpenFlags,
    PathFlags,
};
use crate::gate;
use crate::io::streams::MAX_READ;
use crate::policy::{self, Kind, Node};
use virtc_policy::memfs::{NAME_MAX, PATH_MAX};

/// Symbolic links expanded in one resolution before giving up (Linux's limit).
const MAX_LINKS: u32 = 40;

/// The upper half of every embedded node's metadata hash (the lower half is its index): "virtc".
const HASH_TAG: u64 = 0x7669_7274_6300_0000;

/// Where a path from an embedded directory leads.
pub enum Target {
    /// A node of the image.
    Image(Node<'static>),
    /// Into a tree in memory mounted on an image directory the path reached: the tree's root
    /// and the rest of the path from it, `.` when the path ends at the mount point (a rest handed
    /// over otherwise starts with a name).
    Memory(Handle, String),
}

/// The node at `index` (valid: indices come from the checked policy or from the image itself).
pub fn node(index: u32) -> Node<'static> {
    policy::image().node(index)
}

pub fn descriptor_type(kind: Kind) -> DescriptorType {
    match kind {
        Kind::Directory => DescriptorType::Directory,
        Kind::File | Kind::HostFile => DescriptorType::RegularFile,
        Kind::Symlink => DescriptorType::SymbolicLink,
    }
}

/// No timestamps: the image has none.
pub fn stat(node: Node<'_>) -> DescriptorStat {
    DescriptorStat {
        type_: descriptor_type(node.kind),
        link_count: 1,
        size: node.size(),
        data_access_timestamp: None,
        data_modification_timestamp: None,
        status_change_timestamp: None,
    }
}

/// Stable for the instance's life, distinct per node.
pub fn metadata_hash(node: Node<'_>) -> MetadataHashValue {
    MetadataHashValue {
        lower: node.index.into(),
        upper: HASH_TAG,
    }
}

/// `read`: copies only the requested range (at most [`MAX_READ`] bytes); `eof` when nothing is
/// left to read, as wasmtime answers (a read that reaches the end without passing it is not
/// yet the end).
#[inline(never)]
pub fn read(node: Node<'_>, len: u64, offset: u64) -> Result<(Vec<u8>, bool), ErrorCode> {
    gate::embedded();
    if node.kind != Kind::File {
        // What wasmtime answers for `read` on a directory.
        return Err(ErrorCode::BadDescriptor);
    }
    // pread(2) takes a signed offset.
    if offset > i64::MAX as u64 {
        return Err(ErrorCode::Invalid);
    }
    let data = policy::image().data(&node);
    let start = usize::try_from(offset)
        .unwrap_or(usize::MAX)
        .min(data.len());
    let rest = data.get(start..).unwrap_or(&[]);
    let n = usize::try_from(len)
        .unwrap_or(usize::MAX)
        .min(MAX_READ)
        .min(rest.len());
    // As wasmtime answers: the end is a read that returns nothing.
    Ok((rest.get(..n).unwrap_or(&[]).to_vec(), n == 0))
}

/// The contents of a file node as a `'static` slice, for streams.
#[inline(never)]
pub fn contents(node: Node<'static>) -> Result<&'static [u8], ErrorCode> {
    gate::embedded();
    match node.kind {
        Kind::File => Ok(policy::image().data(&node)),
        // What wasmtime answers for `read-via-stream` on a directory.
        _ => Err(ErrorCode::IsDirectory),
    }
}

/// `open-at` from the directory `base`: the node to open (or where in a tree in memory the
/// path goes on, for the tree to open with the same flags). Nothing embedded can be written:
/// the answers are wasmtime's for a read-only preopen, in its order — `base` not a directory,
/// then `directory` with `create`, `exclusive` or `truncate` (`invalid`), then any request to
/// create, truncate or write (`not-permitted`, whatever the path), then the path. A path into a
/// tree in memory and a host file node are handed over whatever the flags: their own rules say
/// what may change.
#[inline(never)]
pub fn open(
    base: u32,
    path_flags: PathFlags,
    path: &str,
    open_flags: OpenFlags,
    flags: DescriptorFlags,
) -> Result<Target, ErrorCode> {
    gate::embedded();
    if node(base).kind != Kind::Directory {
        return Err(ErrorCode::NotDirectory);
    }
    let directory = open_flags.contains(OpenFlags::DIRECTORY);
    if directory
        && open_flags.intersects(OpenFlags::CREATE | OpenFlags::EXCLUSIVE | OpenFlags::TRUNCATE)
    {
        return Err(ErrorCode::Invalid);
    }
    let follow = path_flags.contains(PathFlags::SYMLINK_FOLLOW);
    let resolved = resolve(base, path, follow);
    match &resolved {
        Ok(Target::Memory(..)) => return resolved,
        Ok(Target::Image(node)) if node.kind == Kind::HostFile => {
            return if directory {
                Err(ErrorCode::NotDirectory)
            } else {
                resolved
            };
        }
        _ => {}
    }
    if super::types::opens_for_change(open_flags, flags) {
        return Err(ErrorCode::NotPermitted);
    }
    let node = match resolved? {
        Target::Image(node) => node,
        memory => return Ok(memory),
    };
    match node.kind {
        // `O_NOFOLLOW` on a link.
        Kind::Symlink => Err(ErrorCode::Loop),
        Kind::File if directory => Err(ErrorCode::NotDirectory),
        _ => Ok(Target::Image(node)),
    }
}

/// `readlink-at`: the target of `node`, the link a path led to.
#[inline(never)]
pub fn readlink(node: Node<'_>) -> Result<String, ErrorCode> {
    gate::embedded();
    if node.kind != Kind::Symlink {
        return Err(ErrorCode::Invalid);
    }
    let target = policy::image().data(&node);
    if target.first() == Some(&b'/') {
        return Err(ErrorCode::NotPermitted);
    }
    core::str::from_utf8(target)
        .map(String::from)
        .map_err(|_| ErrorCode::IllegalByteSequence)
}

/// [`resolve`] for `stat-at` and `metadata-hash-at`, which wasmtime answers through cap-std: a
/// path that Rust's `Path::components` reads as one name (`name`, `name/`, `name/.`) and no
/// final link to follow is looked up as that name alone, so its trailing `/` does not require
/// a directory.
#[inline(never)]
pub fn resolve_for_stat(base: u32, path: &str, follow: bool) -> Result<Target, ErrorCode> {
    gate::embedded();
    if !follow && let Some(name) = lone_name(path) {
        return resolve(base, name, false);
    }
    resolve(base, path, follow)
}

/// The name of a path `Path::components` reads as one normal component: not starting with `/`
/// or a `.` component, and one name left once empty and `.` components are skipped.
fn lone_name(path: &str) -> Option<&str> {
    let mut parts = path.split('/');
    // A root or `.` component first.
    if matches!(parts.clone().next(), Some("" | ".")) {
        return None;
    }
    let mut names = parts.by_ref().filter(|p| !p.is_empty() && *p != ".");
    match (names.next(), names.next()) {
        (Some(name), None) if name != ".." => Some(name),
        _ => None,
    }
}

/// Resolves `path` from the directory `base`, component by component. Links met on the way are
/// always followed; a final link only if `follow` (or if the path ends with `/`). A name to look
/// up in a mount point hands the rest of the path, links' targets included, over to its tree.
#[inline(never)]
pub fn resolve(base: u32, path: &str, follow: bool) -> Result<Target, ErrorCode> {
    gate::embedded();
    let image = policy::image();
    // A directory's method on a file: wasmtime answers this before looking at the path.
    if image.node(base).kind != Kind::Directory {
        return Err(ErrorCode::NotDirectory);
    }
    let path = path.as_bytes();
    // What the kernel answers before looking at the path: no C string, too long a path.
    if path.contains(&0) {
        return Err(ErrorCode::Invalid);
    }
    if path.len() >= PATH_MAX {
        return Err(ErrorCode::NameTooLong);
    }
    match path.first() {
        None => return Err(ErrorCode::NoEntry),
        Some(b'/') => return Err(ErrorCode::NotPermitted),
        Some(_) => {}
    }
    // What is left to resolve, innermost link target on top. Every entry is non-empty and
    // starts with a component (not a `/`).
    let mut pending: Vec<&[u8]> = vec![path];
    let mut node = image.node(base);
    // How far below `base` the walk is: `..` at 0 would leave the base directory.
    let mut depth: u32 = 0;
    let mut links: u32 = 0;
    let mut dir_required = false;
    while let Some(top) = pending.pop() {
        if node.kind != Kind::Directory {
            return Err(ErrorCode::NotDirectory);
        }
        let (name, slash) = match top.iter().position(|&b| b == b'/') {
            Some(i) => {
                let (name, rest) = top.split_at(i);
                let rest = trim_slashes(rest);
                if !rest.is_empty() {
                    pending.push(rest);
                }
                (name, true)
            }
            None => (top, false),
        };
        let last = pending.is_empty();
        // A trailing `/` asks for a directory, following a final link.
        dir_required |= last && slash;
        match name {
            b"." => {}
            b".." => {
                depth = depth.checked_sub(1).ok_or(ErrorCode::NotPermitted)?;
                node = image.node(node.parent);
            }
            _ => {
                if let Some(tree) = memory::mounted(node.index) {
                    // The name and what is left after it, links' targets included; a trailing
                    // `/` (of the path or of a final link followed) still asks for a directory.
                    let mut rest = name.to_vec();
                    for part in pending.iter().rev() {
                        rest.extend_from_slice(b"/");
                        rest.extend_from_slice(part);
                    }
                    if dir_required {
                        rest.extend_from_slice(b"/");
                    }
                    return enter(tree, rest);
                }
                if name.len() > NAME_MAX {
                    return Err(ErrorCode::NameTooLong);
                }
                let child = image.lookup(node.index, name).ok_or(ErrorCode::NoEntry)?;
                if child.kind == Kind::Symlink && (!last || follow || slash) {
                    links += 1;
                    if links > MAX_LINKS {
                        return Err(ErrorCode::Loop);
                    }
                    // Resolved from the link's directory, where the walk stands.
                    let target = image.data(&child);
                    match target.first() {
                        None => return Err(ErrorCode::NoEntry),
                        Some(b'/') => return Err(ErrorCode::NotPermitted),
                        Some(_) => pending.push(target),
                    }
                } else {
                    node = child;
                    depth += 1;
                }
            }
        }
    }
    if dir_required && node.kind != Kind::Directory {
        return Err(ErrorCode::NotDirectory);
    }
    match memory::mounted(node.index) {
        // The mount point itself: the tree's root.
        Some(tree) => enter(tree, b".".to_vec()),
        None => Ok(Target::Image(node)),
    }
}

/// The tree mounted on an image directory, entered with the rest of a path.
fn enter(tree: u32, rest: Vec<u8>) -> Result<Target, ErrorCode> {
    let rest = String::from_utf8(rest).map_err(|_| ErrorCode::IllegalByteSequence)?;
    Ok(Target::Memory(Handle::root(tree), rest))
}

fn trim_slashes(mut s: &[u8]) -> &[u8] {
    while let [b'/', rest @ ..] = s {
        s = rest;
    }
    s
}
