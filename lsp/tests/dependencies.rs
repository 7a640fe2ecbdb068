//! The language server links the compiler's analysis, never the command line or wasmtime: an
//! editor starts it on every keystroke's behalf, and it must stay small and quick to build. The
//! closure of its dependencies in Cargo.lock holds neither clap nor any wasmtime crate.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Package name → the names of its dependencies, from Cargo.lock.
fn lock_graph() -> BTreeMap<String, Vec<String>> {
    let lock = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.lock"))
        .expect("Cargo.lock is readable");
    let mut graph = BTreeMap::new();
    for package in lock.split("[[package]]").skip(1) {
        let mut name = None;
        let mut deps = Vec::new();
        let mut in_deps = false;
        for line in package.lines() {
            let line = line.trim();
            if let Some(rest) = line.strip_prefix("name = ") {
                name = Some(rest.trim_matches('"').to_owned());
            } else if line.starts_with("dependencies = [") {
                in_deps = true;
            } else if in_deps && line == "]" {
                in_deps = false;
            } else if in_deps {
                // `"name"`, or `"name version"` when several versions are locked.
                let dep = line.trim_end_matches(',').trim_matches('"');
                deps.push(dep.split(' ').next().unwrap_or(dep).to_owned());
            }
        }
        graph
            .entry(name.expect("every package has a name"))
            .or_insert_with(Vec::new)
            .extend(deps);
    }
    graph
}

#[test]
fn the_language_server_links_neither_clap_nor_wasmtime() {
    let graph = lock_graph();
    let mut seen = BTreeSet::new();
    let mut stack = vec!["virtc-lsp".to_owned()];
    while let Some(name) = stack.pop() {
        if seen.insert(name.clone()) {
            stack.extend(graph.get(&name).cloned().unwrap_or_default());
        }
    }
    assert!(seen.contains("virtc"), "the closure is read: {seen:?}");
    let unwanted: Vec<&String> = seen
        .iter()
        .filter(|n| n.starts_with("wasmtime") || *n == "clap" || *n == "virtc-run")
        .collect();
    assert!(unwanted.is_empty(), "virtc-lsp depends on {unwanted:?}");
}
