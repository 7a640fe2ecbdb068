//! The texts of `clocks fixed "INSTANT"` and `clocks resolution "DURATION"`: RFC 3339 instants
//! and durations with a unit, read by the checker and written back by `virtc inspect`.

use std::fmt;

/// Why an instant does not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InstantError {
    /// Not `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`.
    Syntax,
    /// A field out of range (month 13, day 31 in April, hour 24, …).
    Range(&'static str),
    /// Before 1970-01-01T00:00:00Z: WASI's wall clock cannot say it.
    BeforeEpoch,
}

impl fmt::Display for InstantError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InstantError::Syntax => f.write_str(
                "not an RFC 3339 instant (`YYYY-MM-DDTHH:MM:SS`, an optional fraction, then `Z` \
                 or an offset like `+02:00`)",
            ),
            InstantError::Range(field) => write!(f, "its {field} is out of range"),
            InstantError::BeforeEpoch => f.write_str(
                "it is before 1970-01-01T00:00:00Z, which WASI's wall clock cannot show",
            ),
        }
    }
}

/// Seconds and nanoseconds since 1970-01-01T00:00:00Z.
pub type Instant = (u64, u32);

/// Reads an RFC 3339 instant (`2026-01-01T00:00:00Z`, `2026-01-01t12:30:00.5+02:00`; a space
/// may stand for the `T`). A leap second (`:60`) reads as the next second.
pub fn parse_instant(text: &str) -> Result<Instant, InstantError> {
    let b = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Result<i64, InstantError> {
        let part = b.get(range).ok_or(InstantError::Syntax)?;
        if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
            return Err(InstantError::Syntax);
        }
        Ok(part.iter().fold(0i64, |n, d| n * 10 + i64::from(d - b'0')))
    };
    let at = |i: usize, c: &[u8]| b.get(i).is_some_and(|x| c.contains(x));
    if b.len() < 20 || !at(4, b"-") || !at(7, b"-") || !at(10, b"Tt ") || !at(13, b":") {
        return Err(InstantError::Syntax);
    }
    if !at(16, b":") {
        return Err(InstantError::Syntax);
    }
    let (year, month, day) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    let (hour, minute, second) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
    let mut i = 19;
    let mut nanos: i64 = 0;
    if at(i, b".") {
        let start = i + 1;
        let mut end = start;
        while b.get(end).is_some_and(u8::is_ascii_digit) {
            end += 1;
        }
        if end == start {
            return Err(InstantError::Syntax);
        }
        // Nanoseconds: the first nine digits, the rest dropped.
        for k in 0..9 {
            let d = if start + k < end {
                i64::from(b[start + k] - b'0')
            } else {
                0
            };
            nanos = nanos * 10 + d;
        }
        i = end;
    }
    let offset_minutes = match b.get(i) {
        Some(b'Z' | b'z') if i + 1 == b.len() => 0,
        Some(sign @ (b'+' | b'-')) if i + 6 == b.len() && at(i + 3, b":") => {
            let (h, m) = (digits(i + 1..i + 3)?, digits(i + 4..i + 6)?);
            if h > 23 || m > 59 {
                return Err(InstantError::Range("offset"));
            }
            let minutes = h * 60 + m;
            if *sign == b'-' { -minutes } else { minutes }
        }
        _ => return Err(InstantError::Syntax),
    };
    if !(1..=12).contains(&month) {
        return Err(InstantError::Range("month"));
    }
    if day < 1 || day > days_in_month(year, month) {
        return Err(InstantError::Range("day"));
    }
    if hour > 23 {
        return Err(InstantError::Range("hour"));
    }
    if minute > 59 {
        return Err(InstantError::Range("minute"));
    }
    if second > 60 {
        return Err(InstantError::Range("second"));
    }
    let seconds = days_from_civil(year, month, day) * 86_400 + hour * 3_600 + minute * 60 + second
        - offset_minutes * 60;
    let seconds = u64::try_from(seconds).map_err(|_| InstantError::BeforeEpoch)?;
    Ok((seconds, nanos as u32))
}

/// `2026-01-01T00:00:00Z`, with a fraction only when there are nanoseconds (trailing zeros
/// dropped): the canonical text of an instant.
pub fn format_instant((seconds, nanos): Instant) -> String {
    let days = (seconds / 86_400) as i64;
    let rest = seconds % 86_400;
    let (year, month, day) = civil_from_days(days);
    let mut out = format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        rest / 3_600,
        rest % 3_600 / 60,
        rest % 60
    );
    if nanos > 0 {
        let fraction = format!("{nanos:09}");
        out.push('.');
        out.push_str(fraction.trim_end_matches('0'));
    }
    out.push('Z');
    out
}

/// The units of a duration, largest first, in nanoseconds.
const UNITS: [(&str, u64); 4] = [
    ("s", 1_000_000_000),
    ("ms", 1_000_000),
    ("us", 1_000),
    ("ns", 1),
];

/// Why a duration does not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DurationError {
    /// Not digits followed by a unit.
    Syntax,
    /// Zero.
    Zero,
    /// More than a u64 of nanoseconds.
    TooLong,
}

impl fmt::Display for DurationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DurationError::Syntax => {
                f.write_str("not a whole number followed by a unit (`ns`, `us`, `ms` or `s`)")
            }
            DurationError::Zero => f.write_str("a resolution of zero means nothing"),
            DurationError::TooLong => f.write_str("it is longer than 584 years"),
        }
    }
}

/// Reads `1ms`, `250us`, `2s`, `100ns` (`µs` for `us` too) as nanoseconds.
pub fn parse_duration(text: &str) -> Result<u64, DurationError> {
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .ok_or(DurationError::Syntax)?;
    let (number, unit) = text.split_at(split);
    if number.is_empty() {
        return Err(DurationError::Syntax);
    }
    let unit = if unit == "µs" { "us" } else { unit };
    let (_, scale) = UNITS
        .iter()
        .find(|(name, _)| *name == unit)
        .ok_or(DurationError::Syntax)?;
    let number: u64 = number.parse().map_err(|_| DurationError::TooLong)?;
    let ns = number.checked_mul(*scale).ok_or(DurationError::TooLong)?;
    if ns == 0 {
        return Err(DurationError::Zero);
    }
    Ok(ns)
}

/// A duration in the largest unit that says it exactly (`1000000` → `1ms`).
pub fn format_duration(ns: u64) -> String {
    let (name, scale) = UNITS
        .iter()
        .find(|(_, scale)| ns.is_multiple_of(*scale))
        .unwrap_or(&("ns", 1));
    format!("{}{name}", ns / scale)
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day since 1970-01-01 (the inverse of [`days_from_civil`]).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_read_and_write_back() {
        assert_eq!(parse_instant("1970-01-01T00:00:00Z"), Ok((0, 0)));
        assert_eq!(
            parse_instant("2026-01-01T00:00:00Z"),
            Ok((1_767_225_600, 0))
        );
        assert_eq!(
            parse_instant("2000-02-29t12:00:00.25+01:30"),
            Ok((951_825_600 - 5_400, 250_000_000))
        );
        assert_eq!(
            parse_instant("2026-01-01 00:00:00z"),
            Ok((1_767_225_600, 0))
        );
        assert_eq!(
            parse_instant("2026-01-01T00:00:00.1234567899Z"),
            Ok((1_767_225_600, 123_456_789))
        );
        for (seconds, nanos) in [
            (0, 0),
            (951_825_600, 5),
            (1_767_225_600, 120_000_000),
            (4_102_444_800, 0),
            (253_402_300_799, 999_999_999),
        ] {
            let text = format_instant((seconds, nanos));
            assert_eq!(parse_instant(&text), Ok((seconds, nanos)), "{text}");
        }
        assert_eq!(format_instant((1_767_225_600, 0)), "2026-01-01T00:00:00Z");
        assert_eq!(
            format_instant((1_767_225_600, 120_000_000)),
            "2026-01-01T00:00:00.12Z"
        );
    }

    #[test]
    fn bad_instants_say_why() {
        for bad in [
            "",
            "2026-01-01",
            "2026-01-01T00:00:00",
            "2026-01-01T00:00Z",
            "2026/01/01T00:00:00Z",
            "2026-01-01T00:00:00.Z",
            "2026-01-01T00:00:00+0100",
            "２０２６-01-01T00:00:00Z",
            "2026-01-01T00:00:00Zjunk",
        ] {
            assert_eq!(parse_instant(bad), Err(InstantError::Syntax), "{bad}");
        }
        assert_eq!(
            parse_instant("2026-13-01T00:00:00Z"),
            Err(InstantError::Range("month"))
        );
        assert_eq!(
            parse_instant("2025-02-29T00:00:00Z"),
            Err(InstantError::Range("day"))
        );
        assert_eq!(
            parse_instant("2026-01-01T24:00:00Z"),
            Err(InstantError::Range("hour"))
        );
        assert_eq!(
            parse_instant("1969-12-31T23:59:59Z"),
            Err(InstantError::BeforeEpoch)
        );
        assert_eq!(
            parse_instant("1970-01-01T00:30:00+01:00"),
            Err(InstantError::BeforeEpoch)
        );
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("1ms"), Ok(1_000_000));
        assert_eq!(parse_duration("2s"), Ok(2_000_000_000));
        assert_eq!(parse_duration("250us"), Ok(250_000));
        assert_eq!(parse_duration("250µs"), Ok(250_000));
        assert_eq!(parse_duration("7ns"), Ok(7));
        for bad in ["", "ms", "1", "1 ms", "1.5ms", "1h", "-1ms"] {
            assert_eq!(parse_duration(bad), Err(DurationError::Syntax), "{bad}");
        }
        assert_eq!(parse_duration("0s"), Err(DurationError::Zero));
        assert_eq!(parse_duration("99999999999s"), Err(DurationError::TooLong));
        assert_eq!(format_duration(1_000_000), "1ms");
        assert_eq!(format_duration(1_500_000), "1500us");
        assert_eq!(format_duration(3), "3ns");
        for ns in [1, 999, 1_000, 2_000_000_000, u64::MAX] {
            assert_eq!(parse_duration(&format_duration(ns)), Ok(ns));
        }
    }
}
