#!/usr/bin/env bash
# Ingest benchmark (see ingest_bench.py): pipeline from JSON and from SMILE bulks vs raw ONNX Runtime, one run,
# results in docs/bench/ingest.json.
#   INGEST_ENGINE=elasticsearch  an Elasticsearch node (ES_VERSION, default 9.5.3; port 9500) instead of OpenSearch 3.5.0
#   INGEST_PLUGIN=ZIP  the node gets ZIP instead of the build's plugin (e.g. a build from before a change)
#   INGEST_OUT=FILE    results there instead;  SKIP_BUILD=1  use what the last build left in target/ and dist/
#   INGEST_COMPARE_PLUGIN=ZIP  a second node of the same engine (HTTP port 9251, or 9501 for Elasticsearch) with ZIP:
#                      its JSON pipeline (one client and two) measured in the same rounds
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/java-env.sh
ENGINE=${INGEST_ENGINE:-opensearch}
VERSION=$(sed -n 's:^  <version>\(.*\)</version>:\1:p' pom.xml | head -1)
case $ENGINE in
    opensearch) P=OS; COMPARE_PORT=9251; ZIP=plugin/opensearch/target/opensearch-image-hash-$VERSION.zip
        [ "${SKIP_BUILD:-0}" = 1 ] || mvn -B -q package -DskipTests ;;
    elasticsearch) P=ES; COMPARE_PORT=9501; ZIP=dist/elasticsearch-image-hash-$VERSION-es-${ES_VERSION:-9.5.3}.zip
        [ "${SKIP_BUILD:-0}" = 1 ] || bash scripts/build-all.sh "es-${ES_VERSION:-9.5.3}" ;;
    *) echo "INGEST_ENGINE must be opensearch or elasticsearch, got $ENGINE" >&2; exit 2 ;;
esac
node() { bash "scripts/$ENGINE-node.sh" "$@"; }
mvn -B -q dependency:build-classpath -pl model-loader -Dmdep.outputFile=/tmp/ingest-bench.cp >/dev/null
# the SMILE client (SmileBulk.java) also needs Jackson's SMILE format, of the Jackson version the build uses
JACKSON=$(sed -n 's:^    <jackson.version>\(.*\)</jackson.version>:\1:p' pom.xml)
mvn -B -q dependency:copy -Dartifact="com.fasterxml.jackson.dataformat:jackson-dataformat-smile:$JACKSON" \
    -DoutputDirectory=/tmp/ingest-bench-lib >/dev/null
CP="model-loader/target/classes:$(cat /tmp/ingest-bench.cp):/tmp/ingest-bench-lib/jackson-dataformat-smile-$JACKSON.jar"
export "${P}_HEAP=${OS_HEAP:-2g}"
node start --plugin "${INGEST_PLUGIN:-$ZIP}"
OTHER=()
if [ -n "${INGEST_COMPARE_PLUGIN:-}" ]; then
    export "${P}_PORT=$COMPARE_PORT" "${P}_NODE_DIR=/tmp/$ENGINE-image-hash-node-compare"
    node start --plugin "$INGEST_COMPARE_PLUGIN"
    OTHER=("$(node url)")
    unset "${P}_PORT" "${P}_NODE_DIR"
fi
mkdir -p docs/bench
INGEST_ENGINE=$ENGINE PATH="$JAVA_HOME/bin:$PATH" PYTHONPATH=src /usr/bin/python3 bench/ingest/ingest_bench.py "${1:-8192}" \
    "$(node url)" "$CP" /tmp/ingest-bench-pngs "${INGEST_OUT:-docs/bench/ingest.json}" "${OTHER[@]}"
