//! An in-process client for the server, for its tests and its benchmark: JSON-RPC messages go
//! straight into the service, and what the server sends the client comes out of its socket.

use std::collections::VecDeque;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tower::{Service, ServiceExt};
use tower_lsp_server::jsonrpc::{Request, Response};
use tower_lsp_server::{ClientSocket, Loopback};

type RequestStream = <ClientSocket as Loopback>::RequestStream;
type ResponseSink = <ClientSocket as Loopback>::ResponseSink;

use crate::{Options, VirtcService};

pub struct TestClient {
    service: VirtcService,
    from_server: RequestStream,
    to_server: ResponseSink,
    /// Messages from the server not looked at yet.
    backlog: VecDeque<Request>,
    next_id: i64,
}

impl TestClient {
    /// A server with `options`, initialized with `capabilities`. Call inside a tokio runtime.
    pub async fn start(options: Options, capabilities: Value) -> (TestClient, Value) {
        let (service, socket) = VirtcService::new(options);
        let (from_server, to_server) = Loopback::split(socket);
        let mut client = TestClient {
            service,
            from_server,
            to_server,
            backlog: VecDeque::new(),
            next_id: 0,
        };
        let init = client
            .request("initialize", json!({ "capabilities": capabilities }))
            .await;
        client.notify("initialized", json!({})).await;
        (client, init)
    }

    /// Sends a request and returns the response (`{"result": …}` or `{"error": …}`).
    pub async fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let request = Request::build(method.to_string())
            .params(params)
            .id(self.next_id)
            .finish();
        let response = self.call(request).await;
        let Some(response) = response else {
            return Value::Null;
        };
        let mut value = serde_json::to_value(&response).unwrap_or(Value::Null);
        if let Some(object) = value.as_object_mut() {
            object.remove("jsonrpc");
            object.remove("id");
        }
        value
    }

    /// Sends a notification.
    pub async fn notify(&mut self, method: &str, params: Value) {
        let request = Request::build(method.to_string()).params(params).finish();
        self.call(request).await;
    }

    /// Sends any message, as JSON (for malformed requests).
    pub async fn raw(&mut self, message: Value) -> Option<Value> {
        let request: Request = serde_json::from_value(message).ok()?;
        let response = self.call(request).await?;
        serde_json::to_value(&response).ok()
    }

    async fn call(&mut self, request: Request) -> Option<Response> {
        let service = self.service.ready().await.ok()?;
        let answer = service.call(request);
        // Messages to the client must be read meanwhile, or a server waiting to send them
        // would never answer.
        tokio::pin!(answer);
        loop {
            tokio::select! {
                response = &mut answer => return response.ok().flatten(),
                Some(message) = self.from_server.next() => self.receive(message).await,
            }
        }
    }

    /// Keeps a message from the server, answering its requests (with `null`).
    async fn receive(&mut self, message: Request) {
        if let Some(id) = message.id().cloned() {
            let _ = self
                .to_server
                .send(Response::from_ok(id, Value::Null))
                .await;
        }
        self.backlog.push_back(message);
    }

    /// Waits (up to 10 s) for a notification satisfying `wanted`, dropping the others.
    pub async fn wait_for(&mut self, method: &str, wanted: impl Fn(&Value) -> bool) -> Value {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            while let Some(message) = self.backlog.pop_front() {
                let params = message.params().cloned().unwrap_or(Value::Null);
                if message.method() == method && wanted(&params) {
                    return params;
                }
            }
            match tokio::time::timeout_at(deadline, self.from_server.next()).await {
                Ok(Some(message)) => self.receive(message).await,
                _ => panic!("no {method} notification came"),
            }
        }
    }

    /// The diagnostics published for `uri` at `version` (any version when `None`).
    pub async fn diagnostics(&mut self, uri: &str, version: Option<i64>) -> Value {
        self.wait_for("textDocument/publishDiagnostics", |p| {
            p["uri"] == uri && (version.is_none() || p["version"].as_i64() == version)
        })
        .await
    }

    /// Messages from the server that nothing waited for, draining them.
    pub fn take_backlog(&mut self) -> Vec<Request> {
        self.backlog.drain(..).collect()
    }

    pub fn service(&self) -> &VirtcService {
        &self.service
    }
}
