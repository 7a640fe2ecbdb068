#!/usr/bin/env bash
# Regenerates the large seeds of the component targets (real components, their compiled outputs
# and truncations, ~6 MB, not committed) into fuzz/generated/, which fuzz/run.sh adds to the
# committed corpus; and the small policy-data and image seeds, which are committed.
#
# Usage: fuzz/seeds.sh     (builds examples/pong and the test guests for wasm32-wasip2)
set -euo pipefail
cd "$(dirname "$0")/.."

rustup target add wasm32-wasip2 >/dev/null 2>&1 || true
cargo build --quiet --release --target wasm32-wasip2 --manifest-path examples/pong/Cargo.toml
cargo build --quiet --release --target wasm32-wasip2 --manifest-path tests/guests/Cargo.toml
guests=tests/guests/target/wasm32-wasip2/release
rm -rf fuzz/generated
cargo run --quiet --release --manifest-path fuzz/Cargo.toml --example seeds -- fuzz/generated . \
    examples/pong/target/wasm32-wasip2/release/pong.wasm "$guests"/*.wasm
for target in policy_codec inspect_policy image; do
    mkdir -p fuzz/corpus/$target
    cp fuzz/generated/$target/* fuzz/corpus/$target/
done
ls fuzz/generated
