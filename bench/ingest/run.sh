#!/usr/bin/env bash
# Ingest benchmark (see ingest_bench.py): pipeline from JSON and from SMILE bulks vs raw ONNX Runtime, one run,
# results in docs/bench/ingest.json.
#   INGEST_PLUGIN=ZIP  the node gets ZIP instead of the build's plugin (e.g. a build from before a change)
#   INGEST_OUT=FILE    results there instead;  SKIP_BUILD=1  use what the last build left in target/
#   INGEST_COMPARE_PLUGIN=ZIP  a second node (port 9251) with ZIP: its JSON pipeline measured in the same rounds
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/java-env.sh
[ "${SKIP_BUILD:-0}" = 1 ] || mvn -B -q package -DskipTests
mvn -B -q dependency:build-classpath -pl model-loader -Dmdep.outputFile=/tmp/ingest-bench.cp >/dev/null
# the SMILE client (SmileBulk.java) also needs Jackson's SMILE format, of the Jackson version the build uses
JACKSON=$(sed -n 's:^    <jackson.version>\(.*\)</jackson.version>:\1:p' pom.xml)
mvn -B -q dependency:copy -Dartifact="com.fasterxml.jackson.dataformat:jackson-dataformat-smile:$JACKSON" \
    -DoutputDirectory=/tmp/ingest-bench-lib >/dev/null
CP="model-loader/target/classes:$(cat /tmp/ingest-bench.cp):/tmp/ingest-bench-lib/jackson-dataformat-smile-$JACKSON.jar"
OS_HEAP=${OS_HEAP:-2g} bash scripts/opensearch-node.sh start --plugin "${INGEST_PLUGIN:-plugin/opensearch/target/opensearch-image-hash-0.1.0.zip}"
OTHER=()
if [ -n "${INGEST_COMPARE_PLUGIN:-}" ]; then
    export OS_PORT=9251 OS_NODE_DIR=/tmp/opensearch-image-hash-node-compare
    OS_HEAP=${OS_HEAP:-2g} bash scripts/opensearch-node.sh start --plugin "$INGEST_COMPARE_PLUGIN"
    OTHER=("$(bash scripts/opensearch-node.sh url)")
    unset OS_PORT OS_NODE_DIR
fi
mkdir -p docs/bench
PATH="$JAVA_HOME/bin:$PATH" PYTHONPATH=src /usr/bin/python3 bench/ingest/ingest_bench.py "${1:-8192}" \
    "$(bash scripts/opensearch-node.sh url)" "$CP" /tmp/ingest-bench-pngs "${INGEST_OUT:-docs/bench/ingest.json}" "${OTHER[@]}"
