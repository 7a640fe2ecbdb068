//! `virtc run` on a component exporting `wasi:http/incoming-handler`: the real binary serves it
//! on 127.0.0.1 (port 0, read back from its first line), each request under the policy; a
//! handler that traps is answered 500 and the server keeps serving; `--config` fills the host's
//! config store (seen here through a command).
//!
//! Every wait is bounded: the first line arrives through a channel with a timeout, sockets have
//! read and write timeouts, loops have a deadline, and a server is killed by its handle when its
//! test ends (or panics).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Composing and compiling with wasmtime in a debug build, on a busy machine.
const STARTUP: Duration = Duration::from_secs(180);
/// One request, from connecting to the end of the response.
const REQUEST: Duration = Duration::from_secs(60);

fn http_server_wasm() -> PathBuf {
    virtc_tests::guest_path("http_server")
}

/// A component whose `wasi:http/incoming-handler.handle` traps at once.
const TRAPPING_HANDLER: &str = r#"
(component
  (import "wasi:http/types@0.2.12" (instance $types
    (export "incoming-request" (type (sub resource)))
    (export "response-outparam" (type (sub resource)))
  ))
  (alias export $types "incoming-request" (type $incoming-request))
  (alias export $types "response-outparam" (type $response-outparam))
  (core module $m
    (func (export "handle") (param i32 i32) unreachable)
  )
  (core instance $i (instantiate $m))
  (func $handle
    (param "request" (own $incoming-request))
    (param "response-out" (own $response-outparam))
    (canon lift (core func $i "handle")))
  (instance $handler
    (export "incoming-request" (type $incoming-request))
    (export "response-outparam" (type $response-outparam))
    (export "handle" (func $handle)))
  (export "wasi:http/incoming-handler@0.2.12" (instance $handler))
)
"#;

/// A `virtc run` process serving on a port of 127.0.0.1; killed when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
    /// The lines of its stdout after the first.
    stdout: Receiver<String>,
    /// Everything it wrote to stderr so far.
    stderr: Arc<Mutex<String>>,
}

impl Server {
    /// Starts `virtc run POLICY COMPONENT --addr 127.0.0.1:0`, with GREETING=host in its
    /// environment, and waits (bounded) for its `virtc: serving http://ADDR` line.
    fn start(policy: &Path, component: &Path) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_virtc"))
            .arg("run")
            .arg(policy)
            .arg(component)
            .args(["--addr", "127.0.0.1:0"])
            .env("GREETING", "host")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("virtc starts");
        let (lines, stdout) = mpsc::channel();
        let out = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                if lines.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let err = child.stderr.take().unwrap();
        let sink = stderr.clone();
        std::thread::spawn(move || {
            let mut err = BufReader::new(err);
            let mut buf = [0u8; 4096];
            while let Ok(n) = err.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        let mut server = Server {
            child,
            addr: "127.0.0.1:0".parse().unwrap(),
            stdout,
            stderr,
        };
        let first = match server.stdout.recv_timeout(STARTUP) {
            Ok(line) => line,
            Err(e) => panic!(
                "no first line within {STARTUP:?} ({e}); stderr:\n{}",
                server.stderr()
            ),
        };
        let addr = first
            .strip_prefix("virtc: serving http://")
            .unwrap_or_else(|| panic!("unexpected first line: {first:?}"));
        server.addr = addr.parse().expect("the line holds an address");
        assert!(server.addr.ip().is_loopback(), "{first}");
        assert_ne!(server.addr.port(), 0, "{first}");
        server
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// The next line of its stdout, waiting at most `timeout`.
    fn next_line(&self, timeout: Duration) -> Option<String> {
        self.stdout.recv_timeout(timeout).ok()
    }

    /// `GET path`, or panics with the server's stderr.
    fn get(&self, path: &str) -> Response {
        get(self.addr, path)
            .unwrap_or_else(|e| panic!("GET {path} failed: {e}; stderr:\n{}", self.stderr()))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug)]
struct Response {
    status: u16,
    /// Header lines as sent.
    head: String,
    body: String,
}

/// One raw HTTP/1.1 request with `connection: close`; the response read to its end.
fn get(addr: SocketAddr, path: &str) -> Result<Response, String> {
    let deadline = Instant::now() + REQUEST;
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(10))
        .map_err(|e| format!("connect: {e}"))?;
    stream.set_read_timeout(Some(REQUEST)).unwrap();
    stream.set_write_timeout(Some(REQUEST)).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n\r\n"
    )
    .map_err(|e| format!("write: {e}"))?;
    let mut raw = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        if Instant::now() > deadline {
            return Err(format!("no end of response within {REQUEST:?}"));
        }
        match stream.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => raw.extend_from_slice(&chunk[..n]),
            Err(e) => return Err(format!("read: {e}")),
        }
    }
    parse(&raw)
}

fn parse(raw: &[u8]) -> Result<Response, String> {
    let text = String::from_utf8_lossy(raw);
    let (head, rest) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("no end of head: {text:?}"))?;
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("no status: {head:?}"))?;
    let chunked = head
        .lines()
        .any(|l| l.eq_ignore_ascii_case("transfer-encoding: chunked"));
    let body = if chunked {
        dechunk(rest)?
    } else {
        rest.to_string()
    };
    Ok(Response {
        status,
        head: head.to_string(),
        body,
    })
}

/// Decodes a chunked body (ASCII sizes, no extensions expected).
fn dechunk(mut rest: &str) -> Result<String, String> {
    let mut body = String::new();
    // At most one chunk per byte.
    for _ in 0..=rest.len() {
        let (size, after) = rest
            .split_once("\r\n")
            .ok_or_else(|| format!("bad chunk: {rest:?}"))?;
        let size = usize::from_str_radix(size.split(';').next().unwrap().trim(), 16)
            .map_err(|e| format!("bad chunk size {size:?}: {e}"))?;
        if size == 0 {
            return Ok(body);
        }
        if after.len() < size + 2 {
            return Err(format!("short chunk: {after:?}"));
        }
        body.push_str(&after[..size]);
        rest = &after[size + 2..];
    }
    Err("too many chunks".into())
}

/// A temporary directory holding `policy.virt`.
fn policy(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("policy.virt");
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

/// Runs `virtc ARGS` to its end (killed after `STARTUP`): exit code, stdout, stderr.
fn virtc(args: &[&std::ffi::OsStr]) -> (Option<i32>, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_virtc"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("virtc starts");
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let deadline = Instant::now() + STARTUP;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("virtc did not end within {STARTUP:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let stdout = reader.join().unwrap();
    let stderr = err_reader.join().unwrap();
    assert!(!stderr.contains("panicked"), "virtc panicked:\n{stderr}");
    (status.code(), stdout, stderr)
}

#[test]
fn serves_each_request_under_the_policy() {
    let (_dir, policy) = policy("env GREETING = \"virtual\";\nstdout allow;\n");
    let server = Server::start(&policy, &http_server_wasm());
    for path in ["/hello?name=world", "/again"] {
        let response = server.get(path);
        assert_eq!(response.status, 200, "{response:?}");
        assert!(
            response
                .head
                .to_ascii_lowercase()
                .contains("x-served-by: http-server"),
            "{response:?}"
        );
        assert_eq!(
            response.body,
            format!("greeting=virtual method=GET path={path} file=none\n")
        );
        assert!(!response.body.contains("greeting=host"), "{response:?}");
        // stdout is allowed: the component's log line reaches the process's stdout.
        assert_eq!(
            server.next_line(REQUEST).as_deref(),
            Some(format!("served GET {path}").as_str()),
            "stderr:\n{}",
            server.stderr()
        );
    }
}

#[test]
fn a_trapping_handler_is_answered_500_and_serving_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let component = dir.path().join("trap.wasm");
    std::fs::write(&component, wat::parse_str(TRAPPING_HANDLER).unwrap()).unwrap();
    let policy = dir.path().join("policy.virt");
    std::fs::write(&policy, "stdout allow;\n").unwrap();
    let server = Server::start(&policy, &component);
    for _ in 0..2 {
        let response = server.get("/");
        assert_eq!(response.status, 500, "{response:?}");
        assert_eq!(response.body, "500 Internal Server Error\n");
    }
    // The reason is on stderr (bounded wait for the second line to arrive).
    let deadline = Instant::now() + REQUEST;
    while server.stderr().matches("trapped").count() < 2 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let stderr = server.stderr();
    assert_eq!(
        stderr
            .matches("virtc: GET /: the component trapped")
            .count(),
        2,
        "{stderr}"
    );
}

#[test]
fn config_values_reach_a_command() {
    let (_dir, policy) =
        policy("stdout allow;\nenv KEYS = \"APP_NAME,OTHER\";\nconfig allow \"APP_*\";\n");
    let component = virtc_tests::guest_path("config-reader");
    let (code, stdout, stderr) = virtc(&[
        "run".as_ref(),
        policy.as_os_str(),
        component.as_os_str(),
        "--config".as_ref(),
        "APP_NAME=from=cli".as_ref(),
        "--config".as_ref(),
        "OTHER=hidden".as_ref(),
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        stdout,
        "get APP_NAME = \"from=cli\"\nget OTHER: none\nall: APP_NAME=\"from=cli\"\n"
    );
}

#[test]
fn addr_for_a_command_and_bad_config_are_errors() {
    let (_dir, policy) = policy("stdout allow;\n");
    let component = virtc_tests::guest_path("config-reader");
    let (code, stdout, stderr) = virtc(&[
        "run".as_ref(),
        policy.as_os_str(),
        component.as_os_str(),
        "--addr".as_ref(),
        "127.0.0.1:0".as_ref(),
    ]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr.contains("--addr 127.0.0.1:0 serves an HTTP handler, but this is a command"),
        "{stderr}"
    );

    let (code, _, stderr) = virtc(&[
        "run".as_ref(),
        policy.as_os_str(),
        component.as_os_str(),
        "--config".as_ref(),
        "no-value".as_ref(),
    ]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("`no-value` is not KEY=VALUE"), "{stderr}");
}

#[test]
fn run_help_shows_serving() {
    let (code, stdout, stderr) = virtc(&["run".as_ref(), "--help".as_ref()]);
    assert_eq!(code, Some(0), "{stderr}");
    for needle in [
        "--addr <ADDR>",
        "--config <KEY=VALUE>",
        "wasi:http/incoming-handler",
        "virtc: serving http://ADDR",
        "--addr 127.0.0.1:0",
    ] {
        assert!(stdout.contains(needle), "lacks `{needle}`:\n{stdout}");
    }
}
