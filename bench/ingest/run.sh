#!/usr/bin/env bash
# Ingest benchmark (see ingest_bench.py): pipeline from JSON and from SMILE bulks vs raw ONNX Runtime, one run,
# results in docs/bench/ingest.json.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/java-env.sh
mvn -B -q package -DskipTests
mvn -B -q dependency:build-classpath -pl model-loader -Dmdep.outputFile=/tmp/ingest-bench.cp >/dev/null
# the SMILE client (SmileBulk.java) also needs Jackson's SMILE format, of the Jackson version the build uses
JACKSON=$(sed -n 's:^    <jackson.version>\(.*\)</jackson.version>:\1:p' pom.xml)
mvn -B -q dependency:copy -Dartifact="com.fasterxml.jackson.dataformat:jackson-dataformat-smile:$JACKSON" \
    -DoutputDirectory=/tmp/ingest-bench-lib >/dev/null
CP="model-loader/target/classes:$(cat /tmp/ingest-bench.cp):/tmp/ingest-bench-lib/jackson-dataformat-smile-$JACKSON.jar"
OS_HEAP=${OS_HEAP:-2g} bash scripts/opensearch-node.sh start
mkdir -p docs/bench
PATH="$JAVA_HOME/bin:$PATH" PYTHONPATH=src /usr/bin/python3 bench/ingest/ingest_bench.py "${1:-8192}" \
    "$(bash scripts/opensearch-node.sh url)" "$CP" /tmp/ingest-bench-pngs docs/bench/ingest.json
