//! A guest exporting `wasi:http/incoming-handler`, for the end-to-end tests of HTTP through the
//! adapter. Every request is answered 200:
//!
//! - `POST /echo` streams the request body back chunk by chunk, as it arrives (neither body is
//!   ever held whole), so large bodies cross the adapter's streams in both directions;
//! - anything else gets a text that depends on the request and on what the component can see:
//!
//! ```text
//! greeting=<env GREETING or "unset"> method=<M> path=<path with query> file=<contents of /data/hello.txt or "none">
//! x-echo-<name>: <value>        (one line per request header named x-echo-*, sorted)
//! ```
//!
//! Each request also writes `served <METHOD> <path>` to stdout; a failing stdout (denied) is
//! ignored, so serving never depends on it.

use std::io::Write as _;

use wasi::http::types::{
    Fields, IncomingBody, IncomingRequest, Method, OutgoingBody, OutgoingResponse, ResponseOutparam,
};
use wasi::io::streams::StreamError;

wasi::http::proxy::export!(Server);

struct Server;

/// The size of each read from the request body.
const CHUNK: u64 = 64 * 1024;

impl wasi::exports::http::incoming_handler::Guest for Server {
    fn handle(request: IncomingRequest, out: ResponseOutparam) {
        let method = method_name(&request.method());
        let path = request.path_with_query().unwrap_or_default();
        let _ = writeln!(std::io::stdout(), "served {method} {path}");
        let _ = std::io::stdout().flush();

        let headers = Fields::new();
        let _ = headers.set("content-type", &[b"text/plain".to_vec()]);
        let _ = headers.set("x-served-by", &[b"http-server".to_vec()]);
        let response = OutgoingResponse::new(headers);
        let _ = response.set_status_code(200);
        let body = response.body().expect("a new response has a body");
        // The response goes out before its body is written: the host reads the body while the
        // guest writes it, and a large echo never fills a buffer nobody drains.
        ResponseOutparam::set(out, Ok(response));

        let result = if method == "POST" && path == "/echo" {
            echo(request, &body)
        } else {
            describe(&request, &method, &path, &body)
        };
        match result {
            Ok(()) => {
                let _ = OutgoingBody::finish(body, None);
            }
            Err(e) => {
                let _ = writeln!(std::io::stderr(), "http-server: {e}");
                // Dropping the body unfinished tells the host that the response is incomplete.
                drop(body);
            }
        }
    }
}

fn method_name(method: &Method) -> String {
    match method {
        Method::Get => "GET".into(),
        Method::Head => "HEAD".into(),
        Method::Post => "POST".into(),
        Method::Put => "PUT".into(),
        Method::Delete => "DELETE".into(),
        Method::Connect => "CONNECT".into(),
        Method::Options => "OPTIONS".into(),
        Method::Trace => "TRACE".into(),
        Method::Patch => "PATCH".into(),
        Method::Other(s) => s.clone(),
    }
}

/// The text answer.
fn describe(
    request: &IncomingRequest,
    method: &str,
    path: &str,
    body: &OutgoingBody,
) -> Result<(), String> {
    let greeting = std::env::var("GREETING").unwrap_or_else(|_| "unset".into());
    let file = std::fs::read_to_string("/data/hello.txt").unwrap_or_else(|_| "none".into());
    let mut text = format!("greeting={greeting} method={method} path={path} file={file}\n");
    let mut echoed: Vec<(String, String)> = request
        .headers()
        .entries()
        .into_iter()
        .filter(|(name, _)| name.to_ascii_lowercase().starts_with("x-echo-"))
        .map(|(name, value)| {
            (
                name.to_ascii_lowercase(),
                String::from_utf8_lossy(&value).into_owned(),
            )
        })
        .collect();
    echoed.sort();
    for (name, value) in echoed {
        text.push_str(&format!("{name}: {value}\n"));
    }
    let mut stream = body.write().map_err(|()| "no output stream".to_string())?;
    stream
        .write_all(text.as_bytes())
        .map_err(|e| format!("writing the response: {e}"))?;
    stream
        .blocking_flush()
        .map_err(|e| format!("flushing the response: {e:?}"))
}

/// Streams the request body back: each chunk read is written before the next is read.
fn echo(request: IncomingRequest, body: &OutgoingBody) -> Result<(), String> {
    let incoming = request
        .consume()
        .map_err(|()| "the request body was already consumed".to_string())?;
    let input = incoming
        .stream()
        .map_err(|()| "no request body stream".to_string())?;
    let mut output = body.write().map_err(|()| "no output stream".to_string())?;
    let mut total = 0u64;
    loop {
        match input.blocking_read(CHUNK) {
            Ok(chunk) => {
                total += chunk.len() as u64;
                output
                    .write_all(&chunk)
                    .map_err(|e| format!("writing the echo after {total} bytes: {e}"))?;
            }
            Err(StreamError::Closed) => break,
            Err(StreamError::LastOperationFailed(e)) => {
                return Err(format!(
                    "reading the request after {total} bytes: {}",
                    e.to_debug_string()
                ));
            }
        }
    }
    output
        .blocking_flush()
        .map_err(|e| format!("flushing the echo: {e:?}"))?;
    // Child resources go before their parents.
    drop(output);
    drop(input);
    let _trailers = IncomingBody::finish(incoming);
    let _ = writeln!(std::io::stdout(), "echoed {total} bytes");
    let _ = std::io::stdout().flush();
    Ok(())
}
