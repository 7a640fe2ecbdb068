//! Imports outside virtc's WASI registry: a `wasi:` interface virtc does not know must be named
//! by the policy (`allow import` / `deny import`), a link to another component passes through
//! with a note, and `deny import` removes interfaces from the output with trapping stubs.

use virtc::driver::{self, Failure, Input};
use virtc_run::Status;
use virtc_tests::*;

const KV: &str = "wasi:keyvalue/store@0.2.0-draft";
const PING: &str = "example:pong/pingpong";

fn codes(diagnostics: &[virtc::diagnostic::Diagnostic]) -> Vec<&'static str> {
    diagnostics.iter().map(|d| d.code).collect()
}

/// What `check --component` says, through the same driver call the CLI makes.
fn check(policy: &Policy, component: &[u8]) -> Result<Vec<&'static str>, Failure> {
    let db = virtc::db::Database::default();
    let root = driver::load_policy(&db, &policy.path)?;
    let input = Input {
        name: "guest.wasm",
        bytes: component,
    };
    driver::check(&db, root, Some(&input)).map(|c| codes(&c.diagnostics))
}

#[test]
fn the_guest_imports_what_the_tests_expect() {
    let imports = imports(&guest("imports"));
    assert!(imports.iter().any(|i| i == KV), "{imports:?}");
    assert!(imports.iter().any(|i| i == PING), "{imports:?}");
}

/// Naming nothing: the unknown `wasi:` interface is an error (the same from `check` and
/// `compile`), with the statements that would fix it; the link gets a note.
#[test]
fn an_unnamed_wasi_interface_is_refused_by_check_and_compile_alike() {
    let component = guest("imports");
    let policy = Policy::new("stdout allow;\n");
    let from_compile = match policy.compile(&component) {
        Err(Failure::Policy(d)) => d,
        Err(Failure::Input(m)) => panic!("input error {m}"),
        Ok(_) => panic!("compiled"),
    };
    let from_check = match check(&policy, &component) {
        Err(Failure::Policy(d)) => d,
        other => panic!("check did not refuse: {:?}", other.map(|_| ())),
    };
    assert_eq!(codes(&from_compile), codes(&from_check));
    let v0042 = from_compile
        .iter()
        .find(|d| d.code == "V0042")
        .expect("V0042");
    assert!(v0042.message.contains(KV), "{}", v0042.message);
    assert!(
        v0042
            .help
            .iter()
            .any(|h| h.contains("allow import \"wasi:keyvalue/store\"")),
        "{:?}",
        v0042.help
    );
    let note = from_compile
        .iter()
        .find(|d| d.code == "V0043")
        .expect("V0043");
    assert!(note.message.contains(PING), "{}", note.message);
}

/// `allow import` passes the interface through: the output imports it at the component's own
/// version; the link to another component passes through too.
#[test]
fn allow_import_passes_through() {
    let component = guest("imports");
    let policy = Policy::new("allow import \"wasi:keyvalue/*\";\nstdout allow;\n");
    let compiled = policy.compile_ok(&component);
    let out = imports(compiled.composed.as_ref().unwrap());
    assert!(out.iter().any(|i| i == KV), "{out:?}");
    assert!(out.iter().any(|i| i == PING), "{out:?}");
    assert!(codes(&compiled.diagnostics).contains(&"V0043"));
}

/// `deny import` removes both from the output; the component runs while it does not call
/// them, and traps in the stub when it does; the checker warned about it first (V0040).
#[test]
fn deny_import_stubs_out_and_traps_only_when_called() {
    let component = guest("imports");
    for (call, traps) in [("none", false), ("ping", true), ("kv", true)] {
        let policy = Policy::new(&format!(
            "deny import \"wasi:keyvalue/*\", \"example:*/*\";\nstdout allow;\nenv CALL = \"{call}\";\n"
        ));
        let compiled = policy.compile_ok(&component);
        let warned: Vec<&str> = compiled
            .diagnostics
            .iter()
            .filter(|d| d.code == "V0040")
            .map(|d| d.message.as_str())
            .collect();
        assert!(warned.iter().any(|m| m.contains(KV)), "{warned:?}");
        assert!(warned.iter().any(|m| m.contains(PING)), "{warned:?}");
        let composed = compiled.composed.as_ref().unwrap();
        let out = imports(composed);
        assert!(
            !out.iter()
                .any(|i| i.starts_with("wasi:keyvalue") || i.starts_with("example:")),
            "{out:?}"
        );
        let outcome = run(&compiled, &[], &[], "");
        let stdout = text(&outcome.stdout);
        if traps {
            assert!(
                matches!(outcome.status, Status::Trapped(_)),
                "{call}: {:?}",
                outcome.status
            );
            assert_eq!(stdout, "start\n", "{call}");
        } else {
            assert_eq!(outcome.status, Status::Exited(0), "{call}");
            assert_eq!(stdout, "start\ndone\n", "{call}");
        }
    }
}

/// A pattern that can only match registry interfaces points at the subsystem statement.
#[test]
fn patterns_over_registry_interfaces_are_refused() {
    match compile("deny import \"wasi:cli/*\";\n", Some(&guest("imports"))) {
        Err(Failure::Policy(d)) => assert!(codes(&d).contains(&"V0029"), "{d:?}"),
        _ => panic!("accepted"),
    }
}

/// The adapter exports, of each interface, only the functions and types the component's imports
/// reach. A component whose import names a type none of its functions reach (no toolchain known
/// here makes one; this one is written by hand) gets the adapter that exports every function and
/// type of its interfaces instead of a composition error.
#[test]
fn an_import_naming_types_no_function_reaches_still_fits() {
    let component = wat::parse_str(
        r#"(component
            (type (instance
                (type (enum "normal" "sequential" "random" "will-need" "dont-need" "no-reuse"))
                (export "advice" (type (eq 0)))))
            (import "wasi:filesystem/types@0.2.6" (instance (type 0))))"#,
    )
    .unwrap();
    let compiled = match compile("deny fs;", Some(&component)) {
        Ok(compiled) => compiled,
        Err(Failure::Input(e)) => panic!("{e}"),
        Err(Failure::Policy(d)) => panic!("{d:#?}"),
    };
    let imports = imports(compiled.composed.as_ref().unwrap());
    assert!(!has_import(&imports, "wasi:filesystem"), "{imports:?}");
}
