#!/usr/bin/env bash
# Replaces our plugin in a node started by `scripts/opensearch-node.sh start --knn` with a freshly built zip and
# restarts it, KEEPING its data (opensearch-node.sh start wipes it): lets the query benchmark compare scorer
# versions on the same indices without re-indexing.
#   OS_PORT=9270 OS_NODE_DIR=/tmp/os-bench-node OS_HEAP=4g bench/query/swap-plugin.sh [ZIP]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
ZIP=${1:-$ROOT/plugin/opensearch/target/opensearch-image-hash-0.1.0.zip}
PORT=${OS_PORT:-9250}
NODE_DIR=${OS_NODE_DIR:-/tmp/opensearch-image-hash-node}
RUN_USER=${OS_USER:-opensearch-ih}
HEAP=${OS_HEAP:-1g}
HOME_DIR=$NODE_DIR/opensearch-3.5.0
source "$ROOT/scripts/java-env.sh"
pid=$(cat "$NODE_DIR/pid")
kill "$pid"
for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
cp "$ZIP" "$NODE_DIR/dist/opensearch-image-hash.zip"
chown "$RUN_USER": "$NODE_DIR/dist/opensearch-image-hash.zip"
as_user=(runuser -u "$RUN_USER" -- env JAVA_HOME="$NODE_JAVA_HOME" OPENSEARCH_JAVA_OPTS="-Xms$HEAP -Xmx$HEAP")
"${as_user[@]}" "$HOME_DIR/bin/opensearch-plugin" list
for p in $("${as_user[@]}" "$HOME_DIR/bin/opensearch-plugin" list | grep -v knn); do
    "${as_user[@]}" "$HOME_DIR/bin/opensearch-plugin" remove "$p"
done
"${as_user[@]}" "$HOME_DIR/bin/opensearch-plugin" install --batch "file://$NODE_DIR/dist/opensearch-image-hash.zip"
setsid "${as_user[@]}" "$HOME_DIR/bin/opensearch" -Ediscovery.type=single-node -Ecluster.name=image-hash \
    -Ehttp.port="$PORT" -Etransport.port=$((PORT + 100)) -Epath.data="$NODE_DIR/data" -Epath.logs="$NODE_DIR/logs" \
    -Ecluster.routing.allocation.disk.threshold_enabled=false >"$NODE_DIR/logs/stdout.log" 2>&1 &
echo $! >"$NODE_DIR/pid"
for _ in $(seq 1 180); do
    curl -fs "http://127.0.0.1:$PORT/_cluster/health?wait_for_status=green&timeout=1s" >/dev/null 2>&1 && { echo "node ready"; exit 0; }
    sleep 1
done
echo "node not ready"; exit 1
