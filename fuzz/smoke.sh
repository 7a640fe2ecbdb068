#!/usr/bin/env bash
# The fuzz targets in CI: builds them (stable Rust, libFuzzer's nightly flags allowed for this
# crate alone with RUSTC_BOOTSTRAP=1), replays each target's committed corpus, then fuzzes each
# for a bounded time; fails on any crash, hang (10 s) or allocation past 2 GB.
#
# Usage: fuzz/smoke.sh [SECONDS_PER_TARGET]     (default 20; installs cargo-fuzz when missing)
#        fuzz/smoke.sh --build                  (only builds the targets, for fuzz/run.sh)
set -euo pipefail
cd "$(dirname "$0")"

CARGO_FUZZ_VERSION=0.13.2
TARGETS=(policy_text policy_structured policy_codec image inspect_policy component component_imports)

if ! cargo fuzz --version 2>/dev/null | grep -q "$CARGO_FUZZ_VERSION"; then
    cargo install --locked cargo-fuzz --version "$CARGO_FUZZ_VERSION"
fi

cargo fmt --check

# No sanitizer: the code is safe Rust (virtc-policy forbids unsafe), and AddressSanitizer would
# cost half the executions; libFuzzer's -rss_limit_mb still catches runaway allocation.
RUSTC_BOOTSTRAP=1 cargo fuzz build -O -s none
[ "${1:-}" = "--build" ] && exit 0

seconds=${1:-20}
bin=${CARGO_TARGET_DIR:-target}/x86_64-unknown-linux-gnu/release
options=(-rss_limit_mb=2048 -timeout=10 -print_final_stats=1)
for target in "${TARGETS[@]}"; do
    printf -- '--- %s: replay the %s inputs of corpus/%s\n' "$target" \
        "$(find corpus/"$target" -type f | wc -l)" "$target"
    log=$(mktemp)
    if ! "$bin/$target" "${options[@]}" -runs=0 corpus/"$target" >"$log" 2>&1; then
        tail -50 "$log" >&2
        echo "$target: an input of the committed corpus fails" >&2
        exit 1
    fi
    grep -E "^Done" "$log" || true
    rm -f "$log"
done
for target in "${TARGETS[@]}"; do
    printf -- '--- %s: fuzz %ss\n' "$target" "$seconds"
    scratch=$(mktemp -d)
    status=0
    # New inputs go to a scratch directory: the committed corpus stays as committed.
    "$bin/$target" "${options[@]}" -max_total_time="$seconds" -max_len=16384 \
        -artifact_prefix="$scratch"/ "$scratch" corpus/"$target" >"$scratch.log" 2>&1 || status=$?
    grep -E "^Done|stat::average_exec" "$scratch.log" || true
    if [ "$status" != 0 ]; then
        tail -50 "$scratch.log" >&2
        echo "$target: fuzzing found a crash; the input is in $scratch (reproduce with fuzz/run.sh)" >&2
        exit 1
    fi
    rm -rf "$scratch" "$scratch.log"
done
echo "fuzz smoke passed"
