#!/usr/bin/env bash
# Fails when the modules in compiler/prebuilt are not what adapter/build.sh builds from the
# current sources (for CI: the compiler embeds the prebuilt modules, not the sources).
set -euo pipefail

cd "$(dirname "$0")/.."
fresh=$(mktemp -d "${TMPDIR:-/tmp}/virtc_adapter.XXXXXX")
trap 'rm -rf "$fresh"' EXIT

adapter/build.sh "$fresh" >/dev/null
for module in virtc_adapter.wasm virtc_adapter_trace.wasm; do
    if ! cmp -s "$fresh/$module" "compiler/prebuilt/$module"; then
        echo "the committed compiler/prebuilt/$module is stale: run adapter/build.sh" >&2
        exit 1
    fi
done
echo "compiler/prebuilt is up to date"
