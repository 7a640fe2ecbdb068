#!/usr/bin/env bash
# Runs one fuzz target for a while with the options the figures in README.md were taken with,
# on one core at low priority: the committed corpus (new inputs are added to it), plus the
# generated seeds of `seeds.sh` where they exist.
#
# Usage: fuzz/run.sh TARGET SECONDS [LIBFUZZER OPTIONS...]     (after `fuzz/smoke.sh --build`)
#        GENERATED=0 fuzz/run.sh …    leaves out the generated seeds (for `component`, the large
#                                     components of seeds.sh, which run at a tenth of the rate)
set -euo pipefail
cd "$(dirname "$0")"
target=$1
seconds=$2
shift 2
bin=target/x86_64-unknown-linux-gnu/release/$target
# Components are the only large inputs; the rest stay small so that mutations stay cheap.
case $target in
    component) max_len=262144 ;;
    policy_text | policy_structured) max_len=8192 ;;
    *) max_len=16384 ;;
esac
dirs=(corpus/"$target")
[ -d generated/"$target" ] && [ "${GENERATED:-1}" != 0 ] && dirs+=(generated/"$target")
dict=()
[ -f dict/"$target".dict ] && dict=(-dict=dict/"$target".dict)
mkdir -p corpus/"$target" artifacts/"$target"
exec nice -n 10 "$bin" "${dirs[@]}" -max_len="$max_len" -rss_limit_mb=2048 -timeout=10 \
    -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix=artifacts/"$target"/ \
    "${dict[@]}" "$@"
