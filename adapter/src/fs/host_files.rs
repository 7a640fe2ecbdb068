//! Host files at virtual paths (`file "/etc/hosts" from host "/etc/hosts";`): a host file node of
//! the embedded image points at an entry of the policy's `host_files`, the file `name` of the
//! host preopen the host names `dir`.
//!
//! That preopen is fetched here and kept hidden: `get-directories` lists it only if a policy
//! preopen maps it too or with `allow fs` (see [`super::preopens`]), and this module asks it only
//! about `name`, so nothing else in it is reachable. If the host does not provide it, the file is
//! `no-entry`. If `name` turns out to be a directory, opening it is `is-directory`.

use crate::prelude::*;

use super::convert::{self, error_code};
use super::types::{Descriptor, opens_for_change};
use crate::bindings::exports::wasi::filesystem::types::{
    self as api, DescriptorFlags, DescriptorStat, ErrorCode, MetadataHashValue, OpenFlags,
    PathFlags,
};
use crate::bindings::wasi::filesystem::{preopens as host_preopens, types as host};
use crate::policy::{self, HostFile};
use crate::{Once, gate};

/// The host's preopens, fetched the first time a host file is used (only then is the host's file
/// system known to be imported for them) and kept for the instance's life.
static HOST_DIRS: Once<Vec<(host::Descriptor, String)>> = Once::new();

/// The policy's entry for host file `index` (a valid index, or the policy is corrupt).
fn entry(index: u32) -> &'static HostFile {
    policy::get()
        .files
        .host_files
        .get(index as usize)
        .unwrap_or_else(|| crate::trap())
}

/// The hidden host preopen `file` lives in.
fn dir(file: &HostFile) -> Result<&'static host::Descriptor, ErrorCode> {
    HOST_DIRS
        .get_or_init(host_preopens::get_directories)
        .iter()
        .find(|(_, name)| *name == file.dir)
        .map(|(d, _)| d)
        .ok_or(ErrorCode::NoEntry)
}

/// `open-at` of host file `index`, with the caller's flags; the virtual tree has already
/// answered for `directory` and `create` with `exclusive`.
#[inline(never)]
pub fn open(
    index: u32,
    path_flags: PathFlags,
    open_flags: OpenFlags,
    flags: DescriptorFlags,
) -> Result<api::Descriptor, ErrorCode> {
    gate::host_files();
    let file = entry(index);
    if file.readonly && opens_for_change(open_flags, flags) {
        return Err(ErrorCode::ReadOnly);
    }
    let d = dir(file)?
        .open_at(
            convert::path_flags(path_flags),
            &file.name,
            convert::open_flags(open_flags),
            convert::descriptor_flags(flags),
        )
        .map_err(error_code)?;
    // A directory would open everything under it to the component: only a file is served.
    if matches!(
        d.get_type().map_err(error_code)?,
        host::DescriptorType::Directory
    ) {
        return Err(ErrorCode::IsDirectory);
    }
    Ok(Descriptor::host(d, file.readonly))
}

/// `stat-at` of host file `index`.
#[inline(never)]
pub fn stat(index: u32, path_flags: PathFlags) -> Result<DescriptorStat, ErrorCode> {
    gate::host_files();
    let file = entry(index);
    dir(file)?
        .stat_at(convert::path_flags(path_flags), &file.name)
        .map(convert::stat)
        .map_err(error_code)
}

/// `metadata-hash-at` of host file `index`.
#[inline(never)]
pub fn metadata_hash(index: u32, path_flags: PathFlags) -> Result<MetadataHashValue, ErrorCode> {
    gate::host_files();
    let file = entry(index);
    dir(file)?
        .metadata_hash_at(convert::path_flags(path_flags), &file.name)
        .map(convert::metadata_hash)
        .map_err(error_code)
}
