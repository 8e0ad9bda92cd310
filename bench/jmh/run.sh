#!/usr/bin/env bash
# Kernel benchmark: the plugin's per-segment scan (codes/s) beside a plain XOR+popcount loop and the sequential read
# bandwidth, on the same array, in one JMH run. Writes JMH's JSON and a summary with the ratios.
#
#   bench/jmh/run.sh [OUT_JSON] [extra JMH args, e.g. -p size=128MB -p bits=64 -f 2]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${1:-$ROOT/docs/bench/results/jmh-scan.json}
shift || true
source "$ROOT/scripts/java-env.sh"
JAR=$ROOT/plugin/core/target/image-hash-core-0.1.0.jar
if [ ! -f "$JAR" ]; then
    (cd "$ROOT" && mvn -B -q package -DskipTests)
fi
(cd "$ROOT/bench/jmh" && mvn -B -q package -DskipTests)
CP="$ROOT/bench/jmh/target/classes:$JAR:$(cat "$ROOT/bench/jmh/target/classpath.txt")"
mkdir -p "$(dirname "$OUT")"
"$JAVA_HOME/bin/java" -cp "$CP" org.openjdk.jmh.Main ScanBenchmark -rf json -rff "$OUT" "$@"
/usr/bin/python3 "$ROOT/bench/jmh/summarize.py" "$OUT"
# The same kernels timed back to back in every round (ratios within a round: robust to a drifting machine load)
"$JAVA_HOME/bin/java" -XX:+AlwaysPreTouch -Xms3g -Xmx3g --add-modules=jdk.incubator.vector -cp "$CP" org.imagehash.search.query.InterleavedRatio 25 \
    > "$(dirname "$OUT")/jmh-interleaved.json"
