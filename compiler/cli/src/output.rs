//! Output files written atomically: readers see the old file or the new one, never a part, and
//! a failure leaves no temporary behind.

use std::io::Write;
use std::path::{Path, PathBuf};

use virtc::driver::{Failure, InputError};

/// Writes `bytes` to `path` through a temporary file in the same directory, so that readers see
/// the old file or the new one, never a part.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    write_atomically_with(path, &mut |out| out.write_all(bytes))
}

/// [`write_atomically`] of what `write` writes, through a buffer (an output whose embedded
/// files are written from where they lie, never held twice).
pub fn write_atomically_with(
    path: &Path,
    write: &mut dyn FnMut(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), Failure> {
    // The output gets the permissions of the file it replaces, or the usual ones for a new file.
    let permissions = match std::fs::metadata(path) {
        Ok(meta) => Some(meta.permissions()),
        Err(_) => new_file_permissions(),
    };
    let tmp = staged(path, write, permissions)?;
    tmp.persist(path)
        .map_err(|e| output_error(path, &e.error))?;
    Ok(())
}

/// [`write_atomically`], except that a file at `path` is never replaced (not even one that
/// appeared a moment ago): `Ok(false)` then, and nothing is written.
pub fn write_new(path: &Path, bytes: &[u8]) -> Result<bool, Failure> {
    let tmp = staged(
        path,
        &mut |out| out.write_all(bytes),
        new_file_permissions(),
    )?;
    match tmp.persist_noclobber(path) {
        Ok(_) => Ok(true),
        Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(output_error(path, &e.error)),
    }
}

/// What `write` writes, in a synced temporary file beside `path`, with `permissions`
/// (temporary files are private); dropped unpersisted, it is removed.
fn staged(
    path: &Path,
    write: &mut dyn FnMut(&mut dyn Write) -> std::io::Result<()>,
    permissions: Option<std::fs::Permissions>,
) -> Result<tempfile::NamedTempFile, Failure> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let fail = |e: std::io::Error| output_error(path, &e);
    let mut tmp = tempfile::Builder::new()
        .prefix(".virtc-")
        .suffix(".tmp")
        .tempfile_in(&dir)
        .map_err(fail)?;
    let mut buffered = std::io::BufWriter::with_capacity(1 << 16, tmp.as_file_mut());
    write(&mut buffered).map_err(fail)?;
    buffered.flush().map_err(fail)?;
    drop(buffered);
    if let Some(permissions) = permissions {
        tmp.as_file().set_permissions(permissions).map_err(fail)?;
    }
    tmp.as_file().sync_all().map_err(fail)?;
    Ok(tmp)
}

fn output_error(path: &Path, e: &std::io::Error) -> Failure {
    Failure::Input(InputError::Output {
        path: path.to_path_buf(),
        why: virtc::io_error_text(e),
    })
}

#[cfg(unix)]
fn new_file_permissions() -> Option<std::fs::Permissions> {
    use std::os::unix::fs::PermissionsExt;
    Some(std::fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn new_file_permissions() -> Option<std::fs::Permissions> {
    None
}
