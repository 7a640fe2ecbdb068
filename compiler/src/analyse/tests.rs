//! Snapshot tests of every diagnostic the checker gives: each snapshot shows the source files
//! and the messages rendered as the terminal shows them.

use std::path::Path;

use crate::analyse::{component::component_diagnostics, diagnostics, policy::check_policy};
use crate::db::{Database, SourceFile};
use crate::plan::Target;
use crate::versions::Versions;

/// Loads `files` (the first is the root) and renders every diagnostic of the root's policy.
pub(super) fn check(files: &[(&str, &str)]) -> String {
    let mut db = Database::default();
    let mut root = None;
    for (name, text) in files {
        let file = db.set_file(&Path::new("/virt").join(name), text.to_string());
        root.get_or_insert(file);
    }
    render(&db, root.unwrap(), files, None)
}

fn render(
    db: &Database,
    root: SourceFile,
    files: &[(&str, &str)],
    extra: Option<Vec<crate::diagnostic::Diagnostic>>,
) -> String {
    let mut out = String::new();
    for (name, text) in files {
        out.push_str(&format!("--- /virt/{name}\n{text}\n"));
    }
    out.push_str("--- diagnostics\n");
    let mut all = diagnostics(db, root);
    all.extend(extra.unwrap_or_default());
    for d in all {
        out.push_str(&d.render(db, false));
    }
    out
}

#[test]
fn syntax_errors_are_all_reported() {
    insta::assert_snapshot!(check(&[(
        "policy.virt",
        "alow random;\nenv A = \"x\"\ndeny clocks;\nenv B = \"bad \\q escape\";\nstdout allow\n"
    )]));
}

#[test]
fn unterminated_string() {
    insta::assert_snapshot!(check(&[(
        "policy.virt",
        "env A = \"open;\nallow random;\n"
    )]));
}

#[test]
fn unknown_subsystem_with_suggestion() {
    insta::assert_snapshot!(check(&[("policy.virt", "allow randon;\ndeny network;\n")]));
}

#[test]
fn unknown_stream_mode() {
    insta::assert_snapshot!(check(&[("policy.virt", "stdout ignor;\n")]));
}

#[test]
fn conflicting_statements() {
    insta::assert_snapshot!(check(&[(
        "policy.virt",
        "allow random;\nstdout allow;\ndeny random;\n"
    )]));
}

#[test]
fn variable_set_twice() {
    insta::assert_snapshot!(check(&[(
        "policy.virt",
        "env PONG = \"a\";\nenv PONG = \"b\";\nconfig \"k\" = \"1\";\nconfig \"k\" = \"2\";\n"
    )]));
}

#[test]
fn duplicate_statement() {
    insta::assert_snapshot!(check(&[("policy.virt", "allow clocks;\nallow clocks;\n")]));
}

#[test]
fn invalid_names() {
    insta::assert_snapshot!(check(&[(
        "policy.virt",
        "env \"A=B\" = \"x\";\nenv \"\" = \"y\";\nconfig \"\" = \"z\";\n"
    )]));
}

#[test]
fn bad_glob() {
    insta::assert_snapshot!(check(&[(
        "policy.virt",
        "env allow \"HOME\", \"LANG_[\";\nconfig deny \"a{b\";\n"
    )]));
}

/// Found by fuzzing (`policy_text`): a kilobyte of `{a,b}` groups stood for billions of
/// patterns, and expanding them exhausted memory. A pattern may stand for 256 at most.
#[test]
fn globs_standing_for_too_many_patterns() {
    insta::assert_snapshot!(check(&[(
        "policy.virt",
        "env allow \"{A,B,C,D}{A,B,C,D}{A,B,C,D}{A,B,C,D}\";\nconfig deny \"{a,b,c,d}{a,b,c,d}{a,b,c,d}{a,b,c,d}{a,b}\";\nallow import \"x:y/{a,b,c,d,e,f,g,h}{a,b,c,d,e,f,g,h}{a,b,c,d,e,f,g,h}{a,b,c,d,e,f,g,h}{a,b,c,d,e,f,g,h}{a,b,c,d,e,f,g,h}{a,b,c,d,e,f,g,h}{a,b,c,d,e,f,g,h}{a,b,c,d,e,f,g,h}{a,b,c,d,e,f,g,h}{a,b,c,d,e,f,g,h}{a,b,c,d,e,f,g,h}{a,b,c,d,e,f,g,h}{a,b,c,d,e,f,g,h}{a,b,c,d,e,f,g,h}{a,b,c,d,e,f,g,h}{a,b,c,d,e,f,g,h}{a,b,c,d,e,f,g,h}{a,b,c,d,e,f,g,h}{a,b,c,d,e,f,g,h}{a,b,c,d,e,f,g,h}{a,b,c,d,e,f,g,h}\";\n"
    )]));
}

#[test]
fn use_of_missing_file_and_profile() {
    insta::assert_snapshot!(check(&[(
        "policy.virt",
        "use \"./missing.virt\";\nuse std::sandbx;\nuse other::thing;\n"
    )]));
}

#[test]
fn use_cycle() {
    insta::assert_snapshot!(check(&[
        ("a.virt", "use \"./b.virt\";\nallow random;\n"),
        ("b.virt", "use \"./a.virt\";\n"),
    ]));
}

#[test]
fn override_of_a_used_file_is_noted() {
    insta::assert_snapshot!(check(&[
        (
            "policy.virt",
            "use \"./base.virt\";\nallow random;\nstdout allow;\n"
        ),
        ("base.virt", "deny random;\nstdout ignore;\n"),
    ]));
}

#[test]
fn override_of_a_profile_is_noted() {
    insta::assert_snapshot!(check(&[(
        "policy.virt",
        "use std::sandbox;\nallow clocks;\n"
    )]));
}

#[test]
fn allow_env_with_virtual_variables() {
    insta::assert_snapshot!(check(&[("policy.virt", "allow env;\nenv A = \"b\";\n")]));
}

#[test]
fn guest_paths_and_unsupported_statements() {
    insta::assert_snapshot!(check(&[(
        "policy.virt",
        "mount \"data\" from \"./dir\";\nmount \"/\" from \"./dir\";\nfile \"/etc/motd\" = \"hi\";\npreopen \"/tmp\" from host \"/tmp\";\n"
    )]));
}

#[test]
fn errors_in_a_used_file_are_reported_with_the_root() {
    insta::assert_snapshot!(check(&[
        ("policy.virt", "use \"./base.virt\";\nallow random;\n"),
        ("base.virt", "allow clock;\n"),
    ]));
}

#[test]
fn a_good_policy_has_only_notes() {
    insta::assert_snapshot!(check(&[(
        "policy.virt",
        "// pong\nuse std::cli;\ndeny clocks;\nenv PONG = \"demo\";\nenv allow \"LANG_{A,B}\";\nstdout ignore;\n"
    )]));
}

#[test]
fn traps_warned_for_a_component() {
    let mut db = Database::default();
    let text = "deny random;\nstdout allow;\n";
    let root = db.set_file(Path::new("/virt/policy.virt"), text.into());
    let checked = check_policy(&db, root);
    let target = importing(&[
        ("random", "insecure-seed"),
        ("clocks", "wall-clock"),
        ("cli", "exit"),
        ("cli", "stdout"),
        ("sockets", "tcp"),
    ]);
    let extra = component_diagnostics(&db, root, checked, &target, "guest.wasm");
    insta::assert_snapshot!(render(&db, root, &[("policy.virt", text)], Some(extra)));
}

/// A WASI 0.2.6 component importing these `wasi:PACKAGE/INTERFACE`s.
pub(super) fn importing(interfaces: &[(&str, &str)]) -> Target {
    Target {
        imports: interfaces
            .iter()
            .map(|(p, i)| (p.to_string(), i.to_string()))
            .collect(),
        others: Vec::new(),
        exports: Default::default(),
        versions: Versions::uniform(semver::Version::new(0, 2, 6)),
        standalone: false,
        calls: None,
    }
}

#[test]
fn policy_lowering() {
    let mut db = Database::default();
    let root = db.set_file(
        Path::new("/virt/policy.virt"),
        concat!(
            "use std::cli;\ndeny clocks;\nenv PONG = \"demo\";\nenv deny \"SECRET_*\";\nstdout ignore;\nargs \"a\";\n",
            "http allow \"GET,HEAD https://API.example.com./v1/**\", \"http://127.0.0.1:8000-8999/health\";\n",
            "http deny \"https://api.example.com/v1/%61dmin/**\";\n",
            "config \"log-level\" = \"debug\";\nconfig \"Port\" = \"8080\";\nconfig allow \"APP_*\";\nconfig deny \"APP_SECRET\";\n",
        )
        .into(),
    );
    insta::assert_debug_snapshot!(check_policy(&db, root).ir);
}

#[test]
fn editing_one_file_does_not_recheck_another() {
    use salsa::Setter;
    let mut db = Database::default();
    let base = db.set_file(Path::new("/virt/base.virt"), "allow random;\n".into());
    let root = db.set_file(
        Path::new("/virt/policy.virt"),
        "use \"./base.virt\";\nstdout allow;\n".into(),
    );
    let first = super::settings::file_settings(&db, base).clone();
    let _ = diagnostics(&db, root);
    root.set_text(&mut db)
        .to("use \"./base.virt\";\nstdout ignore;\n".into());
    // The base file's settings are reused, not recomputed: same value, and the query for the
    // edited root changes.
    let again = super::settings::file_settings(&db, base).clone();
    assert_eq!(first, again);
    let ir = &check_policy(&db, root).ir;
    assert_eq!(ir.runtime.stdio.stdout, virtc_policy::StreamMode::Ignore);
}

#[test]
fn lexer_errors() {
    insta::assert_snapshot!(check(&[(
        "policy.virt",
        "allow random; $$ stdout allow;\n# not a comment\nallow clocks;\n/* never closed\nallow exit;\n"
    )]));
}

/// Writes `files` into a temporary directory (a trailing `/` makes a directory, `-> target` a
/// link), checks `policy.virt` there with the embedding step, and renders the diagnostics with
/// the directory replaced by `<dir>`.
fn check_on_disk(files: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    for (name, contents) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        if let Some(target) = contents.strip_prefix("-> ") {
            std::os::unix::fs::symlink(target, &path).unwrap();
        } else if name.ends_with('/') {
            std::fs::create_dir_all(&path).unwrap();
        } else {
            std::fs::write(&path, contents).unwrap();
        }
    }
    let db = Database::default();
    let root = crate::driver::load_policy(&db, &dir.path().join("policy.virt"))
        .ok()
        .unwrap();
    let diagnostics = match crate::driver::check(&db, root, None) {
        Ok(checked) => checked.diagnostics,
        Err(crate::driver::Failure::Policy(d)) => d,
        Err(crate::driver::Failure::Input(m)) => panic!("{m}"),
    };
    let mut out = String::new();
    for (name, contents) in files {
        out.push_str(&format!("--- {name}\n{contents}\n"));
    }
    out.push_str("--- diagnostics\n");
    for d in diagnostics {
        out.push_str(&d.render(&db, false));
    }
    let dir_text = dir.path().display().to_string();
    out.replace(&dir_text, "<dir>")
}

#[test]
fn embedding_problems_name_the_host_path() {
    insta::assert_snapshot!(check_on_disk(&[
        (
            "policy.virt",
            "mount \"/\" from \"./missing\";\nmount \"/a\" from \"./file.txt\";\nfile \"/x\" from \"./nope.txt\";\n"
        ),
        ("file.txt", "not a directory"),
    ]));
}

#[test]
fn different_contents_at_one_guest_path() {
    insta::assert_snapshot!(check_on_disk(&[
        (
            "policy.virt",
            "mount \"/\" from \"./one\";\nmount \"/\" from \"./two\";\nfile \"/same.txt\" = \"same\";\n"
        ),
        ("one/x.txt", "1"),
        ("one/same.txt", "same"),
        ("two/x.txt", "2"),
    ]));
}

#[test]
fn globs_matching_nothing_and_links_leaving_the_mount() {
    insta::assert_snapshot!(check_on_disk(&[
        (
            "policy.virt",
            "mount \"/\" from \"./tree\" { exclude \"*.bak\"; }\nmount \"/docs\" from \"./tree\" { include \"*.md\"; }\n"
        ),
        ("tree/a.txt", "a"),
        ("tree/escape", "-> ../../etc/passwd"),
        ("tree/inside", "-> a.txt"),
    ]));
}

/// What an edited database says (remembered chunks, moved spans) is what a fresh database
/// says of the same text, after every one of many random edits: the diagnostics as rendered,
/// and the settings with their spans.
#[test]
fn remembered_chunks_give_what_a_fresh_analysis_gives() {
    let start = "use std::cli;\n// a comment; with { braces }\nallow random;\nenv A = \"x\";\nenv A = \"y\";\n\
        env allow \"H_*\", \"[bad\";\nmount \"/data\" from \"./d\" {\n    include \"**/*.txt\";\n    exclude \"/tmp\";\n}\n\
        file \"/etc/motd\" = \"hi\";\nfile \"/\" = \"x\";\npreopen \"/w\" from host \"/tmp\" readonly;\n\
        stdout ignor;\nallow randon;\nconfig \"k\" = \"v\";\nargs \"a\", \"b\";\nallow random;\n";
    let pieces = [
        ";",
        "\n",
        "\"",
        "{",
        "}",
        "allow ",
        "env X = \"1\";",
        "/*",
        "*/",
        "// ",
        "deny clocks;",
        "mount \"/m\" from \"./m\" { include \"a\"; }",
        "x",
        "use \"./other.virt\";",
        "http allow \"get https://a.example/\\u{2a}*\", \"ftp://b\";",
        "deny http;",
    ];
    let mut edited = Database::default();
    edited.set_file(Path::new("/virt/other.virt"), "allow exit;\n".into());
    let root = edited.set_file(Path::new("/virt/policy.virt"), start.into());
    let mut text = start.to_string();
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move |below: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % below as u64) as usize
    };
    for round in 0..300 {
        let boundaries: Vec<usize> = (0..=text.len())
            .filter(|&i| text.is_char_boundary(i))
            .collect();
        let at = boundaries[next(boundaries.len())];
        if next(2) == 0 && at < text.len() {
            let end = boundaries
                .iter()
                .copied()
                .find(|&b| b > at + next(12))
                .unwrap_or(text.len());
            text.replace_range(at..end, "");
        } else {
            text.insert_str(at, pieces[next(pieces.len())]);
        }
        edited.set_file(Path::new("/virt/policy.virt"), text.clone());
        let mut fresh = Database::default();
        fresh.set_file(Path::new("/virt/other.virt"), "allow exit;\n".into());
        let fresh_root = fresh.set_file(Path::new("/virt/policy.virt"), text.clone());
        let files = [("policy.virt", text.as_str())];
        assert_eq!(
            render(&edited, root, &files, None),
            render(&fresh, fresh_root, &files, None),
            "round {round}"
        );
        assert_eq!(
            super::settings::file_settings(&edited, root).settings,
            super::settings::file_settings(&fresh, fresh_root).settings,
            "round {round}: {text:?}"
        );
    }
}

#[test]
fn import_patterns_are_checked_where_written() {
    insta::assert_snapshot!(check(&[(
        "policy.virt",
        "allow import \"wasi:keyvalue/*\", \"wasi:keyvalue/store@0.2.0\";\ndeny import \"logging\", \"wasi:cli/*\", \"wasi:http/types\";\nallow import \"example:pong/[\";\n"
    )]));
}

#[test]
fn imports_outside_the_registry_for_a_component() {
    let mut db = Database::default();
    let text =
        "allow import \"wasi:blobstore/*\";\ndeny import \"wasi:logging/*\";\nstdout allow;\n";
    let root = db.set_file(Path::new("/virt/policy.virt"), text.into());
    let checked = check_policy(&db, root);
    let target = Target {
        imports: [("cli".to_string(), "stdout".to_string())]
            .into_iter()
            .collect(),
        others: [
            "wasi:keyvalue/store@0.2.0-draft",
            "wasi:logging/logging@0.1.0-draft",
            "wasi:blobstore/blobstore@0.2.0-draft",
            "example:pong/pingpong",
            "example:pong/scores@1.0.0",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
        exports: Default::default(),
        versions: Versions::uniform(semver::Version::new(0, 2, 6)),
        standalone: false,
        calls: None,
    };
    let extra = component_diagnostics(&db, root, checked, &target, "guest.wasm");
    insta::assert_snapshot!(render(&db, root, &[("policy.virt", text)], Some(extra)));
}

/// The analysis never imports code generation (the language server runs it alone): no module
/// of `analyse` but this test file names `codegen`.
#[test]
fn analysis_does_not_import_codegen() {
    fn walk(dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs")
                && !path.ends_with("tests.rs")
                && std::fs::read_to_string(&path)
                    .unwrap()
                    .contains("codegen::")
            {
                out.push(path.display().to_string());
            }
        }
    }
    let mut offenders = Vec::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src/analyse"),
        &mut offenders,
    );
    assert!(offenders.is_empty(), "{offenders:?}");
}

#[test]
fn host_file_naming_no_file() {
    insta::assert_snapshot!(check(&[(
        "policy.virt",
        "file \"/etc/hosts\" from host \"/\";\n"
    )]));
}

/// Every problem a network pattern can have, labelled inside its string (escapes included),
/// and unknown verbs with a suggestion.
#[test]
fn network_patterns_are_checked_where_written() {
    insta::assert_snapshot!(check(&[(
        "policy.virt",
        concat!(
            "tcp connect \"db.internal:5432\", \"10.1.0.0/16:8000-8999\", \"db..internal:80\";\n",
            "tcp connect \"10.1.0.1/16:80\", \"10.0.0.0/33:80\", \"[fd00::1:80\", \"fd00::1:80\";\n",
            "tcp connect \"host:99999\", \"host:9000-8000\", \"host:http\", \"host:0\", \"host\";\n",
            "tcp connect \"\\u{41}pi.example.com:0\", \"*.:80\", \"a.*.com:80\", \"\\u{2603}.com:1\";\n",
            "udp bind \"0.0.0.0:0\", \"[::]:5353\";\n",
            "udp send \"10.0.0.53:0\";\n",
            "dns resolve \"*.example.com\", \"10.0.0.1\", \"db.internal:53\";\n",
            "tcp conect \"a:1\";\n",
            "udp listen \"0.0.0.0:53\";\n",
            "dns lookup \"a\";\n",
        )
    )]));
}

/// `allow sockets;` or `deny sockets;` with address rules in one file is a conflict; a
/// profile's `deny sockets;` is refined by rules without complaint, and `allow all;` too.
#[test]
fn sockets_with_rules_conflict() {
    insta::assert_snapshot!(check(&[
        (
            "policy.virt",
            "use \"./base.virt\";\nallow sockets;\ntcp connect \"127.0.0.1:80\";\n"
        ),
        ("base.virt", "deny sockets;\n"),
    ]));
    insta::assert_snapshot!(
        "sockets_refined_without_complaint",
        check(&[
            (
                "policy.virt",
                "use \"./base.virt\";\nallow all;\ntcp connect \"127.0.0.1:80\";\n"
            ),
            ("base.virt", "deny sockets;\n"),
        ])
    );
}

/// The network as the adapter gets it: rules (with access `Rules`) whatever a used file or
/// `allow all;` said before them; a later explicit `allow sockets;` replaces a used file's rules.
#[test]
fn network_lowering() {
    let net = |files: &[(&str, &str)]| {
        let mut db = Database::default();
        let mut root = None;
        for (name, text) in files {
            let file = db.set_file(&Path::new("/virt").join(name), text.to_string());
            root.get_or_insert(file);
        }
        check_policy(&db, root.unwrap()).ir.runtime.net.clone()
    };
    use virtc_policy::net::NetAccess;
    assert_eq!(net(&[("p.virt", "")]).access, NetAccess::Deny);
    assert_eq!(net(&[("p.virt", "allow sockets;")]).access, NetAccess::Host);
    assert_eq!(net(&[("p.virt", "allow all;")]).access, NetAccess::Host);
    let rules = net(&[(
        "p.virt",
        "allow all;\ntcp connect \"db.internal:5432\";\ntcp listen \"127.0.0.1:0\";\n\
         udp send \"10.0.0.53:53\";\nudp bind \"0.0.0.0:5353\";\ndns resolve \"*.example.com\";\n",
    )]);
    assert_eq!(rules.access, NetAccess::Rules);
    assert_eq!(
        [
            rules.tcp_connect.len(),
            rules.tcp_listen.len(),
            rules.udp_send.len(),
            rules.udp_bind.len(),
            rules.dns.len()
        ],
        [1, 1, 1, 1, 1]
    );
    let replaced = net(&[
        ("p.virt", "use \"./b.virt\";\nallow sockets;\n"),
        ("b.virt", "tcp connect \"a:1\";\n"),
    ]);
    assert_eq!(replaced.access, NetAccess::Host);
    assert!(replaced.tcp_connect.is_empty());
    let refined = net(&[
        ("p.virt", "use \"./b.virt\";\ntcp connect \"a:1\";\n"),
        ("b.virt", "allow sockets;\n"),
    ]);
    assert_eq!(refined.access, NetAccess::Rules);
}
