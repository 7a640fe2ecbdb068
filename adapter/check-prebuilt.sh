#!/usr/bin/env bash
# Fails when compiler/prebuilt/virtc_adapter.wasm is not what adapter/build.sh builds from the
# current sources (for CI: the compiler embeds the prebuilt module, not the sources).
set -euo pipefail

cd "$(dirname "$0")/.."
prebuilt=compiler/prebuilt/virtc_adapter.wasm
fresh=$(mktemp "${TMPDIR:-/tmp}/virtc_adapter.XXXXXX.wasm")
trap 'rm -f "$fresh"' EXIT

adapter/build.sh "$fresh" >/dev/null
if ! cmp -s "$fresh" "$prebuilt"; then
    echo "the committed compiler/prebuilt/virtc_adapter.wasm is stale: run adapter/build.sh" >&2
    exit 1
fi
echo "compiler/prebuilt/virtc_adapter.wasm is up to date"
