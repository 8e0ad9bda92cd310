#!/usr/bin/env bash
# Does the planner lose to the scan anywhere (docs/BENCHMARKS-MIH.md, "Planner vs scan")? Runs bench/mih/PlannerBench.java
# for each data set and width below, in-process on one force-merged segment, for each core jar given (alternating
# jars per data set when there are two: a before/after in one run). One JSON line per case, tagged with the jar.
#
#   bench/mih/planner.sh [DOCS] [JAR...]      # default: 1000000 docs, plugin/core/target's jar (built if missing)
#   SETS="uniform:64 model:64" REPS=3 XMX=10g bench/mih/planner.sh ...   # some data sets, repeated blocks, a larger heap
#   JAVA_OPTS="-Dper.query=true -Dcases=k=10" ...   # also a line per query (times and plan), some cases only
# (each line is tagged with its jar and repetition; planner_table.py takes the median ratio over repetitions)
# The heap is pre-touched, as OpenSearch and Elasticsearch start theirs (both launchers add -XX:+AlwaysPreTouch): without
# it, about half the JVMs ran every probing path 2-8x slower than the others (likely, not traced: the first touch of each
# heap page faults, and the planner allocates per query), bench/mih/results/planner-1000000-pretouch.jsonl.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
source scripts/java-env.sh
DOCS=${1:-1000000}; shift $(( $# > 0 ? 1 : 0 ))
JARS=("$@")
if [ ${#JARS[@]} -eq 0 ]; then
    jar=$(ls plugin/core/target/image-hash-core-*.jar 2>/dev/null | grep -v -- -tests.jar | head -1 || true)
    [ -n "$jar" ] || { mvn -o -B -q package -DskipTests -pl plugin/core; jar=$(ls plugin/core/target/image-hash-core-*.jar | grep -v -- -tests.jar); }
    JARS=("$jar")
fi
LUCENE=${M2:-$HOME/.m2/repository}/org/apache/lucene/lucene-core/10.3.2/lucene-core-10.3.2.jar
MODEL=bench/mih/results/model-codes.txt
SETS=${SETS:-uniform:64 clustered:64 model:64 uniform:128 clustered:128 uniform:256 clustered:256}
for rep in $(seq "${REPS:-1}"); do
    for set in $SETS; do
        data=${set%:*} bits=${set#*:}
        for jar in "${JARS[@]}"; do
            "$JAVA_HOME/bin/java" ${JAVA_OPTS:-} -XX:+AlwaysPreTouch -Xms"${XMX:-4g}" -Xmx"${XMX:-4g}" --add-modules=jdk.incubator.vector -cp "$LUCENE:$jar" bench/mih/PlannerBench.java "$data" "$bits" "$DOCS" 40 "$MODEL" \
                | sed "s|^{|{\"jar\": \"$(basename "$jar")\", \"rep\": $rep, |"
        done
    done
done
