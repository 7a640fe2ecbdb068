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

/// Expands `{a,b}` alternatives (possibly several, not nested) into plain patterns.
pub fn expand_alternatives(pattern: &str) -> Vec<String> {
    let Some(open) = pattern.find('{') else {
        return vec![pattern.to_owned()];
    };
    let Some(close_rel) = pattern[open..].find('}') else {
        return vec![pattern.to_owned()];
    };
    let close = open + close_rel;
    let (head, body, tail) = (
        &pattern[..open],
        &pattern[open + 1..close],
        &pattern[close + 1..],
    );
    let mut out = Vec::new();
    for alt in body.split(',') {
        for rest in expand_alternatives(tail) {
            out.push(format!("{head}{alt}{rest}"));
        }
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
    }
}
