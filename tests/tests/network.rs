//! The network: a `wasi:http/incoming-handler` guest served in-process through the adapter
//! (`virtc_tests::serve`), and a sockets client talking to a line server on 127.0.0.1, both with
//! the environment, stdio and files virtualized around the passed-through network, and both
//! under `allow all;` as the baseline (the component is then left as it is).

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use virtc_run::{Outcome, Status};
use virtc_tests::net::{LineServer, run_open_network};
use virtc_tests::serve::{Request, Response, ServeHost, Server};
use virtc_tests::*;

/// The HTTP guest (a cdylib: its file name has an underscore).
const HTTP_SERVER: &str = "http_server";
/// The sockets guest.
const NET_CLIENT: &str = "net-client";

/// The host's environment in every test: what a virtual `GREETING` must hide.
const HOST_ENV: &[(&str, &str)] = &[("GREETING", "host"), ("HOME", "/root")];

/// Four MiB of varied bytes (a zero-filled body would hide reordered or repeated chunks).
fn big_body() -> Vec<u8> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..4 << 20)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// A server for `component` with the test host's environment.
fn server(component: &[u8]) -> Server {
    Server::new(component, ServeHost::with_env(HOST_ENV)).expect("the component can be served")
}

/// GET with a query and three headers, two of which are echoed.
fn get_hello(server: &Server) -> Response {
    let response = server
        .handle(
            Request::get("/hello?name=world")
                .header("x-echo-b", "2")
                .header("x-echo-a", "1")
                .header("x-other", "not echoed"),
        )
        .expect("GET /hello is served");
    assert_eq!(response.status, 200, "{}", text(&response.stderr));
    assert_eq!(response.header("x-served-by"), Some("http-server"));
    response
}

fn hello_text(greeting: &str, file: &str) -> String {
    format!(
        "greeting={greeting} method=GET path=/hello?name=world file={file}\nx-echo-a: 1\nx-echo-b: 2\n"
    )
}

/// POSTs four MiB to `/echo` and checks they come back byte for byte.
fn assert_echoes(server: &Server) -> Response {
    let body = big_body();
    let response = server
        .handle(Request::post("/echo", body.clone()))
        .expect("POST /echo is served");
    assert_eq!(response.status, 200, "{}", text(&response.stderr));
    assert_eq!(response.body.len(), body.len(), "echoed length");
    assert!(response.body == body, "the echo differs from the request");
    response
}

/// The guest as built, served with no adapter: it reads the host's environment, finds no
/// `/data`, echoes headers, logs to stdout and streams a large body back. This checks the guest
/// and the harness themselves.
#[test]
fn http_guest_uncomposed() {
    let server = server(&guest(HTTP_SERVER));
    let response = get_hello(&server);
    assert_eq!(response.text(), hello_text("host", "none"));
    assert_eq!(text(&response.stdout), "served GET /hello?name=world\n");
    let echo = assert_echoes(&server);
    assert_eq!(
        text(&echo.stdout),
        format!("served POST /echo\nechoed {} bytes\n", 4 << 20)
    );
}

/// The harness bounds its waits: a request whose body never ends leaves the echoing guest
/// blocked in a read, and the request fails at the timeout instead of hanging the test (the
/// next request is served as usual).
#[test]
fn http_harness_times_out_a_request_that_never_ends() {
    let host = ServeHost {
        timeout: Duration::from_secs(2),
        ..ServeHost::with_env(HOST_ENV)
    };
    let server = Server::new(&guest(HTTP_SERVER), host).unwrap();
    let started = Instant::now();
    let error = server
        .handle(Request::post("/echo", "partial").stalled())
        .expect_err("a stalled request cannot complete");
    assert!(started.elapsed() < Duration::from_secs(10), "{error:#}");
    assert!(
        format!("{error:#}").contains("did not end within"),
        "{error:#}"
    );
    assert_eq!(get_hello(&server).text(), hello_text("host", "none"));
}

/// `allow all;` leaves the component as it is, and it serves exactly as uncomposed.
#[test]
fn http_allow_all_is_the_component_unchanged() {
    let input = guest(HTTP_SERVER);
    let compiled = compile_ok("allow all;", &input);
    let composed = compiled.composed.as_ref().unwrap();
    assert!(
        *composed == input,
        "allow all must not change the component"
    );
    let server = server(composed);
    let response = get_hello(&server);
    assert_eq!(response.text(), hello_text("host", "none"));
    assert_echoes(&server);
}

/// A virtual `GREETING` wins over the host's and the host environment is not imported at all;
/// files are denied (no `wasi:filesystem`, the guest finds no `/data`); HTTP and stdout pass
/// through, so the request is served and its log line reaches the host.
#[test]
fn http_with_virtual_env_and_stdout_allowed() {
    let compiled = compile_ok(
        "env GREETING = \"virtual\"; allow http; stdout allow;",
        &guest(HTTP_SERVER),
    );
    let composed = compiled.composed.as_ref().unwrap();
    let imports = imports(composed);
    assert!(!has_import(&imports, "wasi:cli/environment"), "{imports:?}");
    assert!(!has_import(&imports, "wasi:filesystem"), "{imports:?}");
    assert!(has_import(&imports, "wasi:http/types"), "{imports:?}");
    assert!(
        has_import(&exports(composed), "wasi:http/incoming-handler"),
        "{:?}",
        exports(composed)
    );
    let server = server(composed);
    let response = get_hello(&server);
    assert_eq!(response.text(), hello_text("virtual", "none"));
    assert_eq!(text(&response.stdout), "served GET /hello?name=world\n");
    assert_echoes(&server);
}

/// Serving needs no `allow http;`: under a policy that allows no outgoing request the output
/// imports the host's `wasi:http/types` (for the requests it serves) but no `outgoing-handler`,
/// and it serves as usual, large bodies streamed both ways.
#[test]
fn http_served_while_outgoing_requests_are_denied() {
    let compiled = compile_ok(
        "env GREETING = \"virtual\"; stdout allow;",
        &guest(HTTP_SERVER),
    );
    let composed = compiled.composed.as_ref().unwrap();
    let imports = imports(composed);
    assert!(has_import(&imports, "wasi:http/types"), "{imports:?}");
    assert!(
        !has_import(&imports, "wasi:http/outgoing-handler"),
        "{imports:?}"
    );
    assert!(!has_import(&imports, "wasi:cli/environment"), "{imports:?}");
    let server = server(composed);
    assert_eq!(get_hello(&server).text(), hello_text("virtual", "none"));
    assert_echoes(&server);
}

/// Ignored and denied stdout: the guest's log line goes nowhere (its write fails when denied),
/// and serving is unaffected, large bodies included.
#[test]
fn http_with_stdout_ignored_or_denied() {
    for mode in ["ignore", "deny"] {
        let compiled = compile_ok(
            &format!("env GREETING = \"virtual\"; allow http; stdout {mode};"),
            &guest(HTTP_SERVER),
        );
        let composed = compiled.composed.as_ref().unwrap();
        let imports = imports(composed);
        assert!(
            !has_import(&imports, "wasi:cli/stdout"),
            "{mode}: {imports:?}"
        );
        assert!(
            !has_import(&imports, "wasi:cli/environment"),
            "{mode}: {imports:?}"
        );
        let server = server(composed);
        let response = get_hello(&server);
        assert_eq!(response.text(), hello_text("virtual", "none"), "{mode}");
        assert_eq!(text(&response.stdout), "", "{mode}");
        let echo = assert_echoes(&server);
        assert_eq!(text(&echo.stdout), "", "{mode}");
    }
}

/// An embedded `/data` mount beside the virtual environment: the guest reads the embedded
/// file, imports neither `wasi:filesystem` nor `wasi:cli/environment`, and still streams four
/// MiB through the adapter and back.
#[test]
fn http_with_embedded_file_and_large_echo() {
    let policy = Policy::new(
        "env GREETING = \"virtual\"; allow http; stdout allow; mount \"/data\" from \"./data\";",
    )
    .with_file("data/hello.txt", "hello from data");
    let compiled = policy.compile_ok(&guest(HTTP_SERVER));
    let composed = compiled.composed.as_ref().unwrap();
    let imports = imports(composed);
    assert!(!has_import(&imports, "wasi:cli/environment"), "{imports:?}");
    assert!(!has_import(&imports, "wasi:filesystem"), "{imports:?}");
    let server = server(composed);
    let response = get_hello(&server);
    assert_eq!(response.text(), hello_text("virtual", "hello from data"));
    let echo = assert_echoes(&server);
    assert_eq!(
        text(&echo.stdout),
        format!("served POST /echo\nechoed {} bytes\n", 4 << 20)
    );
    // A second request in a fresh instance sees the same.
    assert_eq!(
        get_hello(&server).text(),
        hello_text("virtual", "hello from data")
    );
}

/// What the sockets guest prints after its lookup line, given how it sees `/data/hello.txt`.
fn client_output_after_lookup(file: &str) -> String {
    format!("reply: pong\nfile: {file}\npoll mixed: [1]\npoll socket: [0]\nreply: sent\ndone\n")
}

/// Checks a run of the sockets guest against the line server: its lookup of `localhost`, then
/// the exchanges and polls.
fn assert_client_run(out: &Outcome, server: LineServer, file: &str) {
    let stdout = stdout_after_exit(out, 0);
    let (lookup, rest) = stdout.split_once('\n').unwrap_or((&stdout, ""));
    assert!(
        lookup.starts_with("lookup localhost: ok ") && lookup.contains("127.0.0.1"),
        "{stdout}"
    );
    assert_eq!(rest, client_output_after_lookup(file));
    assert_eq!(server.finish(), ["ping", "wait", "send"]);
}

/// The sockets guest as built, run with no adapter and no virtc (its own wasmtime context
/// granting the network, `ADDR` and `NAME` from the host): checks the guest and the line server
/// themselves.
#[test]
fn tcp_client_uncomposed() {
    let server = LineServer::start();
    let addr = server.addr.to_string();
    let out = run_open_network(
        &guest(NET_CLIENT),
        &[("ADDR", &addr), ("NAME", "localhost")],
    );
    assert_client_run(&out, server, "none NotFound");
}

/// `allow all;` leaves the sockets guest as it is; it runs as uncomposed.
#[test]
fn tcp_client_allow_all_is_the_component_unchanged() {
    let server = LineServer::start();
    let addr = server.addr.to_string();
    let input = guest(NET_CLIENT);
    let compiled = compile_ok("allow all;", &input);
    assert!(
        *compiled.composed.as_ref().unwrap() == input,
        "allow all must not change the component"
    );
    let out = run(
        &compiled,
        &[],
        &[("ADDR", &addr), ("NAME", "localhost")],
        "",
    );
    assert_client_run(&out, server, "none NotFound");
}

/// Sockets passed through while the environment, stdin and files are virtualized: `ADDR` and
/// `NAME` are virtual (the host's are other values), `/data` is embedded, stdin is closed by
/// the adapter. The guest resolves `localhost`, talks to the line server through std and
/// through `wasi:sockets`, and one `poll` over a host socket that is not ready and the
/// adapter's closed stdin returns the stdin index alone; the socket alone, once the server has
/// sent, returns index 0. (stderr and exit pass through so that a failure is reported; the
/// guest calls neither when it succeeds, nor clocks or random.)
#[test]
fn tcp_client_with_virtual_env_stdin_and_files() {
    let server = LineServer::start();
    let policy = Policy::new(&format!(
        "allow sockets; stdin deny; env ADDR = \"{}\"; env NAME = \"localhost\";\n\
         mount \"/data\" from \"./data\"; stdout allow; stderr allow; allow exit;",
        server.addr
    ))
    .with_file("data/hello.txt", "hello from data\n");
    let compiled = policy.compile_ok(&guest(NET_CLIENT));
    let composed = compiled.composed.as_ref().unwrap();
    let imports = imports(composed);
    assert!(!has_import(&imports, "wasi:cli/environment"), "{imports:?}");
    assert!(!has_import(&imports, "wasi:cli/stdin"), "{imports:?}");
    assert!(!has_import(&imports, "wasi:filesystem"), "{imports:?}");
    assert!(has_import(&imports, "wasi:sockets/tcp"), "{imports:?}");
    let out = run(
        &compiled,
        &[],
        &[("ADDR", "127.0.0.1:1"), ("NAME", "host.invalid")],
        "host stdin",
    );
    assert_client_run(&out, server, "\"hello from data\\n\"");
}

/// The interfaces of the two guests as built (printed for the record with `--nocapture`): the
/// HTTP guest exports `wasi:http/incoming-handler` and no `wasi:cli/run`; the sockets guest is a
/// command importing TCP, name lookup and poll.
#[test]
fn guest_interfaces() {
    for name in [HTTP_SERVER, NET_CLIENT] {
        let bytes = guest(name);
        println!("{name}.wasm: {} bytes", bytes.len());
        for i in imports(&bytes) {
            println!("  import {i}");
        }
        for e in exports(&bytes) {
            println!("  export {e}");
        }
    }
    let http = guest(HTTP_SERVER);
    assert!(has_import(&exports(&http), "wasi:http/incoming-handler"));
    assert!(!has_import(&exports(&http), "wasi:cli/run"));
    for i in ["wasi:http/types", "wasi:cli/environment", "wasi:filesystem"] {
        assert!(has_import(&imports(&http), i), "{i}: {:?}", imports(&http));
    }
    let client = guest(NET_CLIENT);
    assert!(has_import(&exports(&client), "wasi:cli/run"));
    for i in [
        "wasi:sockets/tcp",
        "wasi:sockets/ip-name-lookup",
        "wasi:io/poll",
        "wasi:cli/stdin",
    ] {
        assert!(
            has_import(&imports(&client), i),
            "{i}: {:?}",
            imports(&client)
        );
    }
}

/// Versions are per package, as componentize-js builds them: a server importing
/// `wasi:http@0.2.10` beside `wasi:cli@0.2.12` gets an output importing each at its own
/// version, and is served.
#[test]
fn http_with_mixed_package_versions() {
    let component = rename_imports(&guest(HTTP_SERVER), |name| {
        if name.starts_with("wasi:http/") {
            name.replace("@0.2.12", "@0.2.10")
        } else {
            name.to_owned()
        }
    });
    let input = imports(&component);
    assert!(
        input.contains(&"wasi:http/types@0.2.10".to_string()),
        "{input:?}"
    );
    let compiled = compile_ok(
        "env GREETING = \"virtual\"; allow http; stdout allow;",
        &component,
    );
    let composed = compiled.composed.as_ref().unwrap();
    let out = imports(composed);
    assert!(
        out.contains(&"wasi:http/types@0.2.10".to_string()),
        "{out:?}"
    );
    assert!(
        out.contains(&"wasi:cli/stdout@0.2.12".to_string()),
        "{out:?}"
    );
    assert!(
        !out.iter()
            .any(|i| i.starts_with("wasi:http/") && !i.ends_with("@0.2.10")),
        "{out:?}"
    );
    let server = server(composed);
    assert_eq!(get_hello(&server).text(), hello_text("virtual", "none"));
}

/// A one-route HTTP/1.1 server on 127.0.0.1 for the outgoing-HTTP test: answers every request
/// whose head has `GET /x` and the guest's `x-from` header with `hello`, anything else with 400.
/// Bounded: it stops after `max` connections or 30 s, whichever comes first.
fn http_origin(max: usize) -> (SocketAddr, JoinHandle<Vec<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    let handle = std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut heads = Vec::new();
        while heads.len() < max && Instant::now() < deadline {
            let (mut stream, _) = match listener.accept() {
                Ok(conn) => conn,
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    std::thread::sleep(Duration::from_millis(5));
                    continue;
                }
                Err(e) => panic!("accept: {e}"),
            };
            stream.set_nonblocking(false).unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && head.len() < 16 << 10 {
                match stream.read(&mut byte) {
                    Ok(1) => head.push(byte[0]),
                    _ => break,
                }
            }
            let head = String::from_utf8_lossy(&head).to_lowercase();
            let ok = head.starts_with("get /x ") && head.contains("x-from: http-client");
            let reply: &[u8] = if ok {
                b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\nconnection: close\r\n\r\nhello"
            } else {
                b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
            };
            let _ = stream.write_all(reply);
            heads.push(head);
        }
        heads
    });
    (addr, handle)
}

/// Outgoing HTTP through the adapter's `wasi:http/types` and `outgoing-handler`: the request
/// (method, scheme, authority, path, a header, an empty body) reaches a loopback server as the
/// component wrote it and the response body streams back, with the environment and stdin
/// virtualized. (wasmtime's client resets about one loopback request in a hundred: up to three
/// tries.)
#[test]
fn http_client_through_the_adapter() {
    let (addr, origin) = http_origin(3);
    let compiled = compile_ok(
        &format!("allow http; stdout allow; stderr allow; env URL = \"http://{addr}/x\";"),
        &guest("http-client"),
    );
    let out = imports(compiled.composed.as_ref().unwrap());
    assert!(!has_import(&out, "wasi:cli/environment"), "{out:?}");
    assert!(has_import(&out, "wasi:http/outgoing-handler"), "{out:?}");
    let mut last = None;
    for _ in 0..3 {
        let outcome = run(&compiled, &[], HOST_ENV, "");
        if outcome.status == Status::Exited(0) {
            last = Some(outcome);
            break;
        }
        last = Some(outcome);
    }
    let outcome = last.unwrap();
    assert_eq!(
        (outcome.status.clone(), text(&outcome.stdout)),
        (
            Status::Exited(0),
            "status: 200\nbody: hello\ndone\n".to_string()
        ),
        "stderr: {}",
        text(&outcome.stderr)
    );
    drop(compiled);
    // Unblock the origin if fewer than three connections came.
    for _ in 0..3 {
        let _ = TcpStream::connect(addr);
    }
    let heads = origin.join().unwrap();
    assert!(heads[0].starts_with("get /x "), "{heads:?}");
}
