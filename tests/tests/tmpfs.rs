//! Writable directories in memory (`tmpfs`, `mount … writable`): the same guest (`fsops`), run
//! on a host directory preopened by wasmtime and on the adapter's in-memory directory, prints the
//! same lines — every result and error code — except the differences listed below; the limit
//! answers `insufficient-space`; the host directory a writable mount embeds is never changed.

use std::path::Path;

use virtc_run::Status;
use virtc_tests::*;

/// Runs `fsops` under `policy` and returns its stdout.
fn fsops(policy: &Policy) -> String {
    let compiled = policy.compile_ok(&guest("fsops"));
    let out = run(&compiled, &[], &[], "");
    assert_eq!(out.status, Status::Exited(0), "{}", text(&out.stderr));
    text(&out.stdout)
}

const COMMON: &str = "stdout allow; allow clocks; allow random; allow exit;";

fn policy(statements: &str, scenario: &str) -> Policy {
    Policy::new(&format!(
        "{COMMON} env SCENARIO = \"{scenario}\";\n{statements}\n"
    ))
}

/// Lines where the in-memory directory is allowed to answer differently from the host, each
/// with the reason (kept short: the README lists them too).
const KNOWN_DIFFERENCES: &[(&str, &str)] = &[];

fn compare(reference: &str, memory: &str) {
    let (r, m): (Vec<&str>, Vec<&str>) = (reference.lines().collect(), memory.lines().collect());
    assert_eq!(
        r.len(),
        m.len(),
        "reference:\n{reference}\nmemory:\n{memory}"
    );
    for (a, b) in r.iter().zip(&m) {
        if a == b {
            continue;
        }
        let what = a.split(':').next().unwrap_or("");
        assert!(
            KNOWN_DIFFERENCES.iter().any(|(w, _)| *w == what),
            "`{what}` differs:\n  host:   {a}\n  memory: {b}\n\nreference:\n{reference}\nmemory:\n{memory}"
        );
    }
}

fn host_reference(seed: &[(&str, &str)]) -> String {
    let host = tempfile::tempdir().unwrap();
    for (name, contents) in seed {
        let path = host.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
    }
    let p = policy(
        &format!("preopen \"/work\" from host \"{}\";", host.path().display()),
        "ops",
    );
    fsops(&p)
}

#[test]
fn a_tmpfs_answers_as_a_host_directory_does() {
    let reference = host_reference(&[]);
    let memory = fsops(&policy("tmpfs \"/work\";", "ops"));
    compare(&reference, &memory);
    // The tmpfs needs nothing of the host's file system.
    let compiled = policy("tmpfs \"/work\";", "ops").compile_ok(&guest("fsops"));
    let imports = imports(compiled.composed.as_ref().unwrap());
    assert!(!has_import(&imports, "wasi:filesystem"), "{imports:?}");
}

#[test]
fn a_writable_mount_answers_as_a_host_directory_does_and_leaves_the_host_alone() {
    let seed = [("keep.txt", "kept"), ("sub/inner.txt", "inner")];
    let reference = host_reference(&seed);
    let mut p = policy("mount \"/work\" from \"./seed\" writable;", "ops");
    for (name, contents) in seed {
        p = p.with_file(&format!("seed/{name}"), contents);
    }
    let memory = fsops(&p);
    compare(&reference, &memory);
    assert!(memory.contains("keep.txt"), "{memory}");
    // The embedded directory on the host is unchanged.
    let seed_dir = p.dir.path().join("seed");
    let mut names: Vec<String> = walk(&seed_dir);
    names.sort();
    assert_eq!(names, ["keep.txt", "sub", "sub/inner.txt"]);
    assert_eq!(
        std::fs::read_to_string(seed_dir.join("keep.txt")).unwrap(),
        "kept"
    );
}

fn walk(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type().unwrap().is_dir() {
            out.extend(
                walk(&entry.path())
                    .into_iter()
                    .map(|n| format!("{name}/{n}")),
            );
        }
        out.push(name);
    }
    out
}

#[test]
fn the_limit_answers_insufficient_space() {
    let out = fsops(&policy("tmpfs \"/work\" limit \"16B\";", "limit"));
    assert_eq!(
        out,
        "create f: ok\n\
         write 10: ok 10\n\
         write 10 more: error insufficient-space\n\
         write 6 more: ok 6\n\
         grow to 100: error insufficient-space\n\
         size: ok (DescriptorType::RegularFile, 16, 1)\n\
         truncate to 0: ok ()\n\
         write 16: ok 16\n\
         create g: ok\n\
         write 1 to g: error insufficient-space\n\
         unlink f: ok ()\n\
         open g: ok\n\
         write 1 to g after unlink: ok 1\n"
    );
}

#[test]
fn a_tmpfs_inside_a_mount_is_listed_as_a_directory() {
    let p = Policy::new(&format!(
        "{COMMON} env SCENARIO = \"ops\"; env ROOT = \"/work/tmp\";\n\
         mount \"/work\" from \"./tree\";\ntmpfs \"/work/tmp\";\n"
    ))
    .with_file("tree/readme.txt", "read me");
    let out = fsops(&p);
    // The script runs in the tmpfs as in any empty directory.
    assert!(out.starts_with("list /: ok []\nmkdir a: ok ()\n"), "{out}");
    // And the mount's root lists it next to its own file.
    let probe = Policy::new(&format!(
        "{COMMON} env SCENARIO = \"ops\";\nmount \"/work\" from \"./tree\";\ntmpfs \"/work/tmp\";\n"
    ))
    .with_file("tree/readme.txt", "read me");
    let listed = fsops(&probe);
    assert!(
        listed.starts_with(
            "list /: ok [\"readme.txt:DescriptorType::RegularFile\", \"tmp:DescriptorType::Directory\"]\n"
        ),
        "{listed}"
    );
}

#[test]
fn overlapping_tmpfs_is_an_error() {
    for text in [
        "tmpfs \"/tmp\"; file \"/tmp/x\" = \"1\";",
        "tmpfs \"/tmp\"; tmpfs \"/tmp/a\";",
        "tmpfs \"/tmp\"; preopen \"/tmp\" from host \"/\";",
        "mount \"/\" from \"./tree\"; tmpfs \"/sub\";",
    ] {
        let p = Policy::new(text).with_file("tree/sub/x.txt", "x");
        match p.compile(&guest("fsops")) {
            Err(virtc::driver::Failure::Policy(d)) => {
                assert!(d.iter().any(|d| d.code == "V0063"), "{text}: {d:?}")
            }
            other => panic!("{text}: {:?}", other.map(|c| c.diagnostics)),
        }
    }
}

#[test]
fn the_parents_descriptor_reaches_a_tmpfs_inside_its_tree() {
    let p = Policy::new(&format!(
        "{COMMON} env SCENARIO = \"nested\";\nmount \"/work\" from \"./tree\";\ntmpfs \"/work/tmp\";\n"
    ))
    .with_file("tree/readme.txt", "read me");
    assert_eq!(
        fsops(&p),
        "list /: ok [\"readme.txt:DescriptorType::RegularFile\", \"tmp:DescriptorType::Directory\"]\n\
         open tmp: ok\n\
         create tmp/x: ok\n\
         write hi: ok 2\n\
         list tmp: ok [\"x:DescriptorType::RegularFile\"]\n\
         stat tmp/x: ok (DescriptorType::RegularFile, 2, 1)\n\
         mkdir tmp/d: ok ()\n\
         rename tmp/x tmp/d/y: ok ()\n\
         unlink readme.txt: error not-permitted\n\
         list the tmpfs's own preopen: ok [\"d:DescriptorType::Directory\"]\n\
         stat d/y there: ok (DescriptorType::RegularFile, 2, 1)\n"
    );
}
