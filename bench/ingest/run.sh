#!/usr/bin/env bash
# Ingest benchmark (see ingest_bench.py): pipeline vs raw ONNX Runtime, one run, results in docs/bench/ingest.json.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/java-env.sh
mvn -B -q package -DskipTests
mvn -B -q dependency:build-classpath -pl model-loader -Dmdep.outputFile=/tmp/ingest-bench.cp >/dev/null
CP="model-loader/target/classes:$(cat /tmp/ingest-bench.cp)"
OS_HEAP=${OS_HEAP:-2g} bash scripts/opensearch-node.sh start
mkdir -p docs/bench
PATH="$JAVA_HOME/bin:$PATH" PYTHONPATH=src /usr/bin/python3 bench/ingest/ingest_bench.py "${1:-8192}" \
    "$(bash scripts/opensearch-node.sh url)" "$CP" /tmp/ingest-bench-pngs docs/bench/ingest.json
