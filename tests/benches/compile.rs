//! How long virtc takes on the pong example, and how much the adapter adds to it.
//!
//! Run with `cargo bench -p virtc-tests --bench compile`; it prints its figures (no harness). Every
//! measured run uses a fresh `Database`, since salsa caches results per database. The first run
//! also pays for one-time work of the process (parsing the prebuilt adapter module), so it is
//! reported separately as "first" and the minimum and median are the steady state.

use std::path::Path;
use std::time::{Duration, Instant};

use virtc::db::Database;
use virtc::driver::{self, Compiled, Failure, Input};
use virtc_tests::{pong_path, repo};

const RUNS: usize = 20;

fn ok<T>(result: Result<T, Failure>) -> T {
    match result {
        Ok(value) => value,
        Err(Failure::Input(message)) => panic!("input error: {message}"),
        Err(Failure::Policy(diagnostics)) => panic!("policy errors: {diagnostics:#?}"),
    }
}

/// Loads the policy into a fresh database and compiles it, with the component if given.
fn compile(policy: &Path, component: Option<&[u8]>) -> Compiled {
    let db = Database::default();
    let root = ok(driver::load_policy(&db, policy));
    let input = component.map(|bytes| Input {
        name: "pong.wasm",
        bytes,
    });
    ok(driver::compile(&db, root, input.as_ref(), None))
}

/// Times `runs` calls of `f` and prints the first, minimum and median in milliseconds.
fn measure<T>(label: &str, runs: usize, mut f: impl FnMut() -> T) {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(f());
            start.elapsed()
        })
        .collect();
    let first = times[0];
    times.sort();
    let median = if runs.is_multiple_of(2) {
        (times[runs / 2 - 1] + times[runs / 2]) / 2
    } else {
        times[runs / 2]
    };
    println!(
        "  {label:<44} min {:>8.3} ms   median {:>8.3} ms   first {:>8.3} ms   ({runs} runs)",
        ms(times[0]),
        ms(median),
        ms(first)
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn kb(bytes: usize) -> f64 {
    bytes as f64 / 1024.0
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument is accepted and ignored.
    let pong_wasm = pong_path();
    let policy = repo().join("examples/pong/pong.virt");
    let component = std::fs::read(&pong_wasm)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", pong_wasm.display()));

    println!("virtc on examples/pong ({})", policy.display());
    println!();
    println!("time (a fresh Database per run):");
    measure("check policy (load_policy + check)", RUNS, || {
        let db = Database::default();
        let root = ok(driver::load_policy(&db, &policy));
        ok(driver::check(&db, root, None))
    });
    measure("check policy against pong.wasm", RUNS, || {
        let db = Database::default();
        let root = ok(driver::load_policy(&db, &policy));
        let input = Input {
            name: "pong.wasm",
            bytes: &component,
        };
        ok(driver::check(&db, root, Some(&input)))
    });
    measure("compile standalone adapter", RUNS, || {
        compile(&policy, None)
    });
    measure("compile adapter + compose into pong.wasm", RUNS, || {
        compile(&policy, Some(&component))
    });

    let standalone = compile(&policy, None);
    let compiled = compile(&policy, Some(&component));
    let composed = compiled
        .composed
        .as_ref()
        .expect("a component was given, so there is a composed one");
    measure("wasmtime compile of the composed component", 5, || {
        virtc_run::load(composed).expect("wasmtime compiles the output")
    });

    println!();
    println!("sizes:");
    let sizes = [
        ("pong component", component.len()),
        (
            "standalone adapter (no --component)",
            standalone.adapter.bytes.len(),
        ),
        ("adapter built for pong", compiled.adapter.bytes.len()),
        ("composed component", composed.len()),
        (
            "prebuilt adapter core module (PREBUILT)",
            virtc::codegen::adapter::PREBUILT.len(),
        ),
    ];
    for (label, bytes) in sizes {
        println!("  {label:<44} {bytes:>9} bytes  {:>9.1} KB", kb(bytes));
    }
    growth(
        "growth (composed - original)",
        component.len(),
        composed.len(),
    );

    // An HTTP server (wasi:http/incoming-handler) under a policy that virtualizes its
    // environment and stdio while passing HTTP through: the adapter wraps wasi:http and two
    // small serving instances carry requests to the component (see codegen/compose.rs).
    let server = virtc_tests::guest("http_server");
    let server_policy =
        virtc_tests::Policy::new("env GREETING = \"virtual\";\nallow http;\nstdout allow;\n");
    measure("compile + compose the HTTP server", RUNS, || {
        compile(&server_policy.path, Some(&server))
    });
    let served = compile(&server_policy.path, Some(&server));
    let served_bytes = served.composed.as_ref().expect("composed");
    println!();
    println!("sizes, HTTP server:");
    for (label, bytes) in [
        ("http-server component", server.len()),
        ("adapter built for it", served.adapter.bytes.len()),
        ("composed component", served_bytes.len()),
    ] {
        println!("  {label:<44} {bytes:>9} bytes  {:>9.1} KB", kb(bytes));
    }
    growth(
        "growth (composed - original)",
        server.len(),
        served_bytes.len(),
    );
}

fn growth(label: &str, before: usize, after: usize) {
    let growth = after as i64 - before as i64;
    println!(
        "  {label:<44} {growth:>9} bytes  {:>9.1} KB  ({:+.1}%)",
        growth as f64 / 1024.0,
        growth as f64 * 100.0 / before as f64
    );
}
