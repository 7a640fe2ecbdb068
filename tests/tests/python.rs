//! Another language's toolchain: a Python command built with componentize-py
//! (`tests/python/build.sh`; the test is skipped when componentize-py is not installed). It reads
//! its environment and `/data/hello.txt` and talks TCP to a line server on 127.0.0.1 through
//! Python's `socket` module; the policy virtualizes the environment, stdio and files and passes
//! the sockets through.

use std::io::{BufRead, BufReader, ErrorKind, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::OnceLock;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use virtc_run::Outcome;
use virtc_tests::*;

/// Builds the Python component once per process: `Some(bytes)`, or `None` (with the reason
/// printed) when `build.sh` skips because componentize-py is not installed.
fn python_app() -> Option<&'static [u8]> {
    static BUILT: OnceLock<Option<Vec<u8>>> = OnceLock::new();
    BUILT
        .get_or_init(|| toolchain_build("tests/python/build.sh", "target/python/app.wasm"))
        .as_deref()
}

/// A one-shot server on 127.0.0.1: it accepts one connection, answers its `ping` line with
/// `pong` and stops; it gives up 300 s after it started (it starts before the policy is
/// compiled and wasmtime compiles the 40 MB component, which on a loaded 2-core machine has
/// taken over 30 s). Joining it gives the line it read.
struct PingServer {
    addr: SocketAddr,
    thread: JoinHandle<Result<String, String>>,
}

impl PingServer {
    fn start() -> PingServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let deadline = Instant::now() + Duration::from_secs(300);
        let thread = std::thread::spawn(move || {
            let stream = loop {
                match listener.accept() {
                    Ok((stream, _)) => break stream,
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {
                        if Instant::now() >= deadline {
                            return Err("no connection within 300 s".to_string());
                        }
                        std::thread::sleep(Duration::from_millis(10));
                    }
                    Err(e) => return Err(format!("accept: {e}")),
                }
            };
            let left = deadline.saturating_duration_since(Instant::now());
            stream.set_nonblocking(false).map_err(|e| e.to_string())?;
            stream
                .set_read_timeout(Some(left.max(Duration::from_millis(100))))
                .map_err(|e| e.to_string())?;
            let mut line = String::new();
            BufReader::new(&stream)
                .read_line(&mut line)
                .map_err(|e| format!("read: {e}"))?;
            let reply: &[u8] = if line == "ping\n" {
                b"pong\n"
            } else {
                b"unknown\n"
            };
            (&stream)
                .write_all(reply)
                .map_err(|e| format!("write: {e}"))?;
            Ok(line)
        });
        PingServer { addr, thread }
    }

    /// Waits for the server to stop and returns the line it received.
    fn finish(self) -> Result<String, String> {
        self.thread
            .join()
            .expect("the server thread does not panic")
    }
}

/// Checks a run of the app: exit 0 and exactly `expected` on stdout; the server got `ping`.
fn assert_app_run(out: &Outcome, server: PingServer, expected: &str) {
    let stdout = stdout_after_exit(out, 0);
    assert_eq!(stdout, expected, "stderr:\n{}", text(&out.stderr));
    assert_eq!(server.finish().as_deref(), Ok("ping\n"));
}

/// The baseline: `allow all;` leaves the component as it is, and run with the host's
/// environment (no `GREETING`, only `ADDR`) and no directories it finds no greeting and no file,
/// and talks to the server through the host's network. This checks the app, the toolchain's
/// sockets in wasmtime 48 and the server themselves. It also prints the component's imports.
#[test]
fn python_command_under_allow_all_is_unchanged() {
    let Some(app) = python_app() else { return };
    print_interfaces(app);
    assert!(has_import(&exports(app), "wasi:cli/run"));
    for i in [
        "wasi:cli/environment",
        "wasi:filesystem",
        "wasi:sockets/tcp",
        "wasi:cli/exit",
    ] {
        assert!(has_import(&imports(app), i), "{i}: {:?}", imports(app));
    }

    let server = PingServer::start();
    let addr = server.addr.to_string();
    let compiled = compile_ok("allow all;", app);
    assert!(
        compiled.composed.as_deref() == Some(app),
        "allow all must not change the component"
    );
    let out = run(&compiled, &[], &[("ADDR", &addr)], "");
    assert_app_run(&out, server, "greeting=unset\nno file\npong\n");
}

/// The environment, stdio and files virtualized around passed-through sockets: `GREETING` and
/// `ADDR` are virtual (the host's `GREETING=host` is not seen), `/data` is embedded, and the
/// composed component imports neither `wasi:cli/environment` nor `wasi:filesystem`.
///
/// Why each `allow` is there: `sockets` is what is passed through. `exit`, because the app
/// imports `wasi:cli/exit` (componentize-py's runtime imports every wasi:cli interface) and a
/// failing app must report its status, not trap. `random`, because componentize-py's runtime
/// seeds Python's `random` module on the first call into the component (`random.seed()` →
/// `os.urandom` → wasi-libc's `getentropy` → `wasi:random/random.get-random-bytes`), so denied,
/// every run traps before `run` starts. No `clocks`: the app imports both clocks, but neither
/// the runtime nor this app (no timeouts, no `time`) calls them, so their denial, a trap if
/// called, is part of what the test checks. (The composed component still imports
/// `wasi:clocks/monotonic-clock`: `wasi:sockets/tcp` uses its `duration` type.)
#[test]
fn python_command_with_virtual_env_files_and_sockets_passed_through() {
    let Some(app) = python_app() else { return };
    let server = PingServer::start();
    let policy = Policy::new(&format!(
        "allow sockets;\n\
         allow exit;\n\
         allow random;\n\
         env GREETING = \"virtual\";\n\
         env ADDR = \"{}\";\n\
         mount \"/data\" from \"./data\";\n\
         stdout allow;\n",
        server.addr
    ))
    .with_file("data/hello.txt", "hello from data\n");
    let compiled = policy.compile_ok(app);
    for d in &compiled.diagnostics {
        println!("diagnostic: {d:?}");
    }
    let composed = compiled.composed.as_ref().unwrap();
    let imports = imports(composed);
    println!("composed: {} bytes", composed.len());
    for i in &imports {
        println!("  import {i}");
    }
    assert!(!has_import(&imports, "wasi:cli/environment"), "{imports:?}");
    assert!(!has_import(&imports, "wasi:filesystem"), "{imports:?}");
    assert!(has_import(&imports, "wasi:sockets/tcp"), "{imports:?}");
    assert!(composed_directly(composed), "composed by wac, not directly");
    let out = run(&compiled, &[], &[("GREETING", "host")], "");
    assert_app_run(&out, server, "greeting=virtual\nhello from data\npong\n");
}

/// The network under rules and denied: with a `tcp connect` rule for the server, the app's
/// connection goes through the adapter's filter; with no network statement at all, the
/// composed component imports no `wasi:sockets` interface (componentize-py imports all seven),
/// and the app's connection attempt is a Python `PermissionError`, never a trap.
#[test]
fn python_command_under_network_rules_and_denied() {
    let Some(app) = python_app() else { return };
    let server = PingServer::start();
    let base = format!(
        "allow exit;\nallow random;\nenv GREETING = \"virtual\";\nenv ADDR = \"{}\";\nstdout allow;\n",
        server.addr
    );
    let ruled = compile_ok(&format!("{base}tcp connect \"{}\";\n", server.addr), app);
    let composed = ruled.composed.as_ref().unwrap();
    assert!(has_import(&imports(composed), "wasi:sockets/tcp"));
    let out = run(&ruled, &[], &[], "");
    assert_app_run(&out, server, "greeting=virtual\nno file\npong\n");

    let denied = compile_ok(&base, app);
    let composed = denied.composed.as_ref().unwrap();
    let imports = imports(composed);
    println!("denied: {} bytes", composed.len());
    assert!(!has_import(&imports, "wasi:sockets"), "{imports:?}");
    let out = run(&denied, &[], &[], "");
    let stdout = stdout_after_exit(&out, 1);
    assert!(
        stdout.starts_with("greeting=virtual\nno file\nerror: PermissionError"),
        "{stdout}"
    );
}
