#!/usr/bin/env bash
# Builds tests/python/app.py into target/python/app.wasm (from the repository root) with
# componentize-py, against tests/python/wit/world.wit and the repository's WASI WIT (compiler/wit/deps).
# Exits 3 with a one-line reason when componentize-py is not installed (tests/run.sh installs it:
# `python3 -m pip install componentize-py==0.25.1`).
set -euo pipefail
cd "$(dirname "$0")/../.."

if command -v componentize-py >/dev/null 2>&1; then
    cpy=(componentize-py)
elif command -v python3 >/dev/null 2>&1 && python3 -c "import componentize_py" 2>/dev/null; then
    # Installed, but its script is not on PATH (e.g. a user install).
    cpy=(python3 -c "import sys, componentize_py; sys.argv[0] = 'componentize-py'; sys.exit(componentize_py.script())")
else
    echo "componentize-py is not installed (python3 -m pip install componentize-py==0.25.1)"
    exit 3
fi

# A build directory of its own, so that nothing (no __pycache__) is written into tests/python.
out=target/python
build="$out/build"
rm -rf "$build"
mkdir -p "$build/wit/deps"
cp tests/python/app.py "$build/"
cp tests/python/wit/world.wit "$build/wit/"
cp compiler/wit/deps/*.wit "$build/wit/deps/"

"${cpy[@]}" --quiet -d "$build/wit" -w app componentize --python-path "$build" app \
    -o "$out/app.wasm.tmp"
mv "$out/app.wasm.tmp" "$out/app.wasm"
