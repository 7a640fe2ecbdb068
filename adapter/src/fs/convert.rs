//! Conversions between the host's `wasi:filesystem/types` values and the adapter's: the same
//! WIT, but distinct Rust types on the import and export side.

use crate::bindings::exports::wasi::filesystem::types as api;
use crate::bindings::wasi::filesystem::types as host;
use crate::clocks::{datetime_from_host, datetime_to_host};

/// Defines `fn $name(host::$ty) -> api::$ty` (or the reverse with `to_host`) for an enum whose
/// cases are spelled alike on both sides.
macro_rules! map_enum {
    ($name:ident: host::$ty:ident -> api { $($case:ident),* $(,)? }) => {
        pub fn $name(value: host::$ty) -> api::$ty {
            match value {
                $(host::$ty::$case => api::$ty::$case,)*
            }
        }
    };
    ($name:ident: api::$ty:ident -> host { $($case:ident),* $(,)? }) => {
        pub fn $name(value: api::$ty) -> host::$ty {
            match value {
                $(api::$ty::$case => host::$ty::$case,)*
            }
        }
    };
}

map_enum!(error_code: host::ErrorCode -> api {
    Access, WouldBlock, Already, BadDescriptor, Busy, Deadlock, Quota, Exist, FileTooLarge,
    IllegalByteSequence, InProgress, Interrupted, Invalid, Io, IsDirectory, Loop, TooManyLinks,
    MessageSize, NameTooLong, NoDevice, NoEntry, NoLock, InsufficientMemory, InsufficientSpace,
    NotDirectory, NotEmpty, NotRecoverable, Unsupported, NoTty, NoSuchDevice, Overflow,
    NotPermitted, Pipe, ReadOnly, InvalidSeek, TextFileBusy, CrossDevice,
});

map_enum!(descriptor_type: host::DescriptorType -> api {
    Unknown, BlockDevice, CharacterDevice, Directory, Fifo, SymbolicLink, RegularFile, Socket,
});

map_enum!(advice: api::Advice -> host {
    Normal, Sequential, Random, WillNeed, DontNeed, NoReuse,
});

// Flags: the same bits in the same order on both sides.

pub fn descriptor_flags_from_host(flags: host::DescriptorFlags) -> api::DescriptorFlags {
    api::DescriptorFlags::from_bits_retain(flags.bits())
}

pub fn descriptor_flags(flags: api::DescriptorFlags) -> host::DescriptorFlags {
    host::DescriptorFlags::from_bits_retain(flags.bits())
}

pub fn path_flags(flags: api::PathFlags) -> host::PathFlags {
    host::PathFlags::from_bits_retain(flags.bits())
}

pub fn open_flags(flags: api::OpenFlags) -> host::OpenFlags {
    host::OpenFlags::from_bits_retain(flags.bits())
}

pub fn new_timestamp(t: api::NewTimestamp) -> host::NewTimestamp {
    match t {
        api::NewTimestamp::NoChange => host::NewTimestamp::NoChange,
        api::NewTimestamp::Now => host::NewTimestamp::Now,
        api::NewTimestamp::Timestamp(t) => host::NewTimestamp::Timestamp(datetime_to_host(t)),
    }
}

pub fn stat(s: host::DescriptorStat) -> api::DescriptorStat {
    api::DescriptorStat {
        type_: descriptor_type(s.type_),
        link_count: s.link_count,
        size: s.size,
        data_access_timestamp: s.data_access_timestamp.map(datetime_from_host),
        data_modification_timestamp: s.data_modification_timestamp.map(datetime_from_host),
        status_change_timestamp: s.status_change_timestamp.map(datetime_from_host),
    }
}

pub fn directory_entry(e: host::DirectoryEntry) -> api::DirectoryEntry {
    api::DirectoryEntry {
        type_: descriptor_type(e.type_),
        name: e.name,
    }
}

pub fn metadata_hash(h: host::MetadataHashValue) -> api::MetadataHashValue {
    api::MetadataHashValue {
        lower: h.lower,
        upper: h.upper,
    }
}
