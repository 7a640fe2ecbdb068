//! Another language's toolchain: a JavaScript command built with componentize-js
//! (`tests/js/build.sh`, from npm; the tests are skipped when node or npm is missing or `npm ci`
//! cannot install). It reads its environment (`wasi:cli/environment`) and `/data/hello.txt`
//! (`wasi:filesystem`) and, when `FETCH` holds a URL, calls `fetch`. componentize-js's engine
//! imports `wasi:http/types` and `wasi:http/outgoing-handler` in every component it builds, used
//! or not; under a policy that allows no HTTP, the adapter implements them and none is left.

use std::sync::OnceLock;

use virtc_run::Status;
use virtc_tests::origin::Origin;
use virtc_tests::*;

/// Builds the JavaScript component once per process: `Some(bytes)`, or `None` (with the reason
/// printed) when `build.sh` skips because node or npm is missing or `npm ci` failed.
fn js_app() -> Option<&'static [u8]> {
    static BUILT: OnceLock<Option<Vec<u8>>> = OnceLock::new();
    BUILT
        .get_or_init(|| toolchain_build("tests/js/build.sh", "target/js/app.wasm"))
        .as_deref()
}

/// The policy of the virtualized runs, with `extra` statements at the end: HTTP is not
/// mentioned (denied, the default), `GREETING` is virtual, `/data` is embedded.
///
/// What the runtime needs: `allow clocks`, and nothing else (found by trying). The engine calls
/// preview1's `clock_time_get` (turned into `wasi:clocks` by the preview1 adapter componentize-js
/// links in) on every run before the app's first line, so with clocks denied every run traps in
/// `run`. `wasi:random/random` is imported but never called on this app's paths (runs with it
/// denied pass; the app uses neither `Math.random` nor `crypto`), so it stays denied and virtc
/// warns (V0040) that a call would trap. No `allow exit`: the component does not import
/// `wasi:cli/exit`; a failing app reports its status through `run`'s result. No `stderr`: the
/// app writes nothing there, nor does the engine when `run` fails (tried with `stderr allow`).
fn policy(extra: &str) -> Policy {
    Policy::new(&format!(
        "stdout allow;\n\
         allow clocks;\n\
         env GREETING = \"virtual\";\n\
         mount \"/data\" from \"./data\";\n\
         {extra}"
    ))
    .with_file("data/hello.txt", "hello from data\n")
}

/// The baseline: `allow all;` leaves the component as it is, and run with the host's
/// environment (no `GREETING`) and no directories it finds no greeting and no file. It also
/// prints the component's imports and exports. The run comes before the check that the output
/// is unchanged, so that a failure of that check still shows the app working.
#[test]
fn js_command_under_allow_all_is_unchanged() {
    let Some(app) = js_app() else { return };
    print_interfaces(app);
    assert!(has_import(&exports(app), "wasi:cli/run"));
    for i in [
        "wasi:cli/environment",
        "wasi:filesystem",
        "wasi:http/types",
        "wasi:http/outgoing-handler",
    ] {
        assert!(has_import(&imports(app), i), "{i}: {:?}", imports(app));
    }

    let compiled = compile_ok("allow all;", app);
    let out = run(&compiled, &[], &[], "");
    assert_eq!(
        stdout_after_exit(&out, 0),
        "greeting=unset\nno file\n",
        "stderr:\n{}",
        text(&out.stderr)
    );
    let composed = compiled.composed.as_deref().unwrap();
    assert!(
        composed == app,
        "allow all must not change the component; the output imports {:?}",
        imports(composed)
    );

    // The host's HTTP: the app's fetch reaches a loopback origin. (wasmtime 48's client resets
    // about one loopback connection in a hundred: a failed attempt is tried again.)
    let origin = Origin::start();
    let url = format!("http://{}/hello", origin.addr);
    let mut stdout = String::new();
    for _ in 0..3 {
        let out = run(&compiled, &[], &[("FETCH", &url)], "");
        stdout = text(&out.stdout);
        if out.status == Status::Exited(0) {
            break;
        }
    }
    assert_eq!(stdout, "greeting=unset\nno file\nstatus 200\n");
    assert!(origin.finish().contains(&"GET /hello HTTP/1.1".to_string()));
}

/// The default policy for HTTP (none allowed), the environment and files virtualized: the
/// composed component imports no `wasi:http` interface, no `wasi:cli/environment` and no
/// `wasi:filesystem`, sees the virtual `GREETING` (not the host's) and the embedded file.
#[test]
fn js_command_with_virtual_env_and_files_imports_no_http() {
    let Some(app) = js_app() else { return };
    let compiled = policy("").compile_ok(app);
    for d in &compiled.diagnostics {
        println!("diagnostic: {d:?}");
    }
    let composed = compiled.composed.as_ref().unwrap();
    let imports = imports(composed);
    println!("composed: {} bytes (from {})", composed.len(), app.len());
    for i in &imports {
        println!("  import {i}");
    }
    for gone in ["wasi:http", "wasi:cli/environment", "wasi:filesystem"] {
        assert!(!has_import(&imports, gone), "{gone}: {imports:?}");
    }
    assert!(composed_directly(composed), "composed by wac, not directly");
    let out = run(&compiled, &[], &[("GREETING", "host")], "");
    assert_eq!(
        stdout_after_exit(&out, 0),
        "greeting=virtual\nhello from data\n",
        "stderr:\n{}",
        text(&out.stderr)
    );
}

/// A `fetch` under the same policy: `outgoing-handler.handle` answers `HTTP-request-denied`, the
/// engine turns it into a rejected promise, the app prints the error and fails (`run` returns
/// an error: exit status 1). No trap. The URL is a live loopback origin rather than a closed
/// port, so that the test sees the request never arrive (and a request let through would print
/// `status 200` rather than a failure that looks like the denial).
///
/// What the app prints is StarlingMonkey's: `Error: fetch_https: An error occurred while using
/// the host API.` for the denial from `handle` (whatever the URL's scheme), where a refused
/// connection on wasmtime's own HTTP (a response future that fails) gives the web's
/// `TypeError: NetworkError when attempting to fetch resource`.
#[test]
fn js_fetch_under_the_default_policy_fails_cleanly() {
    let Some(app) = js_app() else { return };
    let origin = Origin::start();
    let compiled =
        policy(&format!("env FETCH = \"http://{}/denied\";\n", origin.addr)).compile_ok(app);
    let composed = compiled.composed.as_ref().unwrap();
    assert!(!has_import(&imports(composed), "wasi:http"));
    let out = run(&compiled, &[], &[], "");
    let stdout = text(&out.stdout);
    println!("status: {:?}\nstdout:\n{stdout}", out.status);
    assert!(
        !matches!(out.status, Status::Trapped(_)),
        "{:?}\nstdout:\n{stdout}",
        out.status
    );
    let stdout = stdout_after_exit(&out, 1);
    assert!(
        stdout.starts_with("greeting=virtual\nhello from data\nfetch failed: "),
        "{stdout}"
    );
    assert_eq!(
        origin.finish(),
        Vec::<String>::new(),
        "the origin saw a request"
    );
}
