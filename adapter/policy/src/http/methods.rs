//! The methods before a rule's scheme (`GET,POST https://…`): HTTP tokens, matched exactly, so
//! a spelling that is legal but probably not meant (`get`, `*`) is warned about here.

use crate::prelude::*;

use super::parse::{UrlPatternError, UrlProblem, err};
use core::fmt;
use core::ops::Range;

/// Something legal but probably not meant, and where in the rule's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub range: Range<usize>,
    pub kind: WarningKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WarningKind {
    /// A standard method not in upper case: it matches only that spelling.
    MethodCase { standard: &'static str },
    /// The method `*`: a method by that name, not any method.
    StarMethod,
}

impl fmt::Display for WarningKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WarningKind::MethodCase { standard } => write!(
                f,
                "methods are case-sensitive: this is not `{standard}`; did you mean `{standard}`?"
            ),
            WarningKind::StarMethod => write!(
                f,
                "`*` is a method named `*`; leave the methods out to match any method"
            ),
        }
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.kind.fmt(f)
    }
}

const STANDARD_METHODS: [&str; 9] = [
    "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
];

/// RFC 9110 `tchar`.
fn is_tchar(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

/// `METHOD,METHOD` in `text[range]`.
pub(super) fn parse_methods(
    text: &str,
    range: Range<usize>,
    warnings: &mut Vec<Warning>,
) -> Result<Vec<String>, UrlPatternError> {
    let list = &text[range.clone()];
    if list.trim_matches(' ').is_empty() {
        // The spaces before the scheme.
        return err(range.start..range.end + 1, UrlProblem::EmptyMethodList);
    }
    let mut methods = Vec::new();
    let mut offset = range.start;
    for item in list.split(',') {
        let item_start = offset;
        offset += item.len() + 1;
        let method = item.trim_matches(' ');
        if method.is_empty() {
            // Point at the comma after the empty item, or before it when it is the last.
            let comma = if offset - 1 < range.end {
                offset - 1
            } else {
                item_start - 1
            };
            return err(comma..comma + 1, UrlProblem::EmptyMethod);
        }
        let start = item_start + (item.len() - item.trim_start_matches(' ').len());
        let method_range = start..start + method.len();
        if let Some((i, c)) = method.char_indices().find(|&(_, c)| !is_tchar(c)) {
            return err(
                start + i..start + i + c.len_utf8(),
                UrlProblem::BadMethodCharacter(c),
            );
        }
        if method == "*" {
            warnings.push(Warning {
                range: method_range.clone(),
                kind: WarningKind::StarMethod,
            });
        } else if let Some(standard) = STANDARD_METHODS
            .iter()
            .find(|s| **s != method && s.eq_ignore_ascii_case(method))
        {
            warnings.push(Warning {
                range: method_range.clone(),
                kind: WarningKind::MethodCase { standard },
            });
        }
        methods.push(method.to_owned());
    }
    Ok(methods)
}

#[cfg(test)]
mod tests {
    use crate::http::testing::*;
    use crate::http::*;

    #[test]
    fn warns_about_method_case() {
        let text = "get,POST,Delete,* https://x";
        let (r, warnings) = UrlRule::parse(text).unwrap();
        assert_eq!(r.methods, vec!["get", "POST", "Delete", "*"]);
        let shown: Vec<(&str, &WarningKind)> = warnings
            .iter()
            .map(|w| (&text[w.range.clone()], &w.kind))
            .collect();
        assert_eq!(
            shown,
            vec![
                ("get", &WarningKind::MethodCase { standard: "GET" }),
                ("Delete", &WarningKind::MethodCase { standard: "DELETE" }),
                ("*", &WarningKind::StarMethod),
            ]
        );
        assert!(warnings[0].to_string().contains("`GET`"));
        // An extension method in lower case is just that method.
        assert!(UrlRule::parse("purge https://x").unwrap().1.is_empty());
        // `get` matches only `get`.
        assert!(r.matches(&request("get", "https://x/")));
        assert!(!r.matches(&request("GET", "https://x/")));
    }
}
