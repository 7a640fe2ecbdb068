//! A command making outgoing HTTP requests through `wasi:http/outgoing-handler`, for the
//! end-to-end tests of outgoing HTTP through the adapter.
//!
//! With `TYPES` set it builds fields, requests and responses without sending anything and
//! prints what each operation answers, so that the adapter's own `wasi:http/types` can be
//! compared line by line with wasmtime's.
//!
//! With `URL` (`http://HOST:PORT/PATH`) it makes one GET and prints `status: N`, then
//! `body: <text>`, then `done`; any failure prints `error: …` to stderr and exits 1.
//!
//! With `REQUESTS` (`METHOD URL` entries separated by `;`, the URL `SCHEME://AUTHORITY/PATH`,
//! or `-` for no authority) it makes each in turn and prints one line per request:
//! `METHOD URL -> N, B bytes, fnv H` (the response body read as a stream: its length and
//! FNV-1a hash) or `METHOD URL -> error CODE` (the error `handle` or the response gave). A
//! request whose method is POST or PUT carries a body of `BODY_BYTES` bytes (default 0), byte
//! `i` being `i % 251`, written as a stream after `handle` and announced by content-length.

use wasi::http::outgoing_handler;
use wasi::http::types::{Fields, Method, OutgoingBody, OutgoingRequest, Scheme};
use wasi::io::streams::StreamError;

fn main() {
    if std::env::var("TYPES").is_ok() {
        types_probe();
        return;
    }
    if let Ok(requests) = std::env::var("REQUESTS") {
        let body_bytes: usize = std::env::var("BODY_BYTES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        for entry in requests.split(';').filter(|e| !e.trim().is_empty()) {
            let entry = entry.trim();
            match fetch(entry, body_bytes) {
                Ok(line) => println!("{entry} -> {line}"),
                Err(e) => println!("{entry} -> error {e}"),
            }
        }
        return;
    }
    match run() {
        Ok(()) => println!("done"),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}

fn fnv(hash: &mut u64, bytes: &[u8]) {
    for b in bytes {
        *hash ^= u64::from(*b);
        *hash = hash.wrapping_mul(0x100000001b3);
    }
}

/// One `METHOD URL` request; the status, body length and hash, or the error.
fn fetch(entry: &str, body_bytes: usize) -> Result<String, String> {
    let (method, url) = entry.split_once(' ').ok_or("no method")?;
    let (scheme, rest) = url.split_once("://").ok_or("no scheme")?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let method = match method {
        "GET" => Method::Get,
        "HEAD" => Method::Head,
        "POST" => Method::Post,
        "PUT" => Method::Put,
        "DELETE" => Method::Delete,
        other => Method::Other(other.to_string()),
    };
    let sends_body = matches!(method, Method::Post | Method::Put);
    let headers = Fields::new();
    headers
        .append("x-from", b"http-client")
        .map_err(|e| format!("header: {e:?}"))?;
    if sends_body {
        headers
            .append("content-length", body_bytes.to_string().as_bytes())
            .map_err(|e| format!("header: {e:?}"))?;
    }
    let request = OutgoingRequest::new(headers);
    request.set_method(&method).map_err(|()| "method")?;
    let scheme = match scheme {
        "http" => Scheme::Http,
        "https" => Scheme::Https,
        other => Scheme::Other(other.to_string()),
    };
    request.set_scheme(Some(&scheme)).map_err(|()| "scheme")?;
    let authority = (authority != "-").then_some(authority);
    request.set_authority(authority).map_err(|()| "authority")?;
    request.set_path_with_query(Some(path)).map_err(|()| "path")?;
    let body = request.body().map_err(|()| "body")?;
    let future = outgoing_handler::handle(request, None).map_err(|e| format!("{e:?}"))?;
    let body_bytes = if sends_body { body_bytes } else { 0 };
    {
        let out = body.write().map_err(|()| "body stream")?;
        let mut written = 0;
        let mut chunk = Vec::with_capacity(4096);
        while written < body_bytes {
            chunk.clear();
            let n = (body_bytes - written).min(4096);
            chunk.extend((written..written + n).map(|i| (i % 251) as u8));
            out.blocking_write_and_flush(&chunk)
                .map_err(|e| format!("writing the body: {e:?}"))?;
            written += n;
        }
    }
    OutgoingBody::finish(body, None).map_err(|e| format!("{e:?}"))?;
    let response = loop {
        match future.get() {
            Some(result) => break result,
            None => future.subscribe().block(),
        }
    };
    let response = response
        .map_err(|()| "response taken twice".to_string())?
        .map_err(|e| format!("{e:?}"))?;
    let status = response.status();
    let incoming = response.consume().map_err(|()| "consume")?;
    let stream = incoming.stream().map_err(|()| "stream")?;
    let (mut len, mut hash) = (0usize, 0xcbf29ce484222325u64);
    loop {
        match stream.blocking_read(64 * 1024) {
            Ok(chunk) => {
                len += chunk.len();
                fnv(&mut hash, &chunk);
            }
            Err(StreamError::Closed) => break,
            Err(StreamError::LastOperationFailed(e)) => {
                return Err(format!("reading the body: {}", e.to_debug_string()));
            }
        }
    }
    Ok(format!("{status}, {len} bytes, fnv {hash:016x}"))
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
    OutgoingBody::finish(body, None).map_err(|e| format!("finish: {e:?}"))?;
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

/// Builds fields, requests, responses and bodies and prints every answer.
fn types_probe() {
    use wasi::http::types::OutgoingResponse;
    let f = Fields::new();
    println!("append x-a 1: {:?}", f.append("x-a", b"1"));
    println!("append X-B 2: {:?}", f.append("X-B", b"2"));
    println!("append x-a 3: {:?}", f.append("x-a", b"3"));
    println!("append bad name: {:?}", f.append("a b", b"v"));
    println!("append bad value: {:?}", f.append("x-c", b"a\r\nb"));
    println!("append host: {:?}", f.append("Host", b"example.com"));
    println!("append connection: {:?}", f.append("connection", b"close"));
    println!("get X-A: {:?}", f.get("X-A"));
    println!("has x-b: {} has x-z: {}", f.has("x-b"), f.has("x-z"));
    println!("entries: {:?}", f.entries());
    println!("set x-a [9, 8]: {:?}", f.set("x-a", &[b"9".to_vec(), b"8".to_vec()]));
    println!("entries: {:?}", f.entries());
    println!("delete x-b: {:?}", f.delete("x-b"));
    println!("entries: {:?}", f.entries());
    let c = f.clone();
    println!("clone append: {:?} original: {:?}", c.append("x-d", b"4"), f.entries());
    println!(
        "from-list bad: {:?}",
        Fields::from_list(&[("x-ok".to_string(), b"1".to_vec()), ("bad name".to_string(), b"2".to_vec())]).err()
    );
    println!(
        "from-list forbidden: {:?}",
        Fields::from_list(&[("upgrade".to_string(), b"1".to_vec())]).err()
    );
    let request = OutgoingRequest::new(f);
    println!("method: {:?} scheme: {:?} authority: {:?} path: {:?}", request.method(), request.scheme(), request.authority(), request.path_with_query());
    println!("set method other: {:?}", request.set_method(&Method::Other("PURGE".into())));
    println!("set method bad: {:?}", request.set_method(&Method::Other("BAD METHOD".into())));
    println!("set scheme other: {:?}", request.set_scheme(Some(&Scheme::Other("ftp".into()))));
    println!("set scheme digits: {:?}", request.set_scheme(Some(&Scheme::Other("1x".into()))));
    println!("set scheme bad: {:?}", request.set_scheme(Some(&Scheme::Other("a b".into()))));
    println!("set authority: {:?}", request.set_authority(Some("example.com:8080")));
    println!("set authority bad: {:?}", request.set_authority(Some("exa mple.com")));
    println!("set path: {:?}", request.set_path_with_query(Some("/a/b?c=d")));
    println!("set path bad: {:?}", request.set_path_with_query(Some("/a b")));
    println!("method: {:?} scheme: {:?} authority: {:?} path: {:?}", request.method(), request.scheme(), request.authority(), request.path_with_query());
    let headers = request.headers();
    println!("headers: {:?}", headers.entries());
    println!("headers immutable: {:?}", headers.append("x-e", b"5"));
    let body = request.body();
    println!("body: {} again: {}", body.is_ok(), request.body().is_ok());
    if let Ok(body) = body {
        let stream = body.write();
        println!("write: {} again: {}", stream.is_ok(), body.write().is_ok());
        drop(stream);
        println!("finish: {:?}", OutgoingBody::finish(body, None));
    }
    let response = OutgoingResponse::new(Fields::new());
    println!("status: {}", response.status_code());
    println!("set status 99: {:?} 404: {:?} 1000: {:?}", response.set_status_code(99), response.set_status_code(404), response.set_status_code(1000));
    println!("status: {}", response.status_code());
    println!("response body: {} again: {}", response.body().is_ok(), response.body().is_ok());
    let options = wasi::http::types::RequestOptions::new();
    println!("timeout: {:?} set: {:?} now: {:?}", options.connect_timeout(), options.set_connect_timeout(Some(5_000)), options.connect_timeout());
}
