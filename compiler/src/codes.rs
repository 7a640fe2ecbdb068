//! Every diagnostic code virtc gives, with one line saying what it means: the reference for
//! users (README's table is checked against it) and a guard that no code means two things.
//! Each code also has a long explanation (`codes/VNNNN.md`, shown by `virtc explain CODE`).

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
    ("V0031", "an unknown mode after `clocks` or `random`"),
    (
        "V0032",
        "`clocks fixed` with something that is not an RFC 3339 instant",
    ),
    (
        "V0033",
        "`clocks resolution` with something that is not a duration",
    ),
    (
        "V0034",
        "`random seed` with something that is not an unsigned 64-bit number",
    ),
    (
        "V0035",
        "a `limit` without a size, or with something that is not a size",
    ),
    (
        "V0036",
        "an unknown or misplaced option after a `mount` or `tmpfs`",
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
    (
        "V0063",
        "a `tmpfs` at a path something else uses, or with something inside it",
    ),
    (
        "V0064",
        "a build-time host path (`mount`, `file … from`, `use`) outside the project, not allowed with `--allow-path`",
    ),
    (
        "V0065",
        "an `--allow-path` directory that cannot be resolved",
    ),
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
    (
        "V0098",
        "`virtc inspect`: the component carries no virtc adapter",
    ),
    (
        "V0099",
        "`virtc inspect`: the adapter's policy data is damaged",
    ),
];

/// The meaning of `code`.
pub fn explain(code: &str) -> Option<&'static str> {
    CODES.iter().find(|(c, _)| *c == code).map(|(_, m)| *m)
}

/// `(code, explanation)` from `codes/CODE.md`.
macro_rules! explanations {
    ($($code:literal),* $(,)?) => {
        &[$(($code, include_str!(concat!("codes/", $code, ".md")))),*]
    };
}

/// The long explanation of every code, in code order, as markdown: what the code means, why
/// virtc reports it, a policy that gets it and the fixed policy (`virtc explain CODE`).
///
/// Policies are fenced: `virt wrong` gets the code (`virt wrong expect=VNNNN` gets another code
/// instead, where this one cannot be shown), `virt fixed` does not; `profile` after either checks
/// the text as a standard profile. A block whose first line is `// NAME.virt` is another file
/// of the example before it (the policy is `policy.virt`). A test checks every example. Other
/// blocks (`console`) are shown, not checked: they show what no policy alone can.
pub const EXPLANATIONS: &[(&str, &str)] = explanations![
    "V0001", "V0002", "V0003", "V0004", "V0005", "V0006", "V0010", "V0011", "V0012", "V0013",
    "V0014", "V0015", "V0016", "V0020", "V0021", "V0022", "V0023", "V0024", "V0025", "V0026",
    "V0027", "V0028", "V0029", "V0030", "V0031", "V0032", "V0033", "V0034", "V0035", "V0036",
    "V0040", "V0041", "V0042", "V0043", "V0050", "V0051", "V0052", "V0053", "V0054", "V0055",
    "V0056", "V0057", "V0058", "V0059", "V0060", "V0061", "V0062", "V0063", "V0064", "V0065",
    "V0070", "V0071", "V0072", "V0073", "V0074", "V0075", "V0076", "V0077", "V0078", "V0079",
    "V0080", "V0081", "V0082", "V0083", "V0084", "V0086", "V0087", "V0090", "V0091", "V0092",
    "V0093", "V0094", "V0095", "V0096", "V0097", "V0098", "V0099",
];

/// The long explanation of `code` (as listed: `V0020`), markdown.
pub fn long_explanation(code: &str) -> Option<&'static str> {
    EXPLANATIONS
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, text)| *text)
}

/// The listed code a user means by `input`: `V0020`, `v0020`, `0020` and `20` all mean
/// `V0020`. `None` when `input` names no listed code.
pub fn lookup(input: &str) -> Option<&'static str> {
    let input = input.trim();
    let digits = input.strip_prefix(['V', 'v']).unwrap_or(input);
    if digits.is_empty() || digits.len() > 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let code = format!("V{digits:0>4}");
    CODES.iter().map(|(c, _)| *c).find(|c| *c == code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Diagnostic;
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

    /// Every listed code has a long explanation and no other code has one.
    #[test]
    fn every_code_is_explained() {
        let listed: Vec<&str> = CODES.iter().map(|(c, _)| *c).collect();
        let explained: Vec<&str> = EXPLANATIONS.iter().map(|(c, _)| *c).collect();
        assert_eq!(explained, listed);
        for (code, text) in EXPLANATIONS {
            assert!(
                text.trim().len() > 200,
                "{code}: the explanation is too short"
            );
            assert_eq!(long_explanation(code), Some(*text));
        }
    }

    #[test]
    fn codes_are_looked_up_as_users_write_them() {
        for input in ["V0020", "v0020", "0020", "20", " V20 "] {
            assert_eq!(lookup(input), Some("V0020"), "{input}");
        }
        assert_eq!(lookup("1"), Some("V0001"));
        for input in [
            "", "V", "V0999", "V00020", "E0020", "V-20", "twenty", "V 20",
        ] {
            assert_eq!(lookup(input), None, "{input}");
        }
    }

    /// What an example needs besides its policy files: files on disk next to them, and the
    /// imports of a component to check the policy against (none: no component).
    struct Situation {
        /// `(path, contents)`: a trailing `/` makes a directory, `-> target` a symbolic link,
        /// `<socket>` a Unix socket.
        files: &'static [(&'static str, &'static str)],
        /// WASI imports of the registry, `package/interface`.
        imports: &'static [&'static str],
        /// Imports outside the registry, as the component names them.
        others: &'static [&'static str],
    }

    const NOTHING: Situation = Situation {
        files: &[],
        imports: &[],
        others: &[],
    };

    /// The situation each explanation describes in words.
    fn situation(code: &str) -> Situation {
        let files = |files| Situation { files, ..NOTHING };
        let imports = |imports| Situation { imports, ..NOTHING };
        let others = |others| Situation { others, ..NOTHING };
        match code {
            "V0014" => files(&[("common.virt", "allow random;\n")]),
            "V0040" => imports(&["random/random"]),
            "V0041" => imports(&["http/types", "http/incoming-handler"]),
            "V0042" => others(&["wasi:keyvalue/store@0.2.0-draft"]),
            "V0043" => others(&["example:pong/pingpong"]),
            "V0050" => files(&[("public/index.html", "<h1>hello</h1>")]),
            "V0051" => files(&[("app.toml", "port = 8080\n")]),
            "V0052" | "V0053" => files(&[("site/index.html", "<h1>hello</h1>")]),
            "V0054" => files(&[
                ("site/index.html", "<h1>hello</h1>"),
                ("site/secrets", "-> ../../etc/passwd"),
            ]),
            "V0064" => files(&[("public/index.html", "<h1>hello</h1>"), ("site", "-> /etc")]),
            "V0059" => files(&[
                ("site/index.html", "<h1>hello</h1>"),
                ("site/app.sock", "<socket>"),
            ]),
            "V0060" => files(&[
                ("app-v2.conf", "port = 8080\n"),
                ("current.conf", "-> app-v2.conf"),
            ]),
            "V0062" => files(&[("hosts", "127.0.0.1 localhost\n")]),
            _ => NOTHING,
        }
    }

    /// Codes no policy alone shows: their explanations show a command line instead. V0058
    /// needs over 4 GiB of files; V0065 and V0070–V0079 are about the command line's files, a virtc bug,
    /// a particular component's bytes or running it in wasmtime (V0041, the exception, needs
    /// only the component's imports: it is checked).
    const NOT_SHOWN_BY_A_POLICY: &[&str] = &[
        "V0058", "V0065", "V0070", "V0071", "V0072", "V0073", "V0074", "V0075", "V0076", "V0077",
        "V0078", "V0079", "V0098", "V0099",
    ];

    /// One example of an explanation: its policy files, `policy.virt` first.
    struct Example {
        fixed: bool,
        /// The code a wrong example gets, when not the one explained.
        expect: Option<String>,
        profile: bool,
        files: Vec<(String, String)>,
    }

    /// The checked examples of an explanation, from its fenced `virt` blocks.
    fn examples(code: &str, text: &str) -> Vec<Example> {
        let mut out: Vec<Example> = Vec::new();
        let mut lines = text.lines();
        while let Some(line) = lines.next() {
            let Some(info) = line.strip_prefix("```") else {
                continue;
            };
            let body: Vec<&str> = lines.by_ref().take_while(|l| *l != "```").collect();
            let mut words = info.split_whitespace();
            if words.next() != Some("virt") {
                continue;
            }
            let fixed = match words.next() {
                Some("wrong") => false,
                Some("fixed") => true,
                other => panic!("{code}: a `virt` block is `wrong` or `fixed`, not {other:?}"),
            };
            let (mut expect, mut profile) = (None, false);
            for word in words {
                match word.strip_prefix("expect=") {
                    Some(other) => expect = Some(other.to_owned()),
                    None if word == "profile" => profile = true,
                    None => panic!("{code}: unknown word `{word}` after ```virt"),
                }
            }
            let name = body
                .first()
                .and_then(|l| l.strip_prefix("// "))
                .filter(|n| n.ends_with(".virt") && !n.contains(' '))
                .unwrap_or("policy.virt");
            let file = (name.to_owned(), body.join("\n") + "\n");
            if name == "policy.virt" {
                out.push(Example {
                    fixed,
                    expect,
                    profile,
                    files: vec![file],
                });
            } else {
                let example = out.last_mut().filter(|e| e.fixed == fixed);
                let example =
                    example.unwrap_or_else(|| panic!("{code}: `{name}` before its policy"));
                example.files.push(file);
            }
        }
        out
    }

    /// Every diagnostic `virtc check` gives for `example` in `situation`, as `check --component`
    /// would with a component of those imports.
    fn diagnostics(code: &str, example: &Example, situation: &Situation) -> Vec<Diagnostic> {
        use crate::db::{Database, Origin, SourceFile};
        use crate::driver::{self, Failure};
        let db = Database::default();
        if example.profile {
            let text = example.files[0].1.clone();
            let root = SourceFile::new(&db, "std/example.virt".into(), text, Origin::Stdlib);
            return crate::analyse::diagnostics(&db, root);
        }
        let dir = tempfile::tempdir().unwrap();
        for (name, contents) in situation
            .files
            .iter()
            .copied()
            .chain(example.files.iter().map(|(n, t)| (n.as_str(), t.as_str())))
        {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            if let Some(target) = contents.strip_prefix("-> ") {
                std::os::unix::fs::symlink(target, &path).unwrap();
            } else if contents == "<socket>" {
                // Bound and dropped: the socket file stays.
                std::os::unix::net::UnixListener::bind(&path).unwrap();
            } else if name.ends_with('/') {
                std::fs::create_dir_all(&path).unwrap();
            } else {
                std::fs::write(&path, contents).unwrap();
            }
        }
        let root = driver::load_policy(&db, &dir.path().join("policy.virt"))
            .ok()
            .unwrap();
        let mut out = match driver::check(&db, root, None) {
            Ok(checked) => checked.diagnostics,
            Err(Failure::Policy(d)) => d,
            Err(Failure::Input(e)) => panic!("{code}: {e}"),
        };
        if !situation.imports.is_empty() || !situation.others.is_empty() {
            let target = crate::plan::Target {
                imports: situation
                    .imports
                    .iter()
                    .map(|i| {
                        let (package, name) = i.split_once('/').unwrap();
                        (package.to_owned(), name.to_owned())
                    })
                    .collect(),
                others: situation.others.iter().map(|o| o.to_string()).collect(),
                exports: Default::default(),
                versions: crate::versions::Versions::uniform(semver::Version::new(0, 2, 6)),
                standalone: false,
                calls: None,
            };
            let checked = crate::analyse::policy::check_policy(&db, root);
            out.extend(crate::analyse::component::component_diagnostics(
                &db, root, checked, &target, "app.wasm",
            ));
        }
        out
    }

    /// The examples tell the truth: each wrong policy gets its code and nothing else, each
    /// fixed policy gets nothing at all. Every code has both, but those no policy can show.
    #[test]
    fn the_examples_get_what_they_say() {
        let mut failures = Vec::new();
        for (code, text) in EXPLANATIONS {
            let examples = examples(code, text);
            let shown = !NOT_SHOWN_BY_A_POLICY.contains(code);
            let wrong = examples.iter().filter(|e| !e.fixed).count();
            let fixed = examples.len() - wrong;
            if shown != (wrong > 0 && fixed > 0) || (!shown && !examples.is_empty()) {
                failures.push(format!(
                    "{code}: {wrong} wrong and {fixed} fixed examples (shown by a policy: {shown})"
                ));
            }
            let situation = situation(code);
            for example in &examples {
                let got: Vec<&str> = diagnostics(code, example, &situation)
                    .iter()
                    .map(|d| d.code)
                    .collect();
                let expected: &str = example.expect.as_deref().unwrap_or(code);
                let ok = if example.fixed {
                    got.is_empty()
                } else {
                    !got.is_empty() && got.iter().all(|c| *c == expected)
                };
                if !ok {
                    let kind = if example.fixed { "fixed" } else { "wrong" };
                    failures.push(format!(
                        "{code}: the {kind} example gets {got:?}:\n{}",
                        example.files[0].1
                    ));
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}
