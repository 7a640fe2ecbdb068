#!/usr/bin/env bash
# Builds the generic adapter module (`virtc-adapter` for wasm32-unknown-unknown) twice, plain and
# with the `trace` feature, and copies them to compiler/prebuilt/virtc_adapter.wasm and
# virtc_adapter_trace.wasm, which the compiler embeds. Path prefixes are remapped so that the
# bytes do not depend on where the repository or the cargo home live.
#
# Usage: adapter/build.sh [DIR]   (default: compiler/prebuilt)
set -euo pipefail

cd "$(dirname "$0")/.."
repo=$(pwd -P)
dir=${1:-$repo/compiler/prebuilt}
cargo_home=${CARGO_HOME:-$HOME/.cargo}
if [ -d "$cargo_home" ]; then
    cargo_home=$(cd "$cargo_home" && pwd -P)
fi

# CARGO_ENCODED_RUSTFLAGS would take precedence over RUSTFLAGS.
unset CARGO_ENCODED_RUSTFLAGS
# --emit-relocs: the linker keeps its symbol table and relocations, from which the compiler learns
# which constants each function names (compiler/src/codegen/module_rewrite/data_use.rs).
export RUSTFLAGS="--remap-path-prefix=$repo=/virtc --remap-path-prefix=$cargo_home=/cargo -C link-arg=--emit-relocs"

# build OUTPUT [CARGO-ARGS...]: asks cargo where it put the module rather than guessing the target
# directory.
build() {
    local out=$1
    shift
    local artifact
    artifact=$(
        cargo build -p virtc-adapter --target wasm32-unknown-unknown --profile adapter "$@" \
            --message-format=json-render-diagnostics |
            sed -n 's/.*"filenames":\["\([^"]*virtc_adapter\.wasm\)".*/\1/p' |
            tail -n 1
    )
    if [ -z "$artifact" ] || [ ! -f "$artifact" ]; then
        echo "adapter/build.sh: cargo reported no virtc_adapter.wasm" >&2
        exit 1
    fi
    mkdir -p "$(dirname "$out")"
    cp "$artifact" "$out"
    echo "$out: $(wc -c <"$out") bytes"
}

build "$dir/virtc_adapter.wasm"
build "$dir/virtc_adapter_trace.wasm" --features trace
