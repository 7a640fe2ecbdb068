//! Lowering `clocks fixed "INSTANT";`, `clocks resolution "DURATION";` and `random seed N;`.
//! Each sets what `allow clocks;` / `allow random;` set (the same key), so writing both in one
//! file is the contradiction V0020, and a later file's statement overrides a profile's.

use virtc_grammar::{Ident, Value};

use super::lower::Lowering;
use super::{ClockSetting, Setting};
use crate::analyse::suggest::closest;
use crate::diagnostic::Diagnostic;
use crate::instant::{parse_duration, parse_instant};

/// The words after `clocks` and `random` (the language server completes them from here).
pub const MODES: [(&str, &[&str]); 2] =
    [("clocks", &["fixed", "resolution"]), ("random", &["seed"])];

/// The setting of a mode statement, or `None` with the error reported.
pub(super) fn lower_mode(
    cx: &mut Lowering,
    subject: &Ident,
    mode: &Ident,
    value: &Value,
) -> Option<Setting> {
    let file = cx.file;
    let modes: &[&str] = MODES
        .iter()
        .find(|(s, _)| *s == subject.name.as_str())
        .map_or(&[], |(_, modes)| modes);
    if !modes.contains(&mode.name.as_str()) {
        let expected = modes
            .iter()
            .map(|m| format!("`{m}`"))
            .collect::<Vec<_>>()
            .join(" or ");
        let mut d = Diagnostic::error(
            "V0031",
            format!("unknown `{}` mode `{}`", subject.name, mode.name),
        )
        .primary(file, mode.span, format!("expected {expected}"));
        if let Some(best) = closest(&mode.name, modes.iter().copied()) {
            d = d.help(format!("did you mean `{best}`?")).fix(
                format!("replace with `{best}`"),
                file,
                mode.span,
                best,
            );
        }
        cx.report(d);
        return None;
    }
    match (mode.name.as_str(), value) {
        ("fixed", Value::Str(text)) => match parse_instant(&text.value) {
            Ok((seconds, nanoseconds)) => Some(Setting::Clocks(ClockSetting::Fixed {
                seconds,
                nanoseconds,
            })),
            Err(why) => {
                cx.report(
                    Diagnostic::error("V0032", format!("`{}` is not an instant", text.value))
                        .primary(file, text.span, why.to_string())
                        .help("write the instant virtual time starts at in RFC 3339, in UTC: `clocks fixed \"2026-01-01T00:00:00Z\";`"),
                );
                None
            }
        },
        ("resolution", Value::Str(text)) => match parse_duration(&text.value) {
            Ok(ns) => Some(Setting::Clocks(ClockSetting::Resolution { ns })),
            Err(why) => {
                cx.report(
                    Diagnostic::error("V0033", format!("`{}` is not a duration", text.value))
                        .primary(file, text.span, why.to_string())
                        .help("write how coarse every reading is, with a unit: `clocks resolution \"1ms\";`"),
                );
                None
            }
        },
        ("seed", Value::Number(number)) => match number.text.parse::<u64>() {
            Ok(seed) => Some(Setting::RandomSeed(seed)),
            Err(_) => {
                cx.report(
                    Diagnostic::error(
                        "V0034",
                        format!("`{}` is not an unsigned 64-bit number", number.text),
                    )
                    .primary(file, number.span, "larger than 18446744073709551615")
                    .help("a seed is a whole number from 0 to 18446744073709551615"),
                );
                None
            }
        },
        ("seed", Value::Str(text)) => {
            cx.report(
                Diagnostic::error("V0034", "a seed is a number, not a string")
                    .primary(file, text.span, "a string")
                    .help("write the number without quotes: `random seed 42;`"),
            );
            None
        }
        (_, value) => {
            let (code, help) = if mode.name == "fixed" {
                (
                    "V0032",
                    "write a quoted instant: `clocks fixed \"2026-01-01T00:00:00Z\";`",
                )
            } else {
                (
                    "V0033",
                    "quote it, with its unit: `clocks resolution \"1ms\";`",
                )
            };
            cx.report(
                Diagnostic::error(code, format!("`clocks {}` takes a string", mode.name))
                    .primary(file, value.span(), "a number")
                    .help(help),
            );
            None
        }
    }
}
