//! Every diagnostic code virtc gives, with one line saying what it means: the reference for
//! users (README's table is checked against it) and a guard that no code means two things.

/// `(code, meaning)`, in code order.
pub const CODES: &[(&str, &str)] = &[
    ("V0001", "syntax: an unexpected token"),
    ("V0002", "syntax: the file ends inside a statement"),
    ("V0003", "syntax: an unterminated string"),
    ("V0004", "syntax: an unterminated block comment"),
    ("V0005", "syntax: an invalid escape in a string"),
    ("V0006", "syntax: a character that starts no token"),
    ("V0010", "an unknown subsystem after `allow`/`deny`"),
    ("V0011", "an unknown stream mode"),
    ("V0012", "an unknown `args` word"),
    ("V0013", "an unknown standard profile"),
    ("V0014", "`use` of a file that cannot be read"),
    ("V0015", "a `use` cycle"),
    ("V0016", "a standard profile that uses a file"),
    ("V0020", "two statements that contradict each other"),
    ("V0021", "a variable or configuration key set twice"),
    ("V0022", "warning: a duplicate statement"),
    ("V0023", "an invalid environment variable name"),
    ("V0024", "an invalid glob"),
    ("V0025", "a guest path that is not absolute"),
    ("V0026", "an empty configuration key"),
    (
        "V0027",
        "`allow env` or `allow config` together with virtual values or globs",
    ),
    (
        "V0028",
        "an import pattern that is not `namespace:package/interface`, or names a version",
    ),
    (
        "V0029",
        "an import pattern that can only match interfaces a subsystem statement governs",
    ),
    (
        "V0030",
        "note: a statement overrides one from a `use`d file",
    ),
    (
        "V0040",
        "warning: the component imports an interface the policy makes trap",
    ),
    (
        "V0041",
        "the component imports an interface virtc cannot virtualize under this policy",
    ),
    (
        "V0042",
        "the component imports a `wasi:` interface outside the registry that no pattern names",
    ),
    (
        "V0043",
        "note: the component imports interfaces from outside WASI, passed through",
    ),
    (
        "V0050",
        "a mount of a missing directory, or of something that is not one",
    ),
    ("V0051", "a file that cannot be read"),
    (
        "V0052",
        "two statements put different contents at one guest path",
    ),
    ("V0053", "warning: a mount glob that matches nothing"),
    ("V0054", "a symbolic link in a mount that points outside it"),
    ("V0055", "a guest path with `..`"),
    ("V0056", "a host path that cannot be resolved"),
    ("V0057", "`/` used as a file"),
    ("V0058", "embedded files over 4 GiB"),
    (
        "V0059",
        "warning: a skipped entry (not UTF-8, not a file or directory)",
    ),
    ("V0060", "warning: a host file that is a symbolic link"),
    ("V0061", "a guest path both embedded and a host directory"),
    ("V0062", "`file … from host` naming no file"),
    ("V0070", "the policy file cannot be read"),
    ("V0071", "the component file cannot be read"),
    (
        "V0072",
        "the input is not a component virtc can use (not wasm, a core module, invalid, not WASI 0.2)",
    ),
    (
        "V0073",
        "building the adapter failed (a bug in virtc: please report it)",
    ),
    (
        "V0074",
        "composing the adapter into the component failed; the message names what clashed",
    ),
    ("V0075", "stubbing out `deny import` interfaces failed"),
    ("V0076", "an output file cannot be written"),
    ("V0077", "`virtc run`: wasmtime cannot compile the output"),
    (
        "V0078",
        "`virtc run`: the component cannot be run (no `wasi:cli/run`, a missing import)",
    ),
    (
        "V0079",
        "the component's import of a WASI interface does not match WASI's definition at its version",
    ),
    (
        "V0080",
        "a network pattern whose host is not an address, a CIDR block, a name, `*.suffix` or `*`",
    ),
    (
        "V0081",
        "an invalid CIDR block (prefix too long, bits set beyond it, on a name)",
    ),
    (
        "V0082",
        "an invalid port or port range (not a number, over 65535, inverted)",
    ),
    (
        "V0083",
        "port 0 as the destination of `tcp connect` or `udp send`",
    ),
    ("V0084", "an address pattern without `:PORTS`"),
    ("V0086", "an unknown verb after `tcp`, `udp` or `dns`"),
    (
        "V0087",
        "a `dns resolve` pattern that is not a name (an address, or a port)",
    ),
    (
        "V0090",
        "a URL rule's methods are invalid (not HTTP tokens, an empty item, nothing before the scheme)",
    ),
    (
        "V0091",
        "a URL rule without `SCHEME://`, or with a scheme other than `http`, `https` or `*`",
    ),
    (
        "V0092",
        "a URL rule's host is not an address, a name, `*.suffix` or `*` (a CIDR block, a name that reads as an address)",
    ),
    (
        "V0093",
        "a URL rule's port or port range is invalid (not a number, over 65535, port 0, inverted)",
    ),
    (
        "V0094",
        "a URL rule's path is invalid (a character to percent-encode, a bad escape, `**` inside a segment, `..` above `/`)",
    ),
    (
        "V0095",
        "a URL rule with a query or fragment, which is never matched",
    ),
    (
        "V0096",
        "warning: a URL rule's method is probably not meant (a standard method not in upper case, `*`)",
    ),
    (
        "V0097",
        "warning: `http deny` rules without any `http allow` rule (every request is denied)",
    ),
];

/// The meaning of `code`.
pub fn explain(code: &str) -> Option<&'static str> {
    CODES.iter().find(|(c, _)| *c == code).map(|(_, m)| *m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::path::Path;

    fn sources(dir: &Path, out: &mut String) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("codes.rs") {
                out.push_str(&std::fs::read_to_string(&path).unwrap());
            }
        }
    }

    fn codes_in(text: &str) -> BTreeSet<String> {
        let bytes = text.as_bytes();
        (0..bytes.len().saturating_sub(6))
            .filter(|&i| {
                bytes[i] == b'"'
                    && bytes[i + 1] == b'V'
                    && bytes[i + 2..i + 6].iter().all(u8::is_ascii_digit)
                    && bytes.get(i + 6) == Some(&b'"')
            })
            .map(|i| text[i + 1..i + 6].to_owned())
            .collect()
    }

    /// Every code the sources give is listed, and every listed code is given somewhere.
    #[test]
    fn every_code_is_listed_and_used() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut text = String::new();
        for dir in ["compiler/src", "grammar/src", "lsp/src"] {
            sources(&root.join(dir), &mut text);
        }
        let used = codes_in(&text);
        let listed: BTreeSet<String> = CODES.iter().map(|(c, _)| c.to_string()).collect();
        assert_eq!(used, listed);
        let mut sorted: Vec<&str> = CODES.iter().map(|(c, _)| *c).collect();
        sorted.sort();
        assert_eq!(sorted, CODES.iter().map(|(c, _)| *c).collect::<Vec<_>>());
    }

    /// README's diagnostics table names every code.
    #[test]
    fn readme_lists_every_code() {
        let readme =
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"))
                .unwrap();
        for (code, _) in CODES {
            let short = &code[..];
            let mentioned = readme.contains(short)
                || CODES_IN_RANGES.iter().any(|(from, to)| {
                    *from <= *code && *code <= *to && readme.contains(&format!("{from}–{to}"))
                });
            assert!(mentioned, "README does not mention {code}");
        }
    }

    /// Ranges README writes as `V0001–V0006`.
    const CODES_IN_RANGES: &[(&str, &str)] = &[("V0001", "V0006")];
}
