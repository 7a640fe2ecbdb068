//! Loopback servers and an open host for the network tests: a TCP line server on 127.0.0.1 that
//! the test starts and stops, and a wasmtime context granting every address, so that what a
//! composed component is refused is refused by its adapter, not by the host.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use virtc_run::{Outcome, Status};

/// A line server on 127.0.0.1 for the sockets guest: `ping` → `pong`, `wait` → nothing,
/// `send` → `sent`. Every connection is served in its own thread; all of them stop at the
/// deadline or when the server is finished or dropped.
pub struct LineServer {
    pub addr: SocketAddr,
    stop: Arc<AtomicBool>,
    seen: Arc<Mutex<Vec<String>>>,
    thread: Option<JoinHandle<()>>,
}

impl LineServer {
    pub fn start() -> LineServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let deadline = Instant::now() + Duration::from_secs(60);
        let thread = {
            let (stop, seen) = (stop.clone(), seen.clone());
            std::thread::spawn(move || {
                let mut connections = Vec::new();
                while !stop.load(Ordering::SeqCst) && Instant::now() < deadline {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            let (stop, seen) = (stop.clone(), seen.clone());
                            connections.push(std::thread::spawn(move || {
                                serve_lines(stream, &stop, &seen, deadline)
                            }));
                        }
                        Err(e) if e.kind() == ErrorKind::WouldBlock => {
                            std::thread::sleep(Duration::from_millis(1))
                        }
                        Err(_) => break,
                    }
                }
                for c in connections {
                    let _ = c.join();
                }
            })
        };
        LineServer {
            addr,
            stop,
            seen,
            thread: Some(thread),
        }
    }

    /// Stops the server and returns every line it received, in order.
    pub fn finish(mut self) -> Vec<String> {
        self.stop_and_join();
        self.seen.lock().unwrap().clone()
    }

    fn stop_and_join(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for LineServer {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}

fn serve_lines(mut stream: TcpStream, stop: &AtomicBool, seen: &Mutex<Vec<String>>, end: Instant) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_millis(50)));
    let mut pending = Vec::new();
    let mut buf = [0u8; 1024];
    while !stop.load(Ordering::SeqCst) && Instant::now() < end {
        match stream.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => pending.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => continue,
            Err(_) => return,
        }
        while let Some(i) = pending.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = pending.drain(..=i).collect();
            let line = String::from_utf8_lossy(&line).trim_end().to_string();
            let reply: &[u8] = match line.as_str() {
                "ping" => b"pong\n",
                "wait" => b"",
                "send" => b"sent\n",
                _ => b"unknown\n",
            };
            seen.lock().unwrap().push(line);
            if stream.write_all(reply).is_err() {
                return;
            }
        }
    }
}

/// Runs a command component (composed or not) in a wasmtime context granting TCP, UDP and name
/// lookups to every address, the given environment, an empty stdin and captured output.
pub fn run_open_network(component: &[u8], env: &[(&str, &str)]) -> Outcome {
    use wasmtime::component::{Linker, ResourceTable};
    use wasmtime_wasi::p2::pipe::{MemoryInputPipe, MemoryOutputPipe};
    use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

    struct Host(WasiCtx, ResourceTable);
    impl WasiView for Host {
        fn ctx(&mut self) -> WasiCtxView<'_> {
            WasiCtxView {
                ctx: &mut self.0,
                table: &mut self.1,
            }
        }
    }
    let stdout = MemoryOutputPipe::new(1 << 20);
    let stderr = MemoryOutputPipe::new(1 << 20);
    let mut builder = WasiCtx::builder();
    builder
        .stdin(MemoryInputPipe::new(Vec::new()))
        .stdout(stdout.clone())
        .stderr(stderr.clone())
        .inherit_network()
        .allow_tcp(true)
        .allow_udp(true)
        .allow_ip_name_lookup(true);
    for (k, v) in env {
        builder.env(k, v);
    }
    let engine = virtc_run::engine();
    let component = virtc_run::load(component).unwrap();
    let mut store = wasmtime::Store::new(engine, Host(builder.build(), ResourceTable::new()));
    let mut linker: Linker<Host> = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker).unwrap();
    let command =
        wasmtime_wasi::p2::bindings::sync::Command::instantiate(&mut store, &component, &linker)
            .unwrap();
    let status = match command.wasi_cli_run().call_run(&mut store) {
        Ok(Ok(())) => Status::Exited(0),
        Ok(Err(())) => Status::Exited(1),
        Err(e) => Status::Trapped(format!("{e:#}")),
    };
    Outcome {
        status,
        stdout: stdout.contents().to_vec(),
        stderr: stderr.contents().to_vec(),
    }
}
