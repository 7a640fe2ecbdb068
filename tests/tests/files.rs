//! Files: embedded mounts, single files and host preopens, read every way std reads them, with
//! every change and escape refused by a WASI error. Each run's output is a snapshot, checked
//! line by line.

use virtc_run::Status;
use virtc_tests::*;

/// A tree with files, a nested directory, a link inside the tree and a key file.
fn tree(policy: &str) -> Policy {
    Policy::new(policy)
        .with_file("tree/hello.txt", "hello world\n")
        .with_file("tree/sub/a.txt", "A")
        .with_file("tree/sub/deep/b.bin", vec![7u8; 1000])
        .with_file("tree/secret.key", "k")
        .with_symlink("tree/link", "sub/a.txt")
        .with_symlink("tree/sub/up", "../hello.txt")
}

fn run_files(policy: &Policy, env: &[(&str, &str)]) -> (String, Vec<String>) {
    let compiled = policy.compile_ok(&guest("probe"));
    let out = run(&compiled, &[], env, "");
    assert_eq!(out.status, Status::Exited(0), "{}", text(&out.stderr));
    (
        text(&out.stdout),
        imports(compiled.composed.as_ref().unwrap()),
    )
}

const BASE: &str = "env PROBE = \"files\"; stdout allow;";

#[test]
fn embedded_tree_read_every_way_and_never_changed() {
    let policy = tree(&format!("{BASE} mount \"/\" from \"./tree\";"));
    let (out, imports) = run_files(&policy, &[]);
    insta::assert_snapshot!(out);
    assert!(
        !imports.iter().any(|i| i.starts_with("wasi:filesystem")),
        "{imports:?}"
    );
}

#[test]
fn include_and_exclude() {
    let policy = tree(&format!(
        "{BASE} mount \"/\" from \"./tree\" {{ include \"**/*.txt\"; exclude \"sub/**\"; }}"
    ));
    let (out, _) = run_files(&policy, &[]);
    insta::assert_snapshot!(out);
}

#[test]
fn mounts_and_files_share_one_tree() {
    let policy = tree(&format!(
        "{BASE} mount \"/\" from \"./tree\"; mount \"/etc/app\" from \"./tree/sub\" {{ exclude \"up\"; }} file \"/etc/motd\" = \"hi\";"
    ));
    let (out, _) = run_files(&policy, &[]);
    insta::assert_snapshot!(out);
}

#[test]
fn host_preopen_beside_an_embedded_tree() {
    let host = tempfile::tempdir().unwrap();
    std::fs::write(host.path().join("hello.txt"), "from the host\n").unwrap();
    std::fs::create_dir(host.path().join("inner")).unwrap();
    // A link in the host directory that leads out of it: the host refuses to follow it.
    std::os::unix::fs::symlink("/etc", host.path().join("out")).unwrap();
    let policy = tree(&format!(
        "{BASE} env FILES_ROOT = \"/data\"; env FILES_READ = \"/data/hello.txt\"; mount \"/\" from \"./tree\"; preopen \"/data\" from host \"{}\" readonly;",
        host.path().display()
    ));
    let (out, imports) = run_files(&policy, &[]);
    insta::assert_snapshot!(out.replace(&host.path().display().to_string(), "<host>"));
    assert!(
        imports
            .iter()
            .any(|i| i.starts_with("wasi:filesystem/types")),
        "{imports:?}"
    );
    assert_eq!(
        std::fs::read_to_string(host.path().join("hello.txt")).unwrap(),
        "from the host\n"
    );
    assert!(!host.path().join("new.txt").exists());
}

#[test]
fn a_link_out_of_the_mount_is_refused() {
    let policy =
        tree(&format!("{BASE} mount \"/\" from \"./tree\";")).with_symlink("tree/out", "../../etc");
    match policy.compile(&guest("probe")) {
        Err(virtc::driver::Failure::Policy(d)) => {
            assert!(d.iter().any(|d| d.code == "V0054"), "{d:#?}");
        }
        other => panic!("expected V0054, got {:?}", other.is_ok()),
    }
}

#[test]
fn a_single_host_file_at_a_virtual_path() {
    let host = tempfile::tempdir().unwrap();
    std::fs::write(host.path().join("config.toml"), "from the host\n").unwrap();
    std::fs::write(host.path().join("secret.txt"), "never seen\n").unwrap();
    let h = host.path().display().to_string();
    let policy = Policy::new(&format!(
        "{BASE} env FILES_ROOT = \"/etc\"; env FILES_READ = \"/etc/app.toml\";\n\
         env FILES_FORBIDDEN_1 = \"/etc/secret.txt\"; env FILES_FORBIDDEN_2 = \"{h}/secret.txt\";\n\
         file \"/etc/app.toml\" from host \"{h}/config.toml\" readonly;\n\
         file \"/etc/motd\" = \"hi\";"
    ));
    let (out, imports) = run_files(&policy, &[]);
    insta::assert_snapshot!(out.replace(&h, "<host>"));
    assert!(
        imports
            .iter()
            .any(|i| i.starts_with("wasi:filesystem/types")),
        "{imports:?}"
    );
    assert_eq!(
        std::fs::read_to_string(host.path().join("config.toml")).unwrap(),
        "from the host\n"
    );
}

#[test]
fn the_report_lists_what_was_embedded() {
    let policy = tree(&format!(
        "{BASE} mount \"/\" from \"./tree\" {{ exclude \"secret.key\"; }} file \"/etc/motd\" = \"hi\";"
    ));
    let compiled = policy.compile_ok(&guest("probe"));
    let dir = policy.dir.path().display().to_string();
    let lines: Vec<String> = compiled
        .report
        .iter()
        .map(|e| {
            let host = e
                .host
                .as_ref()
                .map(|h| h.display().to_string().replace(&dir, "<dir>"))
                .unwrap_or_else(|| "(inline)".into());
            format!("{} {} {host} {:?}", e.guest, e.bytes, e.link)
        })
        .collect();
    assert_eq!(
        lines,
        [
            "/hello.txt 12 <dir>/tree/hello.txt None",
            "/link 9 <dir>/tree/link Some(\"sub/a.txt\")",
            "/sub/a.txt 1 <dir>/tree/sub/a.txt None",
            "/sub/deep/b.bin 1000 <dir>/tree/sub/deep/b.bin None",
            "/sub/up 12 <dir>/tree/sub/up Some(\"../hello.txt\")",
            "/etc/motd 2 (inline) None",
        ]
    );
}
