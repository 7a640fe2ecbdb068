#!/usr/bin/env bash
# Builds tests/js/app.js into target/js/app.wasm (from the repository root) with componentize-js
# (its own CLI, from npm: `jco componentize` cannot read WIT paths), against tests/js/wit/world.wit
# and the repository's WASI WIT (wit/deps). npm installs into target/js/node_modules from
# tests/js/package-lock.json (`npm ci`), so nothing is written into tests/js.
#
# Quick when nothing changed: `npm ci` runs again only when the lock file changed, componentize
# only when an input is newer than the output.
# Exits 3 with a one-line reason when node or npm is missing or `npm ci` fails (no registry).
set -euo pipefail
cd "$(dirname "$0")/../.."

for tool in node npm; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "$tool is not installed (componentize-js needs Node.js 18 or later and npm)"
        exit 3
    fi
done

out=target/js
mkdir -p "$out"

# Dependencies, when the lock changed (or were never installed).
if ! cmp -s tests/js/package-lock.json "$out/package-lock.json" \
    || [ ! -x "$out/node_modules/.bin/componentize-js" ]; then
    cp tests/js/package.json tests/js/package-lock.json "$out/"
    if ! (cd "$out" && npm ci --no-audit --no-fund --loglevel=error >npm-ci.log 2>&1); then
        tail -n 20 "$out/npm-ci.log" >&2
        rm -f "$out/package-lock.json" # so that the next run tries again
        echo "npm ci failed in $out (is the npm registry reachable? see $out/npm-ci.log)"
        exit 3
    fi
fi

# The component, when an input is newer than it.
inputs=(tests/js/app.js tests/js/wit/world.wit compiler/wit/deps/*.wit "$out/package-lock.json" "$0")
stale=0
[ -f "$out/app.wasm" ] || stale=1
for input in "${inputs[@]}"; do
    [ "$input" -nt "$out/app.wasm" ] && stale=1
done
if [ "$stale" = 1 ]; then
    rm -rf "$out/wit"
    mkdir -p "$out/wit/deps"
    cp tests/js/wit/world.wit "$out/wit/"
    cp compiler/wit/deps/*.wit "$out/wit/deps/"
    rm -f "$out/app.wasm.tmp"
    "$out/node_modules/.bin/componentize-js" tests/js/app.js --wit "$out/wit" --world-name app \
        --out "$out/app.wasm.tmp"
    [ -s "$out/app.wasm.tmp" ] || { echo "componentize-js wrote no component" >&2; exit 1; }
    mv "$out/app.wasm.tmp" "$out/app.wasm"
fi
