#!/usr/bin/env bash
# The pong story end to end: build the pong component, compile its policy into it with virtc,
# show what the result imports, and run it. The host environment holds PONG=host; the component
# sees only the policy's PONG=demo.
#
# Usage: examples/pong/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

rustup target add wasm32-wasip2 >/dev/null 2>&1 || true
cargo build --quiet --release --target wasm32-wasip2 --manifest-path examples/pong/Cargo.toml
cargo build --quiet -p virtc-cli
virtc=target/debug/virtc
pong=examples/pong/target/wasm32-wasip2/release/pong.wasm
out=target/pong.virt.wasm

"$virtc" compile examples/pong/pong.virt --component "$pong" -o "$out"
echo "compiled $out ($(wc -c <"$out") bytes, from $(wc -c <"$pong") bytes)"
env PONG=host "$virtc" run examples/pong/pong.virt "$pong"
