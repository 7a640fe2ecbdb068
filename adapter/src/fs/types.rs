//! `wasi:filesystem/types`: the adapter's descriptors. Today they only wrap host descriptors,
//! forwarding every method; virtual (embedded, read-only) trees become another variant.

use super::convert::{self, error_code};
use crate::Adapter;
use crate::bindings::exports::wasi::filesystem::types::{
    self as api, DescriptorFlags, DescriptorStat, DescriptorType, ErrorCode, Filesize,
    MetadataHashValue, NewTimestamp, OpenFlags, PathFlags,
};
use crate::bindings::wasi::filesystem::types as host;
use crate::io::error::Error;
use crate::io::streams::{input_from_host, output_from_host};
use crate::policy::{self, Access};

/// The adapter's `descriptor` resource.
pub enum Descriptor {
    /// A host descriptor (only when the policy passes the file system through).
    Host(host::Descriptor),
}

/// The adapter's `directory-entry-stream` resource.
pub enum DirectoryEntryStream {
    Host(host::DirectoryEntryStream),
}

impl api::Guest for Adapter {
    type Descriptor = Descriptor;
    type DirectoryEntryStream = DirectoryEntryStream;

    fn filesystem_error_code(err: api::ErrorBorrow<'_>) -> Option<ErrorCode> {
        match err.get::<Error>() {
            // A host stream error may come from a host file; only ask when the host's file
            // system is imported at all (host stdio errors exist without it).
            Error::Host(e) if policy::get().fs == Access::Host => {
                host::filesystem_error_code(e).map(error_code)
            }
            _ => None,
        }
    }
}

impl api::GuestDescriptor for Descriptor {
    fn read_via_stream(&self, offset: Filesize) -> Result<api::InputStream, ErrorCode> {
        match self {
            Descriptor::Host(d) => d
                .read_via_stream(offset)
                .map(input_from_host)
                .map_err(error_code),
        }
    }

    fn write_via_stream(&self, offset: Filesize) -> Result<api::OutputStream, ErrorCode> {
        match self {
            Descriptor::Host(d) => d
                .write_via_stream(offset)
                .map(output_from_host)
                .map_err(error_code),
        }
    }

    fn append_via_stream(&self) -> Result<api::OutputStream, ErrorCode> {
        match self {
            Descriptor::Host(d) => d
                .append_via_stream()
                .map(output_from_host)
                .map_err(error_code),
        }
    }

    fn advise(
        &self,
        offset: Filesize,
        length: Filesize,
        advice: api::Advice,
    ) -> Result<(), ErrorCode> {
        match self {
            Descriptor::Host(d) => d
                .advise(offset, length, convert::advice(advice))
                .map_err(error_code),
        }
    }

    fn sync_data(&self) -> Result<(), ErrorCode> {
        match self {
            Descriptor::Host(d) => d.sync_data().map_err(error_code),
        }
    }

    fn get_flags(&self) -> Result<DescriptorFlags, ErrorCode> {
        match self {
            Descriptor::Host(d) => d
                .get_flags()
                .map(convert::descriptor_flags_from_host)
                .map_err(error_code),
        }
    }

    fn get_type(&self) -> Result<DescriptorType, ErrorCode> {
        match self {
            Descriptor::Host(d) => d
                .get_type()
                .map(convert::descriptor_type)
                .map_err(error_code),
        }
    }

    fn set_size(&self, size: Filesize) -> Result<(), ErrorCode> {
        match self {
            Descriptor::Host(d) => d.set_size(size).map_err(error_code),
        }
    }

    fn set_times(
        &self,
        data_access_timestamp: NewTimestamp,
        data_modification_timestamp: NewTimestamp,
    ) -> Result<(), ErrorCode> {
        match self {
            Descriptor::Host(d) => d
                .set_times(
                    convert::new_timestamp(data_access_timestamp),
                    convert::new_timestamp(data_modification_timestamp),
                )
                .map_err(error_code),
        }
    }

    fn read(&self, length: Filesize, offset: Filesize) -> Result<(Vec<u8>, bool), ErrorCode> {
        match self {
            Descriptor::Host(d) => d.read(length, offset).map_err(error_code),
        }
    }

    fn write(&self, buffer: Vec<u8>, offset: Filesize) -> Result<Filesize, ErrorCode> {
        match self {
            Descriptor::Host(d) => d.write(&buffer, offset).map_err(error_code),
        }
    }

    fn read_directory(&self) -> Result<api::DirectoryEntryStream, ErrorCode> {
        match self {
            Descriptor::Host(d) => d
                .read_directory()
                .map(|s| api::DirectoryEntryStream::new(DirectoryEntryStream::Host(s)))
                .map_err(error_code),
        }
    }

    fn sync(&self) -> Result<(), ErrorCode> {
        match self {
            Descriptor::Host(d) => d.sync().map_err(error_code),
        }
    }

    fn create_directory_at(&self, path: String) -> Result<(), ErrorCode> {
        match self {
            Descriptor::Host(d) => d.create_directory_at(&path).map_err(error_code),
        }
    }

    fn stat(&self) -> Result<DescriptorStat, ErrorCode> {
        match self {
            Descriptor::Host(d) => d.stat().map(convert::stat).map_err(error_code),
        }
    }

    fn stat_at(&self, path_flags: PathFlags, path: String) -> Result<DescriptorStat, ErrorCode> {
        match self {
            Descriptor::Host(d) => d
                .stat_at(convert::path_flags(path_flags), &path)
                .map(convert::stat)
                .map_err(error_code),
        }
    }

    fn set_times_at(
        &self,
        path_flags: PathFlags,
        path: String,
        data_access_timestamp: NewTimestamp,
        data_modification_timestamp: NewTimestamp,
    ) -> Result<(), ErrorCode> {
        match self {
            Descriptor::Host(d) => d
                .set_times_at(
                    convert::path_flags(path_flags),
                    &path,
                    convert::new_timestamp(data_access_timestamp),
                    convert::new_timestamp(data_modification_timestamp),
                )
                .map_err(error_code),
        }
    }

    fn link_at(
        &self,
        old_path_flags: PathFlags,
        old_path: String,
        new_descriptor: api::DescriptorBorrow<'_>,
        new_path: String,
    ) -> Result<(), ErrorCode> {
        match (self, new_descriptor.get::<Descriptor>()) {
            (Descriptor::Host(d), Descriptor::Host(new)) => d
                .link_at(
                    convert::path_flags(old_path_flags),
                    &old_path,
                    new,
                    &new_path,
                )
                .map_err(error_code),
        }
    }

    fn open_at(
        &self,
        path_flags: PathFlags,
        path: String,
        open_flags: OpenFlags,
        flags: DescriptorFlags,
    ) -> Result<api::Descriptor, ErrorCode> {
        match self {
            Descriptor::Host(d) => d
                .open_at(
                    convert::path_flags(path_flags),
                    &path,
                    convert::open_flags(open_flags),
                    convert::descriptor_flags(flags),
                )
                .map(|d| api::Descriptor::new(Descriptor::Host(d)))
                .map_err(error_code),
        }
    }

    fn readlink_at(&self, path: String) -> Result<String, ErrorCode> {
        match self {
            Descriptor::Host(d) => d.readlink_at(&path).map_err(error_code),
        }
    }

    fn remove_directory_at(&self, path: String) -> Result<(), ErrorCode> {
        match self {
            Descriptor::Host(d) => d.remove_directory_at(&path).map_err(error_code),
        }
    }

    fn rename_at(
        &self,
        old_path: String,
        new_descriptor: api::DescriptorBorrow<'_>,
        new_path: String,
    ) -> Result<(), ErrorCode> {
        match (self, new_descriptor.get::<Descriptor>()) {
            (Descriptor::Host(d), Descriptor::Host(new)) => {
                d.rename_at(&old_path, new, &new_path).map_err(error_code)
            }
        }
    }

    fn symlink_at(&self, old_path: String, new_path: String) -> Result<(), ErrorCode> {
        match self {
            Descriptor::Host(d) => d.symlink_at(&old_path, &new_path).map_err(error_code),
        }
    }

    fn unlink_file_at(&self, path: String) -> Result<(), ErrorCode> {
        match self {
            Descriptor::Host(d) => d.unlink_file_at(&path).map_err(error_code),
        }
    }

    fn is_same_object(&self, other: api::DescriptorBorrow<'_>) -> bool {
        match (self, other.get::<Descriptor>()) {
            (Descriptor::Host(d), Descriptor::Host(other)) => d.is_same_object(other),
        }
    }

    fn metadata_hash(&self) -> Result<MetadataHashValue, ErrorCode> {
        match self {
            Descriptor::Host(d) => d
                .metadata_hash()
                .map(convert::metadata_hash)
                .map_err(error_code),
        }
    }

    fn metadata_hash_at(
        &self,
        path_flags: PathFlags,
        path: String,
    ) -> Result<MetadataHashValue, ErrorCode> {
        match self {
            Descriptor::Host(d) => d
                .metadata_hash_at(convert::path_flags(path_flags), &path)
                .map(convert::metadata_hash)
                .map_err(error_code),
        }
    }
}

impl api::GuestDirectoryEntryStream for DirectoryEntryStream {
    fn read_directory_entry(&self) -> Result<Option<api::DirectoryEntry>, ErrorCode> {
        match self {
            DirectoryEntryStream::Host(s) => s
                .read_directory_entry()
                .map(|e| e.map(convert::directory_entry))
                .map_err(error_code),
        }
    }
}
