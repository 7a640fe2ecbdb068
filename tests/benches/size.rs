//! How many bytes the adapter adds: to pong under its full policy and under the same policy
//! without its mount, and for each stdlib profile the adapter alone. Each adapter is split into
//! its core module (the code, the policy's bytes) and the component around it (types, instances
//! and the small modules wit-component adds).
//!
//! Run with `cargo bench -p virtc-tests --bench size`; it prints its figures (no harness, no
//! assertions: sizes are reported, not checked).

use std::path::Path;

use virtc::driver::{Compiled, Failure};
use virtc_tests::{Policy, compile_plain, pong_path, repo};

fn ok(result: Result<Compiled, Failure>) -> Compiled {
    match result {
        Ok(value) => value,
        Err(Failure::Input(message)) => panic!("input error: {message}"),
        Err(Failure::Policy(diagnostics)) => panic!("policy errors: {diagnostics:#?}"),
    }
}

fn kb(bytes: usize) -> f64 {
    bytes as f64 / 1024.0
}

/// The size of the largest core module inside `component` (the adapter's own code).
fn core_module(component: &[u8]) -> usize {
    wasmparser::Parser::new(0)
        .parse_all(component)
        .filter_map(|payload| match payload {
            Ok(wasmparser::Payload::ModuleSection {
                unchecked_range, ..
            }) => Some((unchecked_range.end - unchecked_range.start) as usize),
            _ => None,
        })
        .max()
        .unwrap_or(0)
}

/// The bytes of every file under `dir`.
fn file_bytes(dir: &Path) -> usize {
    let mut total = 0;
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            total += file_bytes(&path);
        } else {
            total += std::fs::metadata(&path).map_or(0, |m| m.len() as usize);
        }
    }
    total
}

fn row(label: &str, bytes: usize) {
    println!("  {label:<52} {bytes:>9} bytes  {:>8.1} KB", kb(bytes));
}

/// Prints an adapter's size, split into its core module and the component around it.
fn adapter_rows(compiled: &Compiled) {
    let adapter = compiled.adapter.bytes.len();
    let code = core_module(&compiled.adapter.bytes);
    row("  adapter component", adapter);
    row("    its core module", code);
    row("    the component around it", adapter - code);
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument is accepted and ignored.
    let pong = std::fs::read(pong_path())
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", pong_path().display()));
    let full = repo().join("examples/pong/pong.virt");
    let text = std::fs::read_to_string(&full).unwrap();
    // The same policy without its mount (no preopen: no descriptor can exist).
    let unmounted: String = text
        .lines()
        .filter(|line| !line.trim_start().starts_with("mount "))
        .map(|line| format!("{line}\n"))
        .collect();
    let unmounted = Policy::new(&unmounted);
    let embedded = file_bytes(&repo().join("examples/pong/dir"));

    println!("pong ({} bytes)", pong.len());
    for (label, path, embedded) in [
        ("examples/pong/pong.virt", full.as_path(), embedded),
        ("pong.virt without its mount", unmounted.path.as_path(), 0),
    ] {
        let compiled = ok(compile_plain(path, Some(&pong)));
        let composed = compiled.composed.as_ref().expect("a component was given");
        println!("{label}:");
        row("  composed component", composed.len());
        let growth = composed.len() - pong.len();
        row("  added to pong", growth);
        if embedded > 0 {
            row("  of which embedded file bytes", embedded);
            row("  added beyond the embedded bytes", growth - embedded);
        }
        adapter_rows(&compiled);
    }

    println!();
    println!("stdlib profiles, the adapter alone (`virtc compile` without --component):");
    for name in virtc::stdlib::names() {
        let policy = Policy::new(&format!("use std::{name};\n"));
        let compiled = ok(compile_plain(&policy.path, None));
        println!("std::{name}:");
        adapter_rows(&compiled);
    }
    println!();
    row(
        "prebuilt adapter core module (PREBUILT)",
        virtc::codegen::adapter::PREBUILT.len(),
    );
}
