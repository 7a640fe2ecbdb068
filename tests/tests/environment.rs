//! `wasi:cli/environment` under different policies: virtual variables, host variables by glob,
//! arguments that never trap, and the host's interface passed through whole.

use virtc_run::Status;
use virtc_tests::*;

const HOST: &[(&str, &str)] = &[
    ("HOME", "/home/u"),
    ("LANG_A", "a"),
    ("LANG_SECRET", "s"),
    ("TOKEN", "t"),
    ("PONG", "host"),
];

fn lines(policy: &str, args: &[&str]) -> (Vec<String>, Vec<String>) {
    let compiled = compile_ok(policy, &guest("probe"));
    let out = run(&compiled, args, HOST, "");
    assert_eq!(out.status, Status::Exited(0), "{}", text(&out.stderr));
    let lines = text(&out.stdout).lines().map(str::to_owned).collect();
    (lines, imports(compiled.composed.as_ref().unwrap()))
}

#[test]
fn only_virtual_variables_and_no_arguments() {
    let (lines, imports) = lines(
        "env PROBE = \"env\"; env PONG = \"demo\"; stdout allow;",
        &["ignored"],
    );
    assert_eq!(
        lines,
        [
            "var: PONG=demo",
            "var: PROBE=env",
            "args: []",
            "cwd: Some(\"/\")"
        ],
        "no host variable leaks and reading the arguments does not trap"
    );
    assert!(
        !imports
            .iter()
            .any(|i| i.starts_with("wasi:cli/environment")),
        "{imports:?}"
    );
}

#[test]
fn host_variables_by_glob_with_virtual_ones_winning() {
    let (lines, imports) = lines(
        r#"env PROBE = "env"; env PONG = "demo"; env allow "HOME", "LANG_*", "PONG"; env deny "*SECRET*"; stdout allow;"#,
        &[],
    );
    assert_eq!(
        lines,
        [
            "var: HOME=/home/u",
            "var: LANG_A=a",
            "var: PONG=demo",
            "var: PROBE=env",
            "args: []",
            "cwd: Some(\"/\")"
        ]
    );
    assert!(
        imports
            .iter()
            .any(|i| i.starts_with("wasi:cli/environment")),
        "{imports:?}"
    );
}

#[test]
fn host_arguments_pass_with_args_allow() {
    let (lines, _) = lines(
        r#"env PROBE = "env"; args allow; stdout allow;"#,
        &["a", "b c"],
    );
    assert_eq!(lines[1], r#"args: ["guest.wasm", "a", "b c"]"#);
}

#[test]
fn fixed_arguments() {
    let (lines, imports) = lines(
        r#"env PROBE = "env"; args "prog", "--x"; stdout allow;"#,
        &["host"],
    );
    assert_eq!(lines[1], r#"args: ["prog", "--x"]"#);
    assert!(
        !imports
            .iter()
            .any(|i| i.starts_with("wasi:cli/environment"))
    );
}

#[test]
fn allow_env_passes_the_host_interface_through() {
    // The scenario comes from the first argument: the environment is the host's.
    let (lines, imports) = lines("allow env; stdout allow;", &["env"]);
    assert_eq!(
        lines,
        [
            "var: HOME=/home/u",
            "var: LANG_A=a",
            "var: LANG_SECRET=s",
            "var: PONG=host",
            "var: TOKEN=t",
            r#"args: ["guest.wasm", "env"]"#,
            "cwd: Some(\"/\")"
        ]
    );
    assert!(
        imports
            .iter()
            .any(|i| i.starts_with("wasi:cli/environment"))
    );
}
