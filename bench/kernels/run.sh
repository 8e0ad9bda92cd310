#!/usr/bin/env bash
# Before/after timing of the scan kernels through the Lucene queries: two builds (jars holding the core classes),
# alternating JVMs, ROUNDS each, for each code width. Prints one JSON line per run; summarize.py takes the medians.
#
#   bench/kernels/run.sh BEFORE_JAR AFTER_JAR [ROUNDS] [DOCS] [WIDTHS...]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/scripts/java-env.sh"
BEFORE=$1; AFTER=$2; ROUNDS=${3:-3}; DOCS=${4:-1000000}; shift 4 2>/dev/null || shift $#
WIDTHS=${*:-64 128 256}
M2=${M2:-$HOME/.m2/repository}
LUCENE=$M2/org/apache/lucene/lucene-core/10.3.2/lucene-core-10.3.2.jar
OS_CORE=$M2/org/opensearch/opensearch-core/3.5.0/opensearch-core-3.5.0.jar # the old plugin jar's cache needs its breaker
for bits in $WIDTHS; do
    for round in $(seq 1 "$ROUNDS"); do
        for build in before after; do
            jar=$BEFORE; [ "$build" = after ] && jar=$AFTER
            line=$("$JAVA_HOME/bin/java" -XX:+AlwaysPreTouch -Xms4g -Xmx4g --add-modules=jdk.incubator.vector -cp "$LUCENE:$jar:$OS_CORE" \
                "$ROOT/bench/kernels/WidthBench.java" "$bits" "$DOCS" 2>/dev/null)
            echo "{\"build\": \"$build\", \"round\": $round, ${line#\{}"
        done
    done
done
