//! Standard streams: allow passes the host's stream (wrapped when other streams are
//! virtualized), ignore drops writes and reads end of stream, deny closes the stream.

use virtc_run::Status;
use virtc_tests::*;

fn probe(policy: &str, stdin: &str) -> (String, String, Vec<String>) {
    let compiled = compile_ok(&format!("env PROBE = \"stdio\"; {policy}"), &guest("probe"));
    let out = run(&compiled, &[], &[], stdin);
    assert_eq!(out.status, Status::Exited(0), "{}", text(&out.stderr));
    (
        text(&out.stdout),
        text(&out.stderr),
        imports(compiled.composed.as_ref().unwrap()),
    )
}

const SUMMARY_ALL_OK: &str = "stdin: ok 5 \"input\"\nstdout: ok\nstderr: ok\n";

#[test]
fn all_streams_allowed() {
    let (out, err, imports) = probe("stdio allow;", "input");
    assert_eq!(out, format!("to stdout\n{SUMMARY_ALL_OK}"));
    assert_eq!(err, format!("to stderr\n{SUMMARY_ALL_OK}"));
    for i in ["wasi:cli/stdin", "wasi:cli/stdout", "wasi:cli/stderr"] {
        assert!(
            imports.iter().any(|x| x.starts_with(i)),
            "{i} missing from {imports:?}"
        );
    }
}

#[test]
fn ignored_stdout_next_to_passed_through_streams() {
    let (out, err, imports) = probe("stdio allow; stdout ignore;", "input");
    assert_eq!(out, "", "ignored output never reaches the host");
    assert_eq!(
        err,
        format!("to stderr\n{SUMMARY_ALL_OK}"),
        "stdin and stderr are the host's, wrapped"
    );
    assert!(
        !imports.iter().any(|i| i.starts_with("wasi:cli/stdout")),
        "{imports:?}"
    );
    assert!(
        !imports
            .iter()
            .any(|i| i.starts_with("wasi:cli/terminal-stdout")),
        "{imports:?}"
    );
    assert!(
        imports.iter().any(|i| i.starts_with("wasi:cli/stderr")),
        "{imports:?}"
    );
}

#[test]
fn denied_stdout_reports_an_error_to_the_component() {
    let (out, err, imports) = probe("stdin allow; stderr allow; stdout deny;", "input");
    assert_eq!(out, "");
    assert!(
        err.starts_with("to stderr\nstdin: ok 5 \"input\"\nstdout: error"),
        "{err}"
    );
    assert!(err.ends_with("stderr: ok\n"), "{err}");
    assert!(
        !imports.iter().any(|i| i.starts_with("wasi:cli/stdout")),
        "{imports:?}"
    );
}

#[test]
fn denied_and_ignored_stdin_read_end_of_stream() {
    for mode in ["deny", "ignore"] {
        let (out, _, imports) = probe(
            &format!("stdout allow; stderr allow; stdin {mode};"),
            "secret",
        );
        assert!(out.contains("stdin: ok 0 \"\""), "{mode}: {out}");
        assert!(
            !imports.iter().any(|i| i.starts_with("wasi:cli/stdin")),
            "{imports:?}"
        );
    }
}
