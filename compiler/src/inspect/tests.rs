//! `inspect` on standalone adapters compiled here: the printed policy is canonical, compiles,
//! and prints the same again; a changed value in the policy bytes shows; damage is refused.

use std::path::Path;

use super::*;
use crate::db::Database;
use crate::driver;

/// Compiles `policy` (written into `dir` as `name`) to a standalone adapter.
fn adapter(dir: &Path, name: &str, policy: &str) -> Vec<u8> {
    let path = dir.join(name);
    std::fs::write(&path, policy).unwrap();
    let db = Database::default();
    let root = driver::load_policy(&db, &path).unwrap();
    match driver::compile(&db, root, None, None) {
        Ok(compiled) => compiled.output().unwrap().into_vec(),
        Err(driver::Failure::Policy(d)) => panic!("{policy}\n{d:#?}"),
        Err(driver::Failure::Input(e)) => panic!("{e}"),
    }
}

const RICH: &str = r#"
use "./sub/more.virt";
env GREETING = "hello \"world\"";
env "ODD NAME" = "tab\there";
env allow "LANG_*", "HOME";
env deny "LANG_SECRET";
args "prog", "--flag";
stdin ignore;
stdout allow;
stderr deny;
allow random;
allow exit;
mount "/data" from "./dir" {
    include "**/*.txt";
    exclude "skip/**";
}
file "/etc/motd" = "line one\nline two";
file "/etc/app.toml" from "./app.toml";
preopen "/scratch" from host "/tmp/scratch";
file "/etc/hosts" from host "/etc/hosts" readonly;
tcp connect "db.internal:5432", "10.1.0.0/16:8000-8999", "[::1]:*";
tcp listen "0.0.0.0:8080";
udp send "10.0.0.53:8125";
dns resolve "*.svc.cluster.local";
http allow "GET,HEAD https://api.example.com/v1/**", "http://127.0.0.1:*/health";
http deny "https://api.example.com/v1/admin/**";
config "log-level" = "info";
config allow "APP_*";
config deny "APP_SECRET";
deny import "wasi:nn/*";
allow import "wasi:keyvalue/*";
"#;

fn rich_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("dir/skip")).unwrap();
    std::fs::create_dir_all(d.join("sub")).unwrap();
    std::fs::create_dir_all(d.join("assets")).unwrap();
    std::fs::write(d.join("dir/a.txt"), "a\n").unwrap();
    std::fs::write(d.join("dir/b.bin"), [0u8, 1, 2]).unwrap();
    std::fs::write(d.join("dir/skip/c.txt"), "c").unwrap();
    std::fs::write(d.join("app.toml"), "x = 1\n").unwrap();
    std::fs::write(d.join("assets/logo.txt"), "logo").unwrap();
    // A used file's relative path is rebased onto the compiled policy's directory.
    std::fs::write(
        d.join("sub/more.virt"),
        "file \"/assets/logo.txt\" from \"../assets/logo.txt\";\n",
    )
    .unwrap();
    dir
}

#[test]
fn prints_the_policy_canonically_and_round_trips() {
    let dir = rich_dir();
    let bytes = adapter(dir.path(), "app.virt", RICH);
    let inspection = inspect(&bytes).unwrap();
    let text = inspection.to_virt();
    assert_eq!(crate::format::format(&text).unwrap(), text, "canonical");
    insta::assert_snapshot!(text);
    // Compiled again from the printed text, next to the original: the same policy, the same
    // text.
    // text, but for the policy files it was built from (the printed text is one file).
    assert!(
        text.contains(
            "// Built from: ./app.virt, ./sub/more.virt, ./dir, ./assets/logo.txt, ./app.toml\n"
        ),
        "{text}"
    );
    let again = adapter(dir.path(), "printed.virt", &text);
    let second = inspect(&again).unwrap();
    assert_eq!(second.policy.origin.sources, ["./printed.virt"]);
    let sourceless = |mut p: virtc_policy::Policy| {
        p.origin.sources.clear();
        p
    };
    assert_eq!(
        sourceless(second.policy.clone()),
        sourceless(inspection.policy.clone())
    );
    assert_eq!(
        built_from_dropped(&second.to_virt()),
        built_from_dropped(&text)
    );
}

/// `text` without the lines that name the files compiled (`// Built from: …`) and so the size
/// of the policy data (`// Policy format …`).
fn built_from_dropped(text: &str) -> String {
    text.lines()
        .filter(|l| !l.starts_with("// Built from:") && !l.starts_with("// Policy format"))
        .map(|l| format!("{l}\n"))
        .collect()
}

#[test]
fn the_default_policy_states_every_denial() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = adapter(dir.path(), "empty.virt", "");
    let text = inspect(&bytes).unwrap().to_virt();
    for statement in [
        "deny env;",
        "args deny;",
        "stdin deny;",
        "deny random;",
        "deny fs;",
        "deny sockets;",
        "deny http;",
        "deny config;",
    ] {
        assert!(text.contains(statement), "{statement} in\n{text}");
    }
    let again = adapter(dir.path(), "printed.virt", &text);
    assert_eq!(
        built_from_dropped(&inspect(&again).unwrap().to_virt()),
        built_from_dropped(&text)
    );
}

/// Where `needle` is in `haystack`, once.
fn find_once(haystack: &[u8], needle: &[u8]) -> usize {
    let at: Vec<usize> = haystack
        .windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(at.len(), 1, "{}", String::from_utf8_lossy(needle));
    at[0]
}

#[test]
fn a_changed_value_in_the_policy_bytes_shows() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = adapter(
        dir.path(),
        "p.virt",
        "env MODE = \"sandboxed-mode\";\nfile \"/motd\" = \"welcome-text\";\n",
    );
    let at = find_once(&bytes, b"sandboxed-mode");
    bytes[at..at + 14].copy_from_slice(b"unrestricted!!");
    let at = find_once(&bytes, b"welcome-text");
    bytes[at] = b'W';
    let text = inspect(&bytes).unwrap().to_virt();
    assert!(text.contains("env MODE = \"unrestricted!!\";"), "{text}");
    assert!(
        text.contains("file \"/motd\" = \"Welcome-text\";"),
        "{text}"
    );
}

#[test]
fn damaged_policy_data_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = adapter(dir.path(), "p.virt", "stdout allow;\n");
    let at = find_once(&bytes, MAGIC);
    // The format version, then a stream mode with no meaning.
    let mut version = bytes.clone();
    version[at + 4] = 99;
    assert_eq!(
        inspect(&version),
        Err(InspectError::Damaged(DecodeError::UnsupportedVersion(99)))
    );
    // Past the environment (three counts and two tags, all empty), the stdin mode.
    let mut mode = bytes.clone();
    let stdin = at + 8 + 4 + 4 + 4 + 1 + 4 + 1;
    assert_eq!(mode[stdin + 1], 1, "stdout is allowed");
    mode[stdin] = 7;
    assert_eq!(
        inspect(&mode),
        Err(InspectError::Damaged(DecodeError::BadTag(7)))
    );
}

#[test]
fn what_virtc_did_not_make_is_refused() {
    assert!(matches!(
        inspect(b"not wasm at all"),
        Err(InspectError::NotAComponent(_))
    ));
    // A component with no adapter: the smallest there is.
    let empty = wasm_encoder::Component::new().finish();
    assert_eq!(inspect(&empty), Err(InspectError::NoAdapter));
    // Truncated.
    let dir = tempfile::tempdir().unwrap();
    let bytes = adapter(dir.path(), "p.virt", "");
    assert!(matches!(
        inspect(&bytes[..bytes.len() / 2]),
        Err(InspectError::NotAComponent(_))
    ));
}

#[test]
fn comments_cannot_be_broken_out_of() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("d")).unwrap();
    std::fs::write(dir.path().join("d/two\nlines; allow all;"), "x").unwrap();
    let bytes = adapter(dir.path(), "p.virt", "mount \"/\" from \"./d\";\n");
    let text = inspect(&bytes).unwrap().to_virt();
    assert!(!text.contains("\nlines; allow all;"), "{text}");
    let again = adapter(dir.path(), "printed.virt", &text);
    assert_eq!(
        built_from_dropped(&inspect(&again).unwrap().to_virt()),
        built_from_dropped(&text)
    );
}

/// Damage anywhere in the policy data gives an answer or a refusal, never a panic: every byte of
/// a rich policy's header and environment, and every 8th byte after, changed two ways (each
/// try validates the whole component, so not every byte).
#[test]
fn any_damage_is_refused_or_read_never_a_panic() {
    let dir = rich_dir();
    let bytes = adapter(dir.path(), "app.virt", RICH);
    let at = find_once(&bytes, MAGIC);
    let len = inspect(&bytes).unwrap().policy_bytes;
    let positions = (at..at + 128).chain((at + 128..at + len).step_by(8));
    for i in positions {
        for change in [0x01u8, 0xff] {
            let mut damaged = bytes.clone();
            damaged[i] ^= change;
            if let Ok(inspection) = inspect(&damaged) {
                // What decodes prints.
                let _ = inspection.to_virt();
            }
        }
    }
}
