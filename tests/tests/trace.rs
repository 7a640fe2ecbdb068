//! The tracing adapter (`virtc compile --trace`): one line per WASI call, on the host's stderr
//! whatever the component's own stderr is, through `virtc:adapter/trace` for `virtc run`; and
//! none of it in a plain compile.

use std::sync::{Arc, Mutex};

use virtc::Trace;
use virtc_run::{Outcome, RunOptions, Status, Stdio, TraceSink};
use virtc_tests::*;

/// Compiles `policy` (in a directory holding `hello.txt`) for guest `name` with `trace`.
fn traced(policy: &str, name: &str, trace: Trace) -> virtc::Output {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("data")).unwrap();
    std::fs::write(dir.path().join("data/hello.txt"), "hello, trace").unwrap();
    virtc::Policy::from_text(policy, dir.path())
        .with_trace(trace)
        .compile(&guest(name))
        .unwrap_or_else(|f| panic!("{f}"))
}

fn run_output(output: &virtc::Output, sink: Option<TraceSink>) -> Outcome {
    let component = virtc_run::load(&output.bytes).expect("wasmtime compiles the output");
    virtc_run::run(
        &output.policy,
        &component,
        &RunOptions {
            program: "guest.wasm".into(),
            args: vec![],
            host_env: vec![],
            host_config: vec![],
            stdio: Stdio::Capture { stdin: vec![] },
            trace: sink,
        },
    )
    .unwrap()
}

/// The `virtc-trace:` lines of `stderr`, every one checked for the documented shape.
fn trace_lines(stderr: &[u8]) -> Vec<String> {
    let lines: Vec<String> = text(stderr)
        .lines()
        .filter(|l| l.starts_with("virtc-trace: "))
        .map(str::to_owned)
        .collect();
    for line in &lines {
        assert_shape(line);
    }
    lines
}

/// `virtc-trace: wasi:PACKAGE/INTERFACE#FUNCTION(ARGUMENTS)[ -> RESULT]`.
fn assert_shape(line: &str) {
    let call = line.strip_prefix("virtc-trace: ").expect("prefix");
    let (interface, rest) = call.split_once('#').unwrap_or_else(|| panic!("{line}"));
    assert!(
        interface.starts_with("wasi:") && interface.contains('/'),
        "{line}"
    );
    let function = &rest[..rest.find('(').unwrap_or_else(|| panic!("{line}"))];
    assert!(
        !function.is_empty()
            && function
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-.".contains(c)),
        "{line}"
    );
    assert!(rest.ends_with(')') || rest.contains(") -> "), "{line}");
}

#[test]
fn calls_reach_the_hosts_stderr_though_the_components_is_closed() {
    let policy = "env PROBE = \"files\"; env FILES_ROOT = \"/data\"; stdout allow; \
                  mount \"/data\" from \"./data\";";
    let output = traced(policy, "probe", Trace::Stderr);
    // The output imports the host's stderr for its trace only.
    assert!(
        has_import(&imports(&output.bytes), "wasi:cli/stderr"),
        "{:?}",
        imports(&output.bytes)
    );
    let out = run_output(&output, None);
    assert_eq!(out.status, Status::Exited(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("read /data/hello.txt: \"hello, trace\""));
    let lines = trace_lines(&out.stderr);
    // Nothing but the trace on stderr (the component's own is closed).
    assert_eq!(text(&out.stderr).lines().count(), lines.len());
    for want in [
        r#"virtc-trace: wasi:cli/environment#get-environment() -> ["PROBE", "FILES_ROOT"]"#,
        r#"virtc-trace: wasi:filesystem/preopens#get-directories() -> ["/data"]"#,
        r#"virtc-trace: wasi:filesystem/types#read-directory("/data") -> ok"#,
        "virtc-trace: wasi:io/streams#blocking-read(12) -> ok(12 bytes)",
    ] {
        assert!(
            lines.iter().any(|l| l == want),
            "no `{want}` in\n{lines:#?}"
        );
    }
    // Paths are the guest's, from the descriptor's own path.
    assert!(
        lines.iter().any(|l| l
            .starts_with(r#"virtc-trace: wasi:filesystem/types#open-at("/data", "hello.txt", "#)
            && l.ends_with("-> ok")),
        "{lines:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("#open-at(\"/data\", \"new.txt\"")
                && l.contains("-> error(not-permitted)")),
        "{lines:#?}"
    );
}

#[test]
fn run_time_trace_goes_to_the_sink_not_stderr() {
    let output = traced("env PROBE = \"stdio\"; stdio allow;", "probe", Trace::Sink);
    assert!(
        has_import(&imports(&output.bytes), "virtc:adapter/trace"),
        "{:?}",
        imports(&output.bytes)
    );
    let seen = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = {
        let seen = Arc::clone(&seen);
        TraceSink::new(move |line| seen.lock().unwrap().push(line.to_owned()))
    };
    let out = run_output(&output, Some(sink));
    assert_eq!(out.status, Status::Exited(0));
    // The component's stderr is its own: no trace in it.
    assert!(
        !text(&out.stderr).contains("virtc-trace"),
        "{}",
        text(&out.stderr)
    );
    assert!(text(&out.stderr).contains("to stderr"));
    let lines = seen.lock().unwrap().clone();
    for line in &lines {
        assert_shape(line);
    }
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("virtc-trace: wasi:io/streams#") && l.contains("bytes")),
        "{lines:#?}"
    );
}

#[test]
fn passed_through_interfaces_are_wrapped_and_traced() {
    // `allow all;` passes everything through: traced, the adapter wraps what it implements.
    let output = traced(
        "allow all; deny env; env PROBE = \"clocks\";",
        "probe",
        Trace::Stderr,
    );
    let out = run_output(&output, None);
    assert_eq!(out.status, Status::Exited(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "monotonic: true\nwall: true\n");
    let lines = trace_lines(&out.stderr);
    for want in [
        "virtc-trace: wasi:clocks/monotonic-clock#now()",
        "virtc-trace: wasi:clocks/wall-clock#now()",
    ] {
        assert!(
            lines.iter().any(|l| l.starts_with(want)),
            "no `{want}` in\n{lines:#?}"
        );
    }
}

#[test]
fn a_plain_compile_carries_no_tracing_code() {
    let policy = "env PROBE = \"env\"; stdout allow;";
    let plain = traced(policy, "probe", Trace::Off);
    let again = traced(policy, "probe", Trace::Off);
    let with = traced(policy, "probe", Trace::Stderr);
    assert_eq!(plain.bytes, again.bytes);
    let contains = |bytes: &[u8], needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    assert!(!contains(&plain.bytes, b"virtc-trace"));
    assert!(contains(&with.bytes, b"virtc-trace"));
    // And it runs as before, with nothing on stderr.
    let out = run_output(&plain, None);
    assert_eq!(text(&out.stderr), "");
}
