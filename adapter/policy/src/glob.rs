//! A small glob matcher for names (environment variables, config keys) that runs inside the
//! adapter, where pulling in a regex engine would cost more than the rest of the adapter.
//!
//! Supported: `*` (any run of characters, `**` is the same), `?` (one character), classes
//! `[abc]`, `[a-z]`, negated `[!a]` or `[^a]`, and `\` escaping the next character. Alternation
//! (`{a,b}`) is expanded by the compiler before patterns reach the adapter, see
//! [`expand_alternatives`]. The compiler validates patterns with globset, whose semantics these
//! follow for names without path separators.

use crate::prelude::*;

/// Whether `name` matches `pattern` in full.
pub fn glob_match(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    // Iterative matching with backtracking to the last `*`: linear in practice, no recursion.
    let (mut pi, mut ni) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        if pi < p.len() {
            match p[pi] {
                '*' => {
                    while pi < p.len() && p[pi] == '*' {
                        pi += 1;
                    }
                    star = Some((pi, ni));
                    continue;
                }
                '?' => {
                    pi += 1;
                    ni += 1;
                    continue;
                }
                '[' => {
                    if let Some((matched, next)) = class_match(&p, pi, n[ni]) {
                        if matched {
                            pi = next;
                            ni += 1;
                            continue;
                        }
                    } else if n[ni] == '[' {
                        // An unterminated class is a literal `[`.
                        pi += 1;
                        ni += 1;
                        continue;
                    }
                }
                '\\' if pi + 1 < p.len() => {
                    if p[pi + 1] == n[ni] {
                        pi += 2;
                        ni += 1;
                        continue;
                    }
                }
                c => {
                    if c == n[ni] {
                        pi += 1;
                        ni += 1;
                        continue;
                    }
                }
            }
        }
        match star {
            Some((sp, sn)) => {
                pi = sp;
                ni = sn + 1;
                star = Some((sp, sn + 1));
            }
            None => return false,
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// Matches `c` against the class starting at `p[start] == '['`. Returns whether it matched and
/// the index after the class, or `None` when the class is not terminated.
fn class_match(p: &[char], start: usize, c: char) -> Option<(bool, usize)> {
    let mut i = start + 1;
    let negated = matches!(p.get(i), Some('!') | Some('^'));
    if negated {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    while i < p.len() {
        let lo = p[i];
        if lo == ']' && !first {
            return Some((matched != negated, i + 1));
        }
        first = false;
        if i + 2 < p.len() && p[i + 1] == '-' && p[i + 2] != ']' {
            let hi = p[i + 2];
            if lo <= c && c <= hi {
                matched = true;
            }
            i += 3;
        } else {
            if lo == c {
                matched = true;
            }
            i += 1;
        }
    }
    None
}

/// The most plain patterns one pattern may stand for: `{a,b}` groups multiply, and a short
/// pattern could otherwise stand for billions (the compiler refuses those, see
/// [`count_alternatives`]).
pub const MAX_ALTERNATIVES: usize = 256;

/// The `{…}` groups of a pattern, in order: (start of `{`, end after `}`). Not nested: a group
/// ends at the first `}`.
fn groups(pattern: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut from = 0;
    core::iter::from_fn(move || {
        let open = from + pattern.get(from..)?.find('{')?;
        let close = open + pattern[open..].find('}')?;
        from = close + 1;
        Some((open, close + 1))
    })
}

/// How many plain patterns [`expand_alternatives`] makes of `pattern` (saturating).
pub fn count_alternatives(pattern: &str) -> usize {
    groups(pattern).fold(1usize, |n, (open, close)| {
        n.saturating_mul(pattern[open + 1..close - 1].split(',').count())
    })
}

/// Expands `{a,b}` alternatives (possibly several, not nested) into plain patterns: at most
/// [`MAX_ALTERNATIVES`] of them, the first in order (patterns with more are refused before
/// they are expanded).
pub fn expand_alternatives(pattern: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut from = 0;
    for (open, close) in groups(pattern) {
        let head = &pattern[from..open];
        let mut next = Vec::new();
        'fill: for prefix in &out {
            for alt in pattern[open + 1..close - 1].split(',') {
                if next.len() == MAX_ALTERNATIVES {
                    break 'fill;
                }
                next.push(format!("{prefix}{head}{alt}"));
            }
        }
        out = next;
        from = close;
    }
    for p in &mut out {
        p.push_str(&pattern[from..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_and_wildcards() {
        assert!(glob_match("HOME", "HOME"));
        assert!(!glob_match("HOME", "HOMES"));
        assert!(!glob_match("HOME", "HOM"));
        assert!(glob_match("*", ""));
        assert!(glob_match("*", "ANYTHING"));
        assert!(glob_match("LANG_*", "LANG_"));
        assert!(glob_match("LANG_*", "LANG_EN"));
        assert!(!glob_match("LANG_*", "LANG"));
        assert!(glob_match("*_KEY", "AWS_SECRET_KEY"));
        assert!(glob_match("A*B*C", "AxxBxxC"));
        assert!(!glob_match("A*B*C", "AxxBxx"));
        assert!(glob_match("A**C", "ABC"));
        assert!(glob_match("?", "x"));
        assert!(!glob_match("?", ""));
        assert!(glob_match("X?Z", "XYZ"));
    }

    #[test]
    fn classes_and_escapes() {
        assert!(glob_match("[AB]1", "B1"));
        assert!(!glob_match("[AB]1", "C1"));
        assert!(glob_match("[A-C]", "B"));
        assert!(!glob_match("[!A-C]", "B"));
        assert!(glob_match("[^A-C]", "D"));
        assert!(glob_match("[]]", "]"));
        assert!(glob_match("\\*", "*"));
        assert!(!glob_match("\\*", "x"));
        assert!(glob_match("[", "["));
    }

    #[test]
    fn alternatives() {
        assert_eq!(expand_alternatives("A"), vec!["A"]);
        assert_eq!(
            expand_alternatives("{A,B}_{X,Y}"),
            vec!["A_X", "A_Y", "B_X", "B_Y"]
        );
        assert_eq!(expand_alternatives("x{}y{,a}"), vec!["xy", "xya"]);
        assert_eq!(expand_alternatives("open{a,b"), vec!["open{a,b"]);
        assert_eq!(expand_alternatives("a}b{c,d}e}"), vec!["a}bce}", "a}bde}"]);
        assert_eq!(count_alternatives("{A,B}_{X,Y,Z}"), 6);
        assert_eq!(count_alternatives("plain"), 1);
    }

    /// Found by fuzzing: a kilobyte of `{,,,,}` groups stood for more patterns than memory
    /// holds. They are counted without being expanded, and never expanded past the limit.
    #[test]
    fn alternatives_are_bounded() {
        let pattern = "{a,b,c,d,e,f,g,h}".repeat(40);
        assert_eq!(count_alternatives(&pattern), usize::MAX);
        assert_eq!(expand_alternatives(&pattern).len(), MAX_ALTERNATIVES);
        assert_eq!(count_alternatives(&"{,,,}".repeat(4)), 256);
        assert_eq!(expand_alternatives(&"{,,,}".repeat(4)).len(), 256);
    }
}
