//! Outgoing HTTP under URL rules (issue 10), end to end in wasmtime: the http-client guest sends
//! a list of requests to a loopback origin the test starts; the adapter lets through exactly
//! those an `allow` rule matches and no `deny` rule does (host, port, path glob in normal form,
//! method), answers the rest `HTTP-request-denied` without the origin ever seeing them, and
//! streams a body of several megabytes both ways.

use virtc_policy::HttpAccess;
use virtc_run::Status;
use virtc_tests::origin::{Origin, fnv};
use virtc_tests::*;

const BODY: usize = 5 << 20;

/// The policy and the requests, for an origin at `port` (and an unused `other` port).
fn scenario(port: u16, other: u16) -> (String, Vec<(String, String)>) {
    let at = format!("127.0.0.1:{port}");
    let body: Vec<u8> = (0..BODY).map(|i| (i % 251) as u8).collect();
    let ok_get = |target: &str| {
        format!(
            "200, {} bytes, fnv {}",
            target.len(),
            fnv(target.as_bytes())
        )
    };
    let denied = "error ErrorCode::HttpRequestDenied".to_string();
    let requests = vec![
        (format!("GET http://{at}/v1/a"), ok_get("/v1/a")),
        (
            format!("GET http://{at}/v1/a?admin=1"),
            ok_get("/v1/a?admin=1"),
        ),
        (format!("GET http://{at}/v1/admin/x"), denied.clone()),
        (format!("GET http://{at}/v1//admin/x"), denied.clone()),
        (format!("GET http://{at}/v1/./admin/x"), denied.clone()),
        (format!("GET http://{at}/v1/%61dmin/x"), denied.clone()),
        (format!("GET http://{at}/v1/b/../admin/x"), denied.clone()),
        (format!("GET http://{at}/v1"), denied.clone()),
        (format!("GET http://{at}/v2/a"), denied.clone()),
        (format!("GET http://{at}/../v1/a"), denied.clone()),
        (format!("GET http://127.0.0.1:{other}/v1/a"), denied.clone()),
        (format!("GET http://localhost:{port}/v1/a"), denied.clone()),
        (format!("GET https://{at}/v1/a"), denied.clone()),
        (format!("DELETE http://{at}/upload"), denied.clone()),
        (
            format!("POST http://{at}/upload"),
            format!("200, {BODY} bytes, fnv {}", fnv(&body)),
        ),
        (
            "GET http://-/v1/a".to_string(),
            "error ErrorCode::HttpRequestUriInvalid".to_string(),
        ),
    ];
    let list: Vec<&str> = requests.iter().map(|(r, _)| r.as_str()).collect();
    let policy = format!(
        "http allow \"http://{at}/v1/**\", \"POST http://{at}/upload\";\n\
         http deny \"http://{at}/v1/admin/**\";\n\
         stdout allow; stderr allow;\n\
         env REQUESTS = \"{}\"; env BODY_BYTES = \"{BODY}\";\n",
        list.join(";")
    );
    (policy, requests)
}

fn expected(requests: &[(String, String)]) -> String {
    requests
        .iter()
        .map(|(r, answer)| format!("{r} -> {answer}\n"))
        .collect()
}

/// Runs until the output is as expected, up to three times (wasmtime's client resets about one
/// loopback connection in a hundred); returns the last output.
fn run_until(compiled: &virtc::driver::Compiled, want: &str) -> String {
    let mut last = String::new();
    for _ in 0..3 {
        let outcome = run(compiled, &[], &[], "");
        assert_eq!(
            outcome.status,
            Status::Exited(0),
            "{}",
            text(&outcome.stderr)
        );
        last = text(&outcome.stdout);
        if last == want {
            break;
        }
    }
    last
}

#[test]
fn url_rules_allow_deny_and_stream_bodies() {
    let origin = Origin::start();
    let unused = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let other = unused.local_addr().unwrap().port();
    drop(unused);
    let (policy, requests) = scenario(origin.addr.port(), other);
    let compiled = compile_ok(&policy, &guest("http-client"));
    let out = imports(compiled.composed.as_ref().unwrap());
    assert!(
        out.iter()
            .any(|i| i.starts_with("wasi:http/outgoing-handler@")),
        "{out:?}"
    );
    assert!(
        !out.iter().any(|i| i.starts_with("wasi:cli/environment@")),
        "{out:?}"
    );
    let want = expected(&requests);
    assert_eq!(run_until(&compiled, &want), want);

    // The same component on a host that grants every request: the adapter alone refuses.
    let mut open = compiled;
    open.ir.runtime.http.access = HttpAccess::Host;
    assert_eq!(run_until(&open, &want), want);

    let seen = origin.finish();
    assert!(!seen.is_empty());
    for line in &seen {
        assert!(
            line == "GET /v1/a HTTP/1.1"
                || line == "GET /v1/a?admin=1 HTTP/1.1"
                || line == "POST /upload HTTP/1.1",
            "the origin saw a request the rules deny: {line} (all: {seen:?})"
        );
    }
}

/// Under the default policy the output imports no `wasi:http` at all: the adapter's own types
/// build the request (headers checked as WASI checks them), and `handle` refuses it; a body
/// written to a request that is never sent is accepted and dropped.
#[test]
fn denied_http_needs_no_host_http() {
    let requests = "GET http://127.0.0.1:9/x;POST https://example.com/upload;GET http://-/x";
    let compiled = compile_ok(
        &format!("stdout allow; env REQUESTS = \"{requests}\"; env BODY_BYTES = \"100000\";"),
        &guest("http-client"),
    );
    let out = imports(compiled.composed.as_ref().unwrap());
    assert!(!out.iter().any(|i| i.starts_with("wasi:http/")), "{out:?}");
    let outcome = run(&compiled, &[], &[], "");
    assert_eq!(
        outcome.status,
        Status::Exited(0),
        "{}",
        text(&outcome.stderr)
    );
    assert_eq!(
        text(&outcome.stdout),
        "GET http://127.0.0.1:9/x -> error ErrorCode::HttpRequestDenied\n\
         POST https://example.com/upload -> error ErrorCode::HttpRequestDenied\n\
         GET http://-/x -> error ErrorCode::HttpRequestUriInvalid\n"
    );
}

/// The adapter's own `wasi:http/types` answers every operation as wasmtime's does: the same
/// guest builds fields, a request, a response and bodies under a denying policy (the adapter's
/// types) and under `allow http;` (wasmtime's, wrapped), and prints the same lines.
#[test]
fn virtual_http_types_answer_as_wasmtime_does() {
    let probe = |policy: &str| {
        let compiled = compile_ok(policy, &guest("http-client"));
        let outcome = run(&compiled, &[], &[], "");
        assert_eq!(
            outcome.status,
            Status::Exited(0),
            "{}",
            text(&outcome.stderr)
        );
        (
            imports(compiled.composed.as_ref().unwrap()),
            text(&outcome.stdout),
        )
    };
    let (virtual_imports, virtual_out) = probe("stdout allow; env TYPES = \"1\";");
    let (host_imports, host_out) = probe("allow http; stdout allow; env TYPES = \"1\";");
    assert!(!virtual_imports.iter().any(|i| i.starts_with("wasi:http/")));
    assert!(
        host_imports
            .iter()
            .any(|i| i.starts_with("wasi:http/types@"))
    );
    assert!(virtual_out.lines().count() > 25, "{virtual_out}");
    for (line, (v, h)) in virtual_out.lines().zip(host_out.lines()).enumerate() {
        assert_eq!(v, h, "line {}", line + 1);
    }
    assert_eq!(virtual_out, host_out);
}
