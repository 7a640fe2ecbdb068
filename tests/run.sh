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

step "clippy (adapter, wasm, plain and tracing)"
cargo clippy -p virtc-adapter --target wasm32-unknown-unknown --profile adapter -- -D warnings
cargo clippy -p virtc-adapter --target wasm32-unknown-unknown --profile adapter --features trace \
    -- -D warnings

step "the library's documentation builds without warnings"
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps -p virtc -p virtc-policy -p virtc-grammar -p virtc-run

step "the published crates package (cargo package; compiling them is the build above)"
cargo package --allow-dirty --no-verify --quiet \
    -p virtc-grammar -p virtc-policy -p virtc -p virtc-run -p virtc-lsp -p virtc-cli

step "the committed adapter is what its sources build"
adapter/check-prebuilt.sh

step "componentize-py (for tests/tests/python.rs)"
python3 -m pip install --quiet componentize-py==0.25.1 \
    || echo "skipped: pip or the network is unavailable (tests/tests/python.rs skips its tests)"

step "componentize-js (for tests/tests/javascript.rs)"
if command -v npm >/dev/null 2>&1; then
    # Exit 3: skipped, with the reason printed (npm ci could not install); any other failure fails.
    js_status=0
    tests/js/build.sh || js_status=$?
    if [ "$js_status" = 3 ]; then
        echo "skipped: the reason is above (tests/tests/javascript.rs skips its tests)"
    elif [ "$js_status" != 0 ]; then
        exit "$js_status"
    fi
else
    echo "skipped: npm is not installed (tests/tests/javascript.rs skips its tests)"
fi

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

# === Language server and editors (lsp/, editors/) ===========================================
# The policies of the repository are formatted; a real editor's LSP client (headless Neovim, from
# Debian's packages) gets diagnostics and completions from `virtc lsp`; the VS Code extension
# builds with npm alone and its grammar and client-side protocol tests pass.

step "policies are formatted (virtc fmt --check)"
cargo build -q -p virtc-cli
target/debug/virtc fmt --check compiler/stdlib examples

step "Neovim as the language server's client"
if ! command -v nvim >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
        apt-get install -y -qq neovim >/dev/null 2>&1 \
            || { apt-get update -qq && apt-get install -y -qq neovim >/dev/null; } || true
    elif command -v apt-get >/dev/null 2>&1 && command -v sudo >/dev/null 2>&1; then
        sudo -n apt-get install -y -qq neovim >/dev/null 2>&1 \
            || { sudo -n apt-get update -qq && sudo -n apt-get install -y -qq neovim >/dev/null; } || true
    fi
fi
if command -v nvim >/dev/null 2>&1; then
    cargo test -q -p virtc-cli --test cli lsp::neovim_as_the_client -- --nocapture
else
    echo "skipped: Neovim is not installed and could not be (this needs apt-get and root or sudo)"
fi

step "VS Code extension (npm ci, compile, tests)"
if command -v npm >/dev/null 2>&1; then
    (
        cd editors/vscode
        npm ci --no-audit --no-fund
        npm run compile
        VIRTC="$OLDPWD/target/debug/virtc" npm test
    )
else
    echo "skipped: npm is not installed (the extension needs Node.js 18 or later to build)"
fi
# === end of the language server and editors section ===========================================

step "fuzz targets: every committed corpus replayed, then 20 s of fuzzing per target (fuzz/smoke.sh)"
fuzz/smoke.sh 20

step "all checks passed"
