//! `virtc lsp` as editors start it: the real binary, speaking JSON-RPC over its stdin and stdout.
//! A whole session (initialize, open, diagnostics, completion, hover, formatting, shutdown,
//! exit), malformed input that must not bring it down, and a real editor's client: headless
//! Neovim, when it is installed (tests/run.sh installs it).

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

struct Server {
    child: Child,
    stdin: Option<ChildStdin>,
    messages: Receiver<Value>,
    next_id: i64,
}

impl Server {
    fn start(cwd: &Path) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_virtc"))
            .arg("lsp")
            .current_dir(cwd)
            .env("XDG_CACHE_HOME", cwd.join("cache"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("virtc starts");
        let stdout = child.stdout.take().unwrap();
        let (tx, messages) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut length = None;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(n) = line.strip_prefix("Content-Length: ") {
                        length = n.parse::<usize>().ok();
                    }
                }
                let mut body = vec![0; length.expect("a Content-Length header")];
                if reader.read_exact(&mut body).is_err() {
                    return;
                }
                let _ = tx.send(serde_json::from_slice(&body).expect("the server sends JSON"));
            }
        });
        Server {
            stdin: child.stdin.take(),
            child,
            messages,
            next_id: 0,
        }
    }

    fn send_raw(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().unwrap();
        stdin.write_all(bytes).unwrap();
        stdin.flush().unwrap();
    }

    fn send(&mut self, message: Value) {
        let body = message.to_string();
        self.send_raw(format!("Content-Length: {}\r\n\r\n{body}", body.len()).as_bytes());
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    /// The next message satisfying `wanted` (others are dropped), within 20 s.
    fn wait(&mut self, what: &str, wanted: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.messages.recv_timeout(left) {
                Ok(message) if wanted(&message) => return message,
                Ok(_) => {}
                Err(_) => panic!("the server sent no {what}"),
            }
        }
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        self.wait(method, |m| m["id"] == id && m.get("method").is_none())
    }

    fn diagnostics(&mut self, uri: &str) -> Value {
        self.wait("diagnostics", |m| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri
        })["params"]
            .clone()
    }

    /// Waits for the process to end by itself.
    fn exit_status(mut self) -> std::process::ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("virtc lsp did not exit");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

fn initialize(server: &mut Server) -> Value {
    let init = server.request(
        "initialize",
        json!({ "processId": null, "capabilities": {} }),
    );
    server.notify("initialized", json!({}));
    init
}

#[test]
fn an_editor_session_over_stdio() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("policy.virt");
    let text = "use std::sandbox;\nallow randon;\nstdout   allow;\n";
    std::fs::write(&path, text).unwrap();
    let uri = uri(&path);
    let mut server = Server::start(dir.path());
    let init = initialize(&mut server);
    assert_eq!(init["result"]["serverInfo"]["name"], "virtc");
    assert_eq!(init["result"]["capabilities"]["positionEncoding"], "utf-16");
    server.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "virt", "version": 1, "text": text } }),
    );
    let diagnostics = server.diagnostics(&uri);
    let codes: Vec<&str> = diagnostics["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    // The same codes as `virtc check` (the typo, and notes for overriding the profile).
    assert_eq!(codes, ["V0010", "V0030"], "{diagnostics:#}");
    let check = Command::new(env!("CARGO_BIN_EXE_virtc"))
        .args(["check", "--color", "never"])
        .arg(&path)
        .output()
        .unwrap();
    let check = String::from_utf8_lossy(&check.stderr);
    for d in diagnostics["diagnostics"].as_array().unwrap() {
        let first_line = d["message"].as_str().unwrap().lines().next().unwrap();
        let code = d["code"].as_str().unwrap();
        assert!(
            check.contains(&format!("[{code}]: {first_line}")),
            "`virtc check` says\n{check}"
        );
    }

    let completion = server.request(
        "textDocument/completion",
        json!({ "textDocument": { "uri": uri }, "position": { "line": 1, "character": 6 } }),
    );
    let labels: Vec<&str> = completion["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert!(
        labels.contains(&"random") && labels.contains(&"clocks"),
        "{labels:?}"
    );

    let hover = server.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri }, "position": { "line": 2, "character": 2 } }),
    );
    let hover = hover["result"]["contents"]["value"].as_str().unwrap();
    assert!(hover.contains("wasi:cli/stdout"), "{hover}");

    let formatting = server.request(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": uri }, "options": { "tabSize": 4, "insertSpaces": true } }),
    );
    assert_eq!(formatting["result"][0]["newText"], "", "{formatting:#}");

    // An edit fixes the typo; the diagnostics follow.
    server.notify(
        "textDocument/didChange",
        json!({
            "textDocument": { "uri": uri, "version": 2 },
            "contentChanges": [{ "range": { "start": { "line": 1, "character": 11 }, "end": { "line": 1, "character": 12 } }, "text": "m" }]
        }),
    );
    let after = server.wait("diagnostics after the edit", |m| {
        m["method"] == "textDocument/publishDiagnostics" && m["params"]["version"] == 2
    });
    assert!(
        after["params"]["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["code"] != "V0010"),
        "{after:#}"
    );

    let shutdown = server.request("shutdown", Value::Null);
    assert_eq!(shutdown["result"], Value::Null);
    server.notify("exit", Value::Null);
    assert!(server.exit_status().success());
}

#[test]
fn malformed_messages_do_not_stop_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(dir.path());
    // Not JSON.
    server.send_raw(b"Content-Length: 5\r\n\r\n{bad}");
    let parse_error = server.wait("a parse error", |m| m["error"]["code"] == -32700);
    assert_eq!(parse_error["id"], Value::Null);
    // No Content-Length.
    server.send_raw(b"garbage\r\n\r\n");
    server.wait("a parse error", |m| m["error"]["code"] == -32700);
    // JSON, but not a request.
    server.send(json!([1, 2]));
    server.wait("an invalid request error", |m| m["error"]["code"] == -32600);
    initialize(&mut server);
    // A method nobody knows, and a known one with nonsense parameters.
    let unknown = server.request("virtc/unknown", json!({}));
    assert_eq!(unknown["error"]["code"], -32601);
    let nonsense = server.request("textDocument/hover", json!([1, 2, 3]));
    assert_eq!(nonsense["error"]["code"], -32602);
    // Garbage text in a document.
    let garbage: String = (0..20_000u32)
        .map(|i| char::from_u32(i.wrapping_mul(2_654_435_761) % 0x10FFFF).unwrap_or('\u{0}'))
        .collect();
    let path = dir.path().join("garbage.virt");
    let uri = uri(&path);
    server.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "virt", "version": 1, "text": garbage } }),
    );
    server.diagnostics(&uri);
    let hover = server.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri }, "position": { "line": 3, "character": 5 } }),
    );
    assert!(hover.get("error").is_none(), "{hover}");
    // Still alive and answering.
    let shutdown = server.request("shutdown", Value::Null);
    assert!(shutdown.get("error").is_none());
    server.notify("exit", Value::Null);
    assert!(server.exit_status().success());
}

#[test]
fn exit_without_shutdown_is_a_failure() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(dir.path());
    initialize(&mut server);
    server.notify("exit", Value::Null);
    assert_eq!(server.exit_status().code(), Some(1));
}

#[test]
fn it_exits_when_its_input_closes() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(dir.path());
    initialize(&mut server);
    server.stdin.take();
    assert!(server.exit_status().success());
}

/// The repository root.
fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A real editor: headless Neovim with the plugin of `editors/neovim`, opening a policy with
/// an error, receiving its diagnostics and a completion list.
#[test]
fn neovim_as_the_client() {
    let nvim = std::env::var("VIRTC_NVIM").unwrap_or_else(|_| "nvim".into());
    if Command::new(&nvim).arg("--version").output().is_err() {
        println!("skipped: Neovim (`{nvim}`) is not installed; tests/run.sh installs it");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("policy.virt"), "allow randon;\nallow \n").unwrap();
    let out = dir.path().join("result.txt");
    let mut child = Command::new(&nvim)
        .args(["--headless", "--clean", "-u"])
        .arg(repo().join("editors/neovim/test/lsp_client.lua"))
        .env("VIRTC", env!("CARGO_BIN_EXE_virtc"))
        .env("VIRTC_NVIM_PLUGIN", repo().join("editors/neovim"))
        .env("VIRTC_TEST_FILE", dir.path().join("policy.virt"))
        .env("VIRTC_TEST_OUT", &out)
        .env("XDG_CACHE_HOME", dir.path().join("cache"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("Neovim did not finish");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let result = std::fs::read_to_string(&out).unwrap_or_default();
    println!("{result}");
    assert!(status.success(), "Neovim failed: {result}");
    assert!(result.contains("diagnostic V0010"), "{result}");
    assert!(result.contains("completion random"), "{result}");
}
