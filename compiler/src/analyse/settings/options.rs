//! The words after a `mount`'s or a `tmpfs`'s paths: `writable` (a mount's tree, writable in
//! memory) and `limit "SIZE"` (how many bytes of file contents may be written).

use virtc_grammar::{MountOption, Span};

use super::lower::Lowering;
use crate::analyse::suggest::closest;
use crate::diagnostic::Diagnostic;
use crate::size::parse_size;

/// What the options say; `None` from [`options`] when one is wrong (reported).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Options {
    pub writable: bool,
    pub limit: Option<u64>,
}

/// Which statement the options follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Owner {
    Mount,
    Tmpfs,
}

impl Owner {
    fn keyword(self) -> &'static str {
        match self {
            Owner::Mount => "mount",
            Owner::Tmpfs => "tmpfs",
        }
    }

    fn words(self) -> &'static [&'static str] {
        match self {
            Owner::Mount => &["writable", "limit"],
            Owner::Tmpfs => &["limit"],
        }
    }
}

pub(super) fn options(cx: &mut Lowering, owner: Owner, list: &[MountOption]) -> Option<Options> {
    let file = cx.file;
    let mut out = Options::default();
    let mut ok = true;
    let mut seen: Vec<&str> = Vec::new();
    for option in list {
        let word = option.name.name.as_str();
        let words = owner.words();
        if !words.contains(&word) {
            let expected = words
                .iter()
                .map(|w| format!("`{w}`"))
                .collect::<Vec<_>>()
                .join(" or ");
            let mut d = Diagnostic::error(
                "V0036",
                format!("unknown `{}` option `{word}`", owner.keyword()),
            )
            .primary(file, option.name.span, format!("expected {expected}"));
            if let Some(best) = closest(word, words.iter().copied()) {
                d = d.help(format!("did you mean `{best}`?")).fix(
                    format!("replace with `{best}`"),
                    file,
                    option.name.span,
                    best,
                );
            }
            cx.report(d);
            ok = false;
            continue;
        }
        if seen.contains(&word) {
            let end = option
                .value
                .as_ref()
                .map_or(option.name.span.end, |v| v.span.end);
            let whole = Span::new(option.name.span.start, end);
            cx.report(
                Diagnostic::error("V0036", format!("`{word}` is written twice"))
                    .primary(file, option.name.span, "already given")
                    .fix("remove it", file, whole, ""),
            );
            ok = false;
            continue;
        }
        seen.push(word);
        match (word, &option.value) {
            ("writable", None) => out.writable = true,
            ("writable", Some(value)) => {
                cx.report(
                    Diagnostic::error("V0036", "`writable` takes no value")
                        .primary(file, value.span, "remove this")
                        .fix("remove the value", file, value.span, ""),
                );
                ok = false;
            }
            (_, None) => {
                cx.report(
                    Diagnostic::error("V0035", "`limit` needs a size")
                        .primary(file, option.name.span, "no size after it")
                        .help("write the most bytes it may hold: `limit \"64MiB\"`"),
                );
                ok = false;
            }
            (_, Some(value)) => match parse_size(&value.value) {
                Ok(bytes) => out.limit = Some(bytes),
                Err(why) => {
                    cx.report(
                        Diagnostic::error("V0035", format!("`{}` is not a size", value.value))
                            .primary(file, value.span, why.to_string())
                            .help("a size is a whole number and a unit: `limit \"64MiB\"`"),
                    );
                    ok = false;
                }
            },
        }
    }
    if owner == Owner::Mount
        && out.limit.is_some()
        && !out.writable
        && let Some(limit) = list.iter().find(|o| o.name.name.as_str() == "limit")
    {
        cx.report(
            Diagnostic::error("V0036", "`limit` applies only to a `writable` mount")
                .primary(file, limit.name.span, "this mount is read-only")
                .help("write `writable` before `limit`, or remove the limit"),
        );
        ok = false;
    }
    ok.then_some(out)
}
