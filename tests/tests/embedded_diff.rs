//! The embedded tree against wasmtime's own file system: one guest (`fsops`, scenario
//! `readonly`) runs a long generated sequence of `wasi:filesystem` calls — opens with every flag
//! combination, reads at offsets, stats, listings, links, `..`, every mutation — once on a tree
//! embedded with `mount`, once on the same host tree preopened read-only by wasmtime with no
//! adapter at all. The outputs must match line by line, error codes included, except for the
//! differences in [`KNOWN_DIFFERENCES`], each with its reason.

use std::path::Path;

use virtc_run::Status;
use virtc_tests::*;

/// The tree both runs see, built on the host under `dir/tree`.
fn build_tree(dir: &Path) {
    let tree = dir.join("tree");
    let big: Vec<u8> = (0..70_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let files: &[(&str, &[u8])] = &[
        ("file.txt", b"hello world\n"),
        ("big.bin", &big),
        ("empty", b""),
        ("a/x.txt", b"x"),
        ("a/b/deep.txt", b"deep"),
        ("name with spaces.txt", b"spaces"),
        ("ünïcödé.txt", b"unicode"),
    ];
    for (name, contents) in files {
        let path = tree.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
    }
    std::fs::create_dir_all(tree.join("a/empty-dir")).unwrap();
    for (target, link) in [
        ("file.txt", "link-file"),
        ("a", "link-dir"),
        ("../file.txt", "a/link-up"),
        ("missing", "dangling"),
        ("loop", "loop"),
    ] {
        std::os::unix::fs::symlink(target, tree.join(link)).unwrap();
    }
}

/// Where the embedded tree may answer differently from wasmtime's read-only preopen, each with
/// its reason: `(operation, wasmtime's answer starts with, the embedded tree's starts with,
/// why)`.
const KNOWN_DIFFERENCES: &[(&str, &str, &str, &str)] = &[
    (
        "read",
        "ok 65536 bytes",
        "ok ",
        "a `read` of more than 64 KiB: wasmtime returns at most 64 KiB, the embedded tree up to \
         1 MiB (both are short reads WASI allows)",
    ),
    (
        "stream",
        "error closed",
        "ok 0",
        "`blocking-read` of 0 bytes: wasmtime reads 0 bytes from the file and takes that for the \
         end, closing the stream; the embedded stream answers 0 bytes and stays open",
    ),
];

/// Calls per run.
const COUNT: usize = 4000;

fn env(seed: u64) -> Vec<(String, String)> {
    vec![
        ("SCENARIO".into(), "readonly".into()),
        ("SEED".into(), seed.to_string()),
        ("COUNT".into(), COUNT.to_string()),
    ]
}

fn reference(tree: &Path, seed: u64) -> String {
    let env = env(seed);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let out = run_plain(
        &guest("fsops"),
        &env,
        &[PlainPreopen {
            host: tree,
            guest: "/work",
            readonly: true,
        }],
    );
    assert_eq!(out.status, Status::Exited(0), "{}", text(&out.stderr));
    text(&out.stdout)
}

/// The answer of a line: what follows its last `: `, without a `(dropped N)` note.
fn answer(line: &str) -> &str {
    let answer = line.rsplit(": ").next().unwrap_or(line);
    answer.split(" (dropped").next().unwrap_or(answer)
}

/// The operation of a line `N op@slot …`.
fn operation(line: &str) -> &str {
    let word = line.split(' ').nth(1).unwrap_or("");
    word.split(['@', ':']).next().unwrap_or(word)
}

/// Compares the outputs line by line; the number of listed differences met.
fn compare(reference: &str, embedded: &str) -> usize {
    let (r, e): (Vec<&str>, Vec<&str>) = (reference.lines().collect(), embedded.lines().collect());
    assert_eq!(
        r.len(),
        e.len(),
        "the runs printed different numbers of lines"
    );
    let mut known = 0;
    for (a, b) in r.iter().zip(&e) {
        if a == b {
            continue;
        }
        let op = operation(a);
        let (a_answer, b_answer) = (answer(a), answer(b));
        assert!(
            KNOWN_DIFFERENCES
                .iter()
                .any(|(w, x, y, _)| *w == op && a_answer.starts_with(x) && b_answer.starts_with(y)),
            "`{op}` differs:\n  wasmtime: {a}\n  embedded: {b}"
        );
        known += 1;
    }
    known
}

/// The policy text running `fsops`'s generated sequence with `seed` on `files`.
fn policy_text(files: &str, seed: u64) -> String {
    let mut text = format!("stdout allow; allow clocks; allow random; allow exit;\n{files}\n");
    for (k, v) in env(seed) {
        text.push_str(&format!("env {k} = \"{v}\";\n"));
    }
    text
}

/// Runs the sequence for `seed` on wasmtime's preopen and under `files` (a policy's statements
/// giving `/work`, `TREE` standing for the tree's host path), and compares.
fn differential(files: &str, seed: u64) -> (String, usize) {
    let probe = Policy::new("");
    let tree = probe.dir.path().join("tree");
    let policy = Policy::new(&policy_text(
        &files.replace("TREE", &tree.display().to_string()),
        seed,
    ));
    build_tree(probe.dir.path());
    build_tree(policy.dir.path());
    let reference = reference(&tree, seed);
    let compiled = policy.compile_ok(&guest("fsops"));
    let out = run(&compiled, &[], &[], "");
    assert_eq!(out.status, Status::Exited(0), "{}", text(&out.stderr));
    let virtc = text(&out.stdout);
    if let Ok(dir) = std::env::var("VIRTC_DIFF_DUMP") {
        // For finding the first difference by hand: both outputs, whole.
        std::fs::write(format!("{dir}/wasmtime-{seed}.txt"), &reference).unwrap();
        std::fs::write(format!("{dir}/virtc-{seed}.txt"), &virtc).unwrap();
    }
    assert_eq!(reference.lines().count(), COUNT, "{reference}");
    let known = compare(&reference, &virtc);
    // Nothing of the host's file system where the tree is embedded.
    if !files.contains("TREE") {
        let imports = imports(compiled.composed.as_ref().unwrap());
        assert!(!has_import(&imports, "wasi:filesystem"), "{imports:?}");
    }
    (reference, known)
}

#[test]
fn the_embedded_tree_answers_as_wasmtime_read_only_preopen_does() {
    let mut known = 0;
    for seed in 1..=6u64 {
        let (reference, differences) = differential("mount \"/work\" from \"./tree\";", seed);
        known += differences;
        // The sequence reaches every kind of call, and succeeds often enough to mean something.
        for op in [
            "open",
            "read",
            "stat-at",
            "stat",
            "list",
            "readlink",
            "mkdir",
            "rmdir",
            "unlink",
            "rename",
            "link",
            "symlink",
            "set-times",
            "write",
            "set-size",
            "sync",
            "type",
            "same",
            "stream",
        ] {
            assert!(
                reference.lines().any(|l| operation(l) == op),
                "no `{op}` in the sequence"
            );
        }
        let oks = reference.lines().filter(|l| l.contains(": ok")).count();
        assert!(oks > 400, "only {oks} calls succeeded");
    }
    // The listed differences are rare: a handful in 24,000 calls.
    assert!(known < 60, "{known} known differences");
}

/// A host directory preopened read-only through the adapter (`preopen … readonly`, which the
/// adapter enforces itself, whatever the host grants) answers as wasmtime's own read-only
/// preopen, with no difference at all.
#[test]
fn a_read_only_host_preopen_answers_as_wasmtime_does() {
    for seed in [7u64, 8] {
        let (_, known) = differential("preopen \"/work\" from host \"TREE\" readonly;", seed);
        assert_eq!(known, 0);
    }
}
