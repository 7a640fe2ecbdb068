//! Reads and writes LSP messages (`Content-Length` framed JSON) on a byte stream. Not
//! tower-lsp-server's `Server`: that one stops reading at the first body that is not JSON, and
//! lets at most four requests run at once, so edits could queue behind slow requests. Here a
//! malformed message is answered with a JSON-RPC error and reading goes on, and every request
//! runs as its own task while document notifications are applied as they are read.

use std::task::Poll;
use std::time::Duration;

use futures::{FutureExt, SinkExt, StreamExt};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;
use tower::Service;
use tower_lsp_server::jsonrpc::{Error, Id, Request, Response};
use tower_lsp_server::{ClientSocket, Loopback};

use crate::VirtcService;

/// The largest message accepted (a 10,000-line policy is well under 1 MiB).
const MAX_MESSAGE: usize = 256 << 20;

/// How serving ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// `exit` after `shutdown`, or the end of the input.
    Clean,
    /// `exit` without `shutdown` (the process should exit with 1).
    ExitWithoutShutdown,
}

/// Serves `service` on `input`/`output` until `exit` or the end of the input.
pub async fn serve<R, W>(
    input: R,
    output: W,
    mut service: VirtcService,
    socket: ClientSocket,
) -> Ending
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let (out_tx, mut out_rx) = mpsc::unbounded_channel::<Vec<u8>>();
    let writer = tokio::spawn(async move {
        let mut output = output;
        while let Some(body) = out_rx.recv().await {
            let header = format!("Content-Length: {}\r\n\r\n", body.len());
            if output.write_all(header.as_bytes()).await.is_err()
                || output.write_all(&body).await.is_err()
                || output.flush().await.is_err()
            {
                break;
            }
        }
    });
    let send = {
        let out_tx = out_tx.clone();
        move |body: serde_json::Result<Vec<u8>>| {
            if let Ok(body) = body {
                let _ = out_tx.send(body);
            }
        }
    };
    // Requests and notifications from the server to the client.
    let (mut to_client, mut from_client) = Loopback::split(socket);
    let forward = {
        let send = send.clone();
        tokio::spawn(async move {
            while let Some(request) = to_client.next().await {
                send(serde_json::to_vec(&request));
            }
        })
    };

    let mut input = BufReader::new(input);
    let mut shut_down = false;
    let mut ending = Ending::Clean;
    loop {
        let body = match read_message(&mut input).await {
            Frame::Body(body) => body,
            Frame::End => break,
            Frame::Bad => {
                send(serde_json::to_vec(&Response::from_error(
                    Id::Null,
                    Error::parse_error(),
                )));
                continue;
            }
        };
        let value: Value = match serde_json::from_slice(&body) {
            Ok(value) => value,
            Err(_) => {
                send(serde_json::to_vec(&Response::from_error(
                    Id::Null,
                    Error::parse_error(),
                )));
                continue;
            }
        };
        if value.get("method").is_none()
            && value.get("id").is_some()
            && let Ok(response) = serde_json::from_value::<Response>(value.clone())
        {
            // The client answers a request of the server.
            let _ = from_client.send(response).await;
            continue;
        }
        let request: Request = match serde_json::from_value(value.clone()) {
            Ok(request) => request,
            Err(_) => {
                let id = value
                    .get("id")
                    .and_then(|id| serde_json::from_value::<Id>(id.clone()).ok())
                    .unwrap_or(Id::Null);
                send(serde_json::to_vec(&Response::from_error(
                    id,
                    Error::invalid_request(),
                )));
                continue;
            }
        };
        // The service is not ready while `initialize` is answered: wait (it wakes nobody).
        let ready = loop {
            match futures::poll!(futures::future::poll_fn(|cx| service.poll_ready(cx))) {
                Poll::Ready(ready) => break ready.is_ok(),
                Poll::Pending => tokio::time::sleep(Duration::from_millis(1)).await,
            }
        };
        if !ready {
            break;
        }
        let method = request.method().to_string();
        shut_down |= method == "shutdown";
        let answer = service.call(request);
        match method.as_str() {
            // Answered before anything else is read.
            "initialize" | "exit" => {
                if let Ok(Some(response)) = answer.await {
                    send(serde_json::to_vec(&response));
                }
                if method == "exit" {
                    if !shut_down {
                        ending = Ending::ExitWithoutShutdown;
                    }
                    break;
                }
            }
            _ => {
                let send = send.clone();
                let id = value
                    .get("id")
                    .and_then(|id| serde_json::from_value::<Id>(id.clone()).ok());
                tokio::spawn(async move {
                    // A handler that panics (a bug) still gets its request answered.
                    match std::panic::AssertUnwindSafe(answer).catch_unwind().await {
                        Ok(Ok(Some(response))) => send(serde_json::to_vec(&response)),
                        Err(_) => {
                            if let Some(id) = id {
                                let error = Response::from_error(id, Error::internal_error());
                                send(serde_json::to_vec(&error));
                            }
                        }
                        Ok(_) => {}
                    }
                });
            }
        }
    }
    // Stop: the server (and with it the client socket) goes, then what is queued is written.
    drop(service);
    drop(send);
    let _ = tokio::time::timeout(Duration::from_millis(500), forward).await;
    drop(out_tx);
    let _ = tokio::time::timeout(Duration::from_millis(500), writer).await;
    ending
}

enum Frame {
    Body(Vec<u8>),
    /// A header block without a usable `Content-Length` (skipped).
    Bad,
    /// The end of the input (or an input error).
    End,
}

/// Reads one message.
async fn read_message<R: AsyncRead + Unpin>(input: &mut BufReader<R>) -> Frame {
    let mut length = None;
    let mut saw_header = false;
    loop {
        let mut line = Vec::new();
        match input.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => return Frame::End,
            Ok(_) => {}
        }
        let line = String::from_utf8_lossy(&line);
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            if saw_header {
                break;
            }
            // Blank lines between messages.
            continue;
        }
        saw_header = true;
        if let Some((name, value)) = line.split_once(':')
            && name.trim().eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse::<usize>().ok();
        }
    }
    let Some(length) = length.filter(|n| *n <= MAX_MESSAGE) else {
        return Frame::Bad;
    };
    let mut body = vec![0; length];
    match input.read_exact(&mut body).await {
        Ok(_) => Frame::Body(body),
        Err(_) => Frame::End,
    }
}
