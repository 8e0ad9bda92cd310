#!/usr/bin/env bash
# One command for the multi-index hashing benchmark (docs/BENCHMARKS-MIH.md): builds the plugin, starts a fresh real
# node (port 9280, 4 GB heap; k-NN too with --knn), runs bench/mih/mih_bench.py with the remaining arguments, stops
# the node.
#
#   bash bench/mih/run.sh --sizes 1000000 10000000 --bits 64 128 --data clustered uniform
#   bash bench/mih/run.sh --knn --sizes 1000000 --bits 64 --data clustered
#   bash bench/mih/run.sh --data model --model-codes bench/mih/results/model-codes.txt --sizes 1000000
#   bash bench/mih/run.sh --overhead --sizes 1000000 --bits 64 128
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
export OS_PORT=${OS_PORT:-9280} OS_NODE_DIR=${OS_NODE_DIR:-/tmp/os-mih-node} OS_HEAP=${OS_HEAP:-4g}
source scripts/java-env.sh
KNN=()
for a in "$@"; do [ "$a" = --knn ] && KNN=(--knn); done
if [ "${SKIP_BUILD:-0}" != 1 ]; then
    mvn -B -q package -DskipTests
fi
if [ "${REUSE_NODE:-0}" != 1 ]; then
    bash scripts/opensearch-node.sh start "${KNN[@]}"
    trap 'bash scripts/opensearch-node.sh stop' EXIT
fi
/usr/bin/python3 bench/mih/mih_bench.py --url "http://127.0.0.1:$OS_PORT" "$@"
