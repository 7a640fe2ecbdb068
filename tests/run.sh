#!/usr/bin/env bash
# Everything CI checks, in order: formatting, lints, the committed adapter being fresh, all
# tests (unit, snapshot, end-to-end in wasmtime, CLI), and wasm-tools validating the pong output.
#
# Usage: tests/run.sh        (installs the wasm targets and wasm-tools when missing)
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "wasm targets"
rustup target add wasm32-wasip2 wasm32-unknown-unknown

step "formatting"
cargo fmt --all --check

step "clippy (host)"
cargo clippy --workspace --all-targets -- -D warnings

step "clippy (adapter, wasm)"
cargo clippy -p virtc-adapter --target wasm32-unknown-unknown --profile adapter -- -D warnings

step "the committed adapter is what its sources build"
adapter/check-prebuilt.sh

step "tests"
cargo test --workspace --no-fail-fast

step "the pong example"
examples/pong/run.sh | tee target/pong-run.txt
grep -qx "ping -> pong demo" target/pong-run.txt

step "wasm-tools validates the output"
if ! command -v wasm-tools >/dev/null 2>&1; then
    cargo install --locked wasm-tools --version 1.263.0
fi
wasm-tools validate target/pong.virt.wasm
if wasm-tools component wit target/pong.virt.wasm | grep -E "import wasi:cli/(environment|stdin|stderr)"; then
    echo "the composed pong component imports an interface its policy virtualizes" >&2
    exit 1
fi
wasm-tools component wit target/pong.virt.wasm

step "all checks passed"
