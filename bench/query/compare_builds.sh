#!/usr/bin/env bash
# Two plugin builds on the same index, in alternating blocks: the query benchmark (ours and match_all only) runs with
# BEFORE, then AFTER, ROUNDS times, swapping the plugin in one node that keeps its data (index format unchanged).
# Writes OUT_DIR/{before,after}-N.json; bench/query/compare_builds.py summarises them.
#
#   bench/query/compare_builds.sh BEFORE_ZIP AFTER_ZIP OUT_DIR [ROUNDS] [extra bench_query.py args, e.g. --n 1000000]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BEFORE=$(realpath "$1"); AFTER=$(realpath "$2"); OUT=$3; ROUNDS=${4:-2}; shift 4 2>/dev/null || shift $#
export OS_PORT=${OS_PORT:-9290} OS_NODE_DIR=${OS_NODE_DIR:-/tmp/os-compare-node} OS_HEAP=${OS_HEAP:-4g}
NODE="bash $ROOT/scripts/opensearch-node.sh"
mkdir -p "$OUT"
$NODE start --plugin "$BEFORE"
trap '$NODE stop' EXIT
for round in $(seq 1 "$ROUNDS"); do
    for build in before after; do
        zip=$BEFORE; [ "$build" = after ] && zip=$AFTER
        [ "$round" = 1 ] && [ "$build" = before ] || $NODE swap "$zip"
        PYTHONPATH="$ROOT/src" /usr/bin/python3 "$ROOT/bench/query/bench_query.py" --url "$($NODE url)" --reps ih \
            --engines match_all,ours --states merged --reuse --out "$OUT/$build-$round.json" "$@"
    done
done
