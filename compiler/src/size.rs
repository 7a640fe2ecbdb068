//! The sizes of `limit "64MiB"`: a whole number and a unit, read by the checker and written back
//! by `virtc inspect`.

use std::fmt;

/// The units, binary first (the canonical ones), each in bytes.
const UNITS: [(&str, u64); 7] = [
    ("GiB", 1 << 30),
    ("MiB", 1 << 20),
    ("KiB", 1 << 10),
    ("GB", 1_000_000_000),
    ("MB", 1_000_000),
    ("KB", 1_000),
    ("B", 1),
];

/// Why a size does not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SizeError {
    /// Not digits followed by a unit.
    Syntax,
    /// More than 2^64 − 1 bytes.
    TooLarge,
}

impl fmt::Display for SizeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SizeError::Syntax => f.write_str(
                "not a whole number followed by a unit (`B`, `KiB`, `MiB`, `GiB`, `KB`, `MB`, `GB`)",
            ),
            SizeError::TooLarge => f.write_str("more bytes than 64 bits can count"),
        }
    }
}

/// Reads `64MiB`, `512KB`, `100B` as bytes.
pub fn parse_size(text: &str) -> Result<u64, SizeError> {
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .ok_or(SizeError::Syntax)?;
    let (number, unit) = text.split_at(split);
    if number.is_empty() {
        return Err(SizeError::Syntax);
    }
    let (_, scale) = UNITS
        .iter()
        .find(|(name, _)| *name == unit)
        .ok_or(SizeError::Syntax)?;
    let number: u64 = number.parse().map_err(|_| SizeError::TooLarge)?;
    number.checked_mul(*scale).ok_or(SizeError::TooLarge)
}

/// A size in the largest binary unit that says it exactly, else in bytes (`67108864` →
/// `64MiB`, `1000` → `1000B`).
pub fn format_size(bytes: u64) -> String {
    let (name, scale) = UNITS[..3]
        .iter()
        .find(|(_, scale)| bytes.is_multiple_of(*scale) && bytes > 0)
        .unwrap_or(&("B", 1));
    format!("{}{name}", bytes / scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("64MiB"), Ok(64 << 20));
        assert_eq!(parse_size("1GiB"), Ok(1 << 30));
        assert_eq!(parse_size("512KB"), Ok(512_000));
        assert_eq!(parse_size("0B"), Ok(0));
        for bad in ["", "64", "MiB", "64 MiB", "64mib", "1.5GiB", "-1B", "64MB "] {
            assert_eq!(parse_size(bad), Err(SizeError::Syntax), "{bad}");
        }
        assert_eq!(parse_size("99999999999GiB"), Err(SizeError::TooLarge));
        assert_eq!(format_size(64 << 20), "64MiB");
        assert_eq!(format_size(1000), "1000B");
        assert_eq!(format_size(0), "0B");
        for bytes in [0, 1, 1 << 10, 3 << 30, 1_000_000, u64::MAX] {
            assert_eq!(parse_size(&format_size(bytes)), Ok(bytes));
        }
    }
}
