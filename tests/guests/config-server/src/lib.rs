//! A guest exporting `wasi:http/incoming-handler` that answers every request with what it can
//! see of its configuration and environment, one line each:
//!
//! ```text
//! config <KEY> = <value> | none | error <e>     (for each key of the query, `?keys=a,b`)
//! greeting=<env GREETING or "unset">
//! ```
//!
//! and, when the request path is `/fetch`, the result of an outgoing GET to the URL in the
//! `url` header (`fetch: <status>` or `fetch: error <code>`), so a served component's outgoing
//! requests can be checked too.

use wasi::http::types::{
    Fields, IncomingRequest, Method, OutgoingBody, OutgoingRequest, OutgoingResponse,
    ResponseOutparam, Scheme,
};

mod config {
    wit_bindgen::generate!({
        path: "wit",
        world: "virtc-tests:config-server/config",
        generate_all,
    });
    pub use self::wasi::config::store;
}

wasi::http::proxy::export!(Server);

struct Server;

impl wasi::exports::http::incoming_handler::Guest for Server {
    fn handle(request: IncomingRequest, out: ResponseOutparam) {
        let path = request.path_with_query().unwrap_or_default();
        let mut text = String::new();
        let keys = path
            .split_once("keys=")
            .map(|(_, k)| k.split('&').next().unwrap_or_default())
            .unwrap_or_default();
        for key in keys.split(',').filter(|k| !k.is_empty()) {
            let line = match config::store::get(key) {
                Ok(Some(value)) => format!("config {key} = {value}"),
                Ok(None) => format!("config {key}: none"),
                Err(e) => format!("config {key}: error {e:?}"),
            };
            text.push_str(&line);
            text.push('\n');
        }
        let greeting = std::env::var("GREETING").unwrap_or_else(|_| "unset".into());
        text.push_str(&format!("greeting={greeting}\n"));
        if path.starts_with("/fetch") {
            let url = request
                .headers()
                .get("url")
                .first()
                .map(|v| String::from_utf8_lossy(v).into_owned())
                .unwrap_or_default();
            text.push_str(&format!("fetch: {}\n", fetch(&url)));
        }
        let response = OutgoingResponse::new(Fields::new());
        let _ = response.set_status_code(200);
        let body = response.body().expect("a new response has a body");
        ResponseOutparam::set(out, Ok(response));
        if let Ok(stream) = body.write() {
            let _ = stream.blocking_write_and_flush(text.as_bytes());
        }
        let _ = OutgoingBody::finish(body, None);
    }
}

/// An outgoing GET to `http://AUTHORITY/PATH`: its status or the error.
fn fetch(url: &str) -> String {
    let Some(rest) = url.strip_prefix("http://") else {
        return "error not an http URL".into();
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let request = OutgoingRequest::new(Fields::new());
    let _ = request.set_method(&Method::Get);
    let _ = request.set_scheme(Some(&Scheme::Http));
    let _ = request.set_authority(Some(authority));
    let _ = request.set_path_with_query(Some(if path.is_empty() { "/" } else { path }));
    match wasi::http::outgoing_handler::handle(request, None) {
        Err(e) => format!("error {e:?}"),
        Ok(future) => {
            let response = loop {
                match future.get() {
                    Some(result) => break result,
                    None => future.subscribe().block(),
                }
            };
            match response {
                Ok(Ok(response)) => response.status().to_string(),
                Ok(Err(e)) => format!("error {e:?}"),
                Err(()) => "error taken twice".into(),
            }
        }
    }
}
