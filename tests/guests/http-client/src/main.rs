//! A command making one outgoing HTTP request through `wasi:http/outgoing-handler`, for the
//! end-to-end tests of outgoing HTTP through the adapter. `URL` (from the environment) is
//! `http://HOST:PORT/PATH`; it prints `status: N`, then `body: <text>`, then `done`, reading the
//! response body as a stream. Any failure prints `error: …` to stderr and exits 1.

use wasi::http::outgoing_handler;
use wasi::http::types::{Fields, Method, OutgoingRequest, Scheme};
use wasi::io::streams::StreamError;

fn main() {
    match run() {
        Ok(()) => println!("done"),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}

fn run() -> Result<(), String> {
    let url = std::env::var("URL").map_err(|_| "URL is not set".to_string())?;
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("{url} is not an http:// URL"))?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let headers = Fields::new();
    headers
        .append("x-from", b"http-client")
        .map_err(|e| format!("header: {e:?}"))?;
    let request = OutgoingRequest::new(headers);
    request.set_method(&Method::Get).map_err(|()| "method")?;
    request.set_scheme(Some(&Scheme::Http)).map_err(|()| "scheme")?;
    request.set_authority(Some(authority)).map_err(|()| "authority")?;
    request.set_path_with_query(Some(path)).map_err(|()| "path")?;
    let body = request.body().map_err(|()| "body")?;
    wasi::http::types::OutgoingBody::finish(body, None).map_err(|e| format!("finish: {e:?}"))?;
    let future = outgoing_handler::handle(request, None).map_err(|e| format!("handle: {e:?}"))?;
    let response = loop {
        match future.get() {
            Some(result) => break result,
            None => future.subscribe().block(),
        }
    };
    let response = response
        .map_err(|()| "response taken twice".to_string())?
        .map_err(|e| format!("request failed: {e:?}"))?;
    println!("status: {}", response.status());
    let incoming = response.consume().map_err(|()| "consume")?;
    let stream = incoming.stream().map_err(|()| "stream")?;
    let mut bytes = Vec::new();
    loop {
        match stream.blocking_read(64 * 1024) {
            Ok(chunk) => bytes.extend(chunk),
            Err(StreamError::Closed) => break,
            Err(StreamError::LastOperationFailed(e)) => {
                return Err(format!("reading the body: {}", e.to_debug_string()));
            }
        }
    }
    println!("body: {}", String::from_utf8_lossy(&bytes));
    Ok(())
}
