//! Path rules of the in-memory tree, as cap-std applies them: NUL and length checks, slash
//! trimming, splitting a path into its parent and last component.

use super::*;

/// A time for `set-times`: `None` for no change, `Some(None)` for now. A time wasmtime cannot
/// represent (past `i64` seconds) is `overflow`.
pub(super) fn valid_time(t: SetTime) -> Result<Option<Option<Time>>, FsError> {
    Ok(match t {
        SetTime::NoChange => None,
        SetTime::Now => Some(None),
        SetTime::At(t) => {
            let seconds = t
                .seconds
                .checked_add(u64::from(t.nanoseconds / 1_000_000_000))
                .filter(|s| *s <= i64::MAX as u64)
                .ok_or(FsError::Overflow)?;
            Some(Some(Time {
                seconds,
                nanoseconds: t.nanoseconds % 1_000_000_000,
            }))
        }
    })
}

/// A path as bytes: `invalid` with a NUL (no C string), `name-too-long` from `PATH_MAX` bytes.
pub(super) fn check_path(path: &str) -> Result<&[u8], FsError> {
    check_bytes(path.as_bytes())
}

pub(super) fn check_bytes(path: &[u8]) -> Result<&[u8], FsError> {
    if path.contains(&0) {
        return Err(FsError::Invalid);
    }
    if path.len() >= PATH_MAX {
        return Err(FsError::NameTooLong);
    }
    Ok(path)
}

pub(super) fn trim_slashes(mut s: &[u8]) -> &[u8] {
    while let [b'/', rest @ ..] = s {
        s = rest;
    }
    s
}

/// Trailing slashes removed, unless that leaves nothing (cap-std's `strip_dir_suffix`).
pub(super) fn strip_slashes(mut s: &[u8]) -> &[u8] {
    while s.len() > 1
        && let [rest @ .., b'/'] = s
    {
        s = rest;
    }
    s
}

/// cap-std's `split_parent` (with Rust's `Path` rules): the directory part and the last
/// component. A path ending in `/` or `/.`, or whose last component is `..`, names a directory:
/// the whole path, then `.`. `no-entry` for an empty path, `not-permitted` for an absolute one
/// (its parent would be `/`).
pub(super) fn split_parent(path: &[u8]) -> Result<(&[u8], Last<'_>), FsError> {
    match path.first() {
        None => return Err(FsError::NoEntry),
        Some(b'/') => return Err(FsError::NotPermitted),
        Some(_) => {}
    }
    if !(path.ends_with(b"/") || path.ends_with(b"/.")) {
        let (dir, last) = match path.iter().rposition(|&b| b == b'/') {
            Some(i) => (
                path.get(..i).unwrap_or_default(),
                path.get(i + 1..).unwrap_or_default(),
            ),
            None => (&[][..], path),
        };
        match last {
            b"." => return Ok((dir, Last::Dot)),
            b".." => {}
            name => return Ok((dir, Last::Name(name))),
        }
    }
    Ok((path, Last::Dot))
}

/// The name a path is, if Rust's `Path` sees it as exactly one normal component (`x`, `x/`,
/// `x/.`), as cap-std's `stat` without following checks.
pub(super) fn single_name(path: &[u8]) -> Option<&[u8]> {
    if path.first() == Some(&b'/') {
        return None;
    }
    let mut parts = path.split(|&b| b == b'/').filter(|p| !p.is_empty());
    let first = parts.next()?;
    if first == b"." || first == b".." {
        return None;
    }
    parts.all(|p| p == b".").then_some(first)
}
