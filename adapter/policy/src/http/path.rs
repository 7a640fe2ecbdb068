//! URL paths: which characters and escapes a path may hold, the normal form rule paths and
//! request paths are both brought into, and the path glob matcher that compares them.

use crate::prelude::*;

use super::Reason;
use alloc::borrow::Cow;
use core::ops::Range;

/// RFC 3986 `unreserved`.
fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// RFC 3986 `pchar` without `pct-encoded`, plus `/`.
pub(super) fn is_path_char(c: char) -> bool {
    c.is_ascii() && (is_unreserved(c as u8) || "!$&'()*+,;=:@/".contains(c))
}

/// The byte the escape `%XX` at `bytes[i]` stands for; `None` when none starts there (no `%`,
/// or a `%` without two hex digits).
pub(super) fn escape_at(bytes: &[u8], i: usize) -> Option<u8> {
    if bytes.get(i) != Some(&b'%') {
        return None;
    }
    // By hand rather than `char::to_digit`, whose panic text would ride along in the adapter.
    let hex = |j: usize| match bytes.get(j)? {
        d @ b'0'..=b'9' => Some(d - b'0'),
        h @ b'a'..=b'f' => Some(h - b'a' + 10),
        h @ b'A'..=b'F' => Some(h - b'A' + 10),
        _ => None,
    };
    Some(hex(i + 1)? * 16 + hex(i + 2)?)
}

/// A request's path in normal form.
pub(super) fn request_path(path_with_query: &str) -> Result<Cow<'_, str>, Reason> {
    let end = path_with_query
        .find(['?', '#'])
        .unwrap_or(path_with_query.len());
    let path = &path_with_query[..end];
    if path.is_empty() {
        return Ok(Cow::Borrowed("/"));
    }
    let bytes = path.as_bytes();
    let bad_escape = |i: usize| bytes[i] == b'%' && escape_at(bytes, i).is_none();
    if !path.starts_with('/')
        || bytes.iter().any(|&b| b <= b' ' || b == 0x7f || b == b'\\')
        || (0..bytes.len()).any(bad_escape)
    {
        return Err(Reason::BadPath);
    }
    normalize_path(path).map_err(|_| Reason::PathEscapesRoot)
}

/// Whether `path` (starting with `/`) is already in normal form.
fn is_normal(path: &str) -> bool {
    if path.contains('%') {
        return false;
    }
    let mut segments = path[1..].split('/').peekable();
    while let Some(segment) = segments.next() {
        let last = segments.peek().is_none();
        if (segment.is_empty() && !last) || segment == "." || segment == ".." {
            return false;
        }
    }
    true
}

/// Brings `path` (starting with `/`) into normal form: unreserved escapes decoded, other
/// escapes in upper case, `.` and `..` resolved, repeated `/` merged. Fails with the range of
/// the `..` segment that climbs above `/`.
pub(super) fn normalize_path(path: &str) -> Result<Cow<'_, str>, Range<usize>> {
    if is_normal(path) {
        return Ok(Cow::Borrowed(path));
    }
    let mut out = String::with_capacity(path.len());
    // Whether the path ends in `/`: after an empty, `.` or `..` segment.
    let mut trailing = false;
    let mut offset = 1;
    for raw in path[1..].split('/') {
        let range = offset..offset + raw.len();
        offset = range.end + 1;
        let start = out.len();
        out.push('/');
        decode_segment(raw, &mut out);
        match &out[start + 1..] {
            "" | "." => {
                out.truncate(start);
                trailing = true;
            }
            ".." => {
                out.truncate(start);
                match out.rfind('/') {
                    Some(parent) => out.truncate(parent),
                    None => return Err(range),
                }
                trailing = true;
            }
            _ => trailing = false,
        }
    }
    if out.is_empty() || trailing {
        out.push('/');
    }
    Ok(Cow::Owned(out))
}

/// Appends `raw` to `out`, decoding escapes of unreserved characters and upper-casing the hex
/// of other escapes; a `%` without two hex digits stays as it is.
fn decode_segment(raw: &str, out: &mut String) {
    let bytes = raw.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if let Some(b) = escape_at(bytes, i) {
            if is_unreserved(b) {
                out.push(b as char);
            } else {
                out.push('%');
                out.push(bytes[i + 1].to_ascii_uppercase() as char);
                out.push(bytes[i + 2].to_ascii_uppercase() as char);
            }
            i += 3;
            continue;
        }
        // Up to the next `%` (ASCII, so a char boundary).
        let next = bytes[i + 1..]
            .iter()
            .position(|&b| b == b'%')
            .map_or(raw.len(), |j| i + 1 + j);
        out.push_str(&raw[i..next]);
        i = next;
    }
}

/// The segment of `text` starting at `pos` and the position after it; `pos > text.len()` means
/// no segments are left.
fn segment_at(text: &str, pos: usize) -> (&str, usize) {
    let end = text[pos..].find('/').map_or(text.len(), |i| pos + i);
    (&text[pos..end], end + 1)
}

/// Whether the normalised `path` matches the normalised glob `pattern`. Both start with `/`.
/// Segments are matched as a glob over segments, `**` the only wildcard there and every other
/// pattern segment matching exactly one path segment; iterative with backtracking to the last
/// `**` only, so at most (pattern segments × path segments) segment comparisons.
pub(super) fn path_matches(pattern: &str, path: &str) -> bool {
    let (pat, text) = (&pattern[1..], &path[1..]);
    let (pat_end, text_end) = (pat.len() + 1, text.len() + 1);
    let (mut p, mut t) = (0usize, 0usize);
    // After the last `**`: the pattern position after it, the path position it has reached.
    let mut star: Option<(usize, usize)> = None;
    loop {
        if p < pat_end {
            let (seg, next) = segment_at(pat, p);
            if seg == "**" {
                if next >= pat_end {
                    // A final `**`: one or more segments, whatever they hold.
                    return t < text_end;
                }
                p = next;
                star = Some((p, t));
                continue;
            }
            if t < text_end {
                let (text_seg, text_next) = segment_at(text, t);
                if segment_matches(seg.as_bytes(), text_seg.as_bytes()) {
                    p = next;
                    t = text_next;
                    continue;
                }
            }
        } else if t >= text_end {
            return true;
        }
        // Mismatch: the last `**` takes one more segment, if any is left.
        match star {
            Some((sp, st)) if st < text_end => {
                let (_, st_next) = segment_at(text, st);
                p = sp;
                t = st_next;
                star = Some((sp, st_next));
            }
            _ => return false,
        }
    }
}

/// Whether one path segment matches one pattern segment, `*` matching any run of bytes.
fn segment_matches(pat: &[u8], seg: &[u8]) -> bool {
    let (mut p, mut s) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while s < seg.len() {
        if p < pat.len() && pat[p] == b'*' {
            p += 1;
            star = Some((p, s));
            continue;
        }
        if p < pat.len() && pat[p] == seg[s] {
            p += 1;
            s += 1;
            continue;
        }
        match star {
            Some((sp, ss)) => {
                p = sp;
                s = ss + 1;
                star = Some((sp, ss + 1));
            }
            None => return false,
        }
    }
    pat[p..].iter().all(|&b| b == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::testing::*;
    use crate::http::*;

    #[test]
    fn matches_path_globs() {
        let v1 = "https://h/v1/**";
        assert!(!one(v1, "https://h/v1"));
        assert!(one(v1, "https://h/v1/"));
        assert!(one(v1, "https://h/v1/a"));
        assert!(one(v1, "https://h/v1/a/b"));
        assert!(!one(v1, "https://h/v10/a"));
        assert!(!one(v1, "https://h/"));
        assert!(!one(v1, "https://h"));
        let star = "https://h/v1/*/items";
        assert!(one(star, "https://h/v1/a/items"));
        assert!(one(star, "https://h/v1/%2F/items"));
        assert!(!one(star, "https://h/v1/a/b/items"));
        assert!(!one(star, "https://h/v1/a/items/"));
        assert!(one("https://h/a/*.json", "https://h/a/x.json"));
        assert!(one("https://h/a/*.json", "https://h/a/.json"));
        assert!(!one("https://h/a/*.json", "https://h/a/x.jsonp"));
        assert!(one("https://h/a/x*y*z", "https://h/a/xaaybbz"));
        assert!(one("https://h/a/*", "https://h/a/"));
        let mid = "https://h/a/**/b";
        assert!(one(mid, "https://h/a/b"));
        assert!(one(mid, "https://h/a/x/b"));
        assert!(one(mid, "https://h/a/x/y/b"));
        assert!(!one(mid, "https://h/a/x/y/b/c"));
        assert!(!one(mid, "https://h/a/"));
        assert!(one("https://h/**/b", "https://h/b"));
        assert!(one("https://h/**/b", "https://h/x/y/b"));
        assert!(one("https://h/**", "https://h"));
        assert!(one("https://h/**", "https://h/a/b/c"));
        assert!(one("https://h/", "https://h"));
        assert!(one("https://h/", "https://h/?x"));
        assert!(!one("https://h/", "https://h/a"));
        assert!(one("https://h", "https://h/any/thing"));
        assert!(one("https://h/a", "https://h/a"));
        assert!(!one("https://h/a", "https://h/a/"));
        assert!(one("https://h/a/**/", "https://h/a/x/"));
        assert!(one("https://h/a/**/", "https://h/a/"));
        assert!(!one("https://h/a/**/", "https://h/a/x"));
    }

    #[test]
    fn normalises_request_paths() {
        let policy = rules(
            &["https://h"],
            &["https://h/v1/admin/**", "https://h/v1/admin"],
        );
        let decide = |url: &str| policy.decide(&get(url));
        for denied in [
            "https://h/v1/admin",
            "https://h/v1/admin/",
            "https://h/v1//admin",
            "https://h/v1///admin/x",
            "https://h//v1/admin",
            "https://h/v1/./admin",
            "https://h/v1/%61dmin",
            "https://h/v1/%61%64%6D%69%6e/users",
            "https://h/v1/x/../admin",
            "https://h/v1/x/%2e%2E/admin",
            "https://h/v1/admin/.",
            "https://h/v1/admin/x/..",
            "https://h/%76%31/admin?debug=1",
            "https://h/v1/admin#frag",
        ] {
            assert!(
                matches!(decide(denied), Decision::Deny(Reason::DenyRule(_))),
                "{denied}"
            );
        }
        for allowed in [
            "https://h/v1/adminx",
            "https://h/v1/admin%2Fx",
            "https://h/v1/admin%2fx",
            "https://h/v1%2Fadmin",
            "https://h/v1/admin%5C",
            "https://h/v1/x/admin",
            "https://h/v1/admin/..",
            "https://h/v2/admin",
            "https://h/x?/v1/admin",
        ] {
            assert_eq!(decide(allowed), Decision::Allow, "{allowed}");
        }
        // `%2F` is one segment's text, compared in upper case.
        assert!(one("https://h/a%2Fb", "https://h/a%2fb"));
        assert!(!one("https://h/a/b", "https://h/a%2Fb"));
        assert!(!one("https://h/a%2Fb", "https://h/a/b"));
        // Escapes of reserved characters stay escapes.
        assert!(one("https://h/a%3Bb", "https://h/a%3bb"));
        assert!(!one("https://h/a%3Bb", "https://h/a;b"));
        // Above the root: denied before the rules.
        for escaping in [
            "https://h/..",
            "https://h/../v1",
            "https://h/a/../..",
            "https://h/%2e%2e/x",
            "https://h/a/./../../b",
        ] {
            assert_eq!(
                decide(escaping),
                Decision::Deny(Reason::PathEscapesRoot),
                "{escaping}"
            );
        }
        // Malformed paths.
        for bad in [
            "https://h/a b",
            "https://h/a\\b",
            "https://h/a\tb",
            "https://h/\u{7f}",
        ] {
            assert_eq!(decide(bad), Decision::Deny(Reason::BadPath), "{bad}");
        }
        let relative = Request {
            path_with_query: Some("v1/admin"),
            ..get("https://h")
        };
        assert_eq!(policy.decide(&relative), Decision::Deny(Reason::BadPath));
        // A `%` without two hex digits is malformed: decoding around it would build escapes.
        for bad in [
            "https://h/100%",
            "https://h/%%32%46",
            "https://h/%zz",
            "https://h/%2",
        ] {
            assert_eq!(decide(bad), Decision::Deny(Reason::BadPath), "{bad}");
        }
        assert_eq!(decide("https://h/x?100%"), Decision::Allow);
    }

    #[test]
    fn normal_form() {
        fn n(p: &str) -> Result<String, &str> {
            normalize_path(p).map(Cow::into_owned).map_err(|r| &p[r])
        }
        assert_eq!(n("/"), Ok("/".into()));
        assert_eq!(n("//"), Ok("/".into()));
        assert_eq!(n("/a//b/"), Ok("/a/b/".into()));
        assert_eq!(n("/a/b/.."), Ok("/a/".into()));
        assert_eq!(n("/a/%7E%2f%3a%"), Ok("/a/~%2F%3A%".into()));
        assert_eq!(n("/ü/%C3%BC"), Ok("/ü/%C3%BC".into()));
        assert_eq!(n("/a/../../b"), Err(".."));
        assert!(matches!(normalize_path("/a/b"), Ok(Cow::Borrowed(_))));
        assert_eq!(request_path(""), Ok(Cow::Borrowed("/")));
        assert_eq!(request_path("?q"), Ok(Cow::Borrowed("/")));
        assert_eq!(request_path("#f"), Ok(Cow::Borrowed("/")));
    }

    #[test]
    fn pathological_globs_finish() {
        let start = std::time::Instant::now();
        // Many `**` against many segments that almost match.
        let mut pattern = String::from("/");
        for _ in 0..500 {
            pattern.push_str("**/a/");
        }
        pattern.push('b');
        let path = "/a".repeat(2000);
        assert!(!path_matches(
            &rule(&format!("https://h{pattern}")).path.unwrap(),
            &path
        ));
        // Many `*` in one segment.
        let segment = format!("/{}b", "*a".repeat(1500));
        let long = format!("/{}", "a".repeat(3000));
        assert!(!path_matches(&segment, &long));
        assert!(path_matches(&segment, &format!("{long}b")));
        // Both at once, through the public API.
        let r = rule(&format!("https://h/**/{}*b/**/c", "*a".repeat(300)));
        let url = format!(
            "https://h{}",
            "/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".repeat(100)
        );
        assert!(!r.matches(&get(&url)));
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
    }
}
