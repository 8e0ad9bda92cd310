#!/usr/bin/env bash
# Starts and stops a real Elasticsearch node with this project's plugin installed, as an unprivileged user (like
# scripts/opensearch-node.sh for OpenSearch). The distribution comes from Maven Central (integ-test zip: no bundled
# JDK, no ingest-common or painless module; single node, security off).
#
#   scripts/elasticsearch-node.sh start [--plugin ZIP]    # fresh node, plugin installed, waits until ready
#   scripts/elasticsearch-node.sh stop
#   scripts/elasticsearch-node.sh try-install ZIP          # node stopped, ZIP installed in place of our plugin if the
#                                                         # node accepts it; prints the installer's output
#   scripts/elasticsearch-node.sh url
#
# Environment: ES_VERSION (default 9.5.3), ES_PORT (default 9500), ES_NODE_DIR (default /tmp/elasticsearch-image-hash-node),
# ES_USER (default opensearch-ih: the same unprivileged user), ES_HEAP (default 1g). The node's path.repo (for `fs`
# snapshot repositories) is $ES_NODE_DIR/snapshots.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
VERSION=${ES_VERSION:-9.5.3}
PORT=${ES_PORT:-9500}
NODE_DIR=${ES_NODE_DIR:-/tmp/elasticsearch-image-hash-node}
RUN_USER=${ES_USER:-opensearch-ih}
HEAP=${ES_HEAP:-1g}
HOME_DIR=$NODE_DIR/elasticsearch-$VERSION

source "$ROOT/scripts/java-env.sh"
AS_USER=(runuser -u "$RUN_USER" -- env -u JAVA_HOME ES_JAVA_HOME="$NODE_JAVA_HOME" ES_JAVA_OPTS="-Xms$HEAP -Xmx$HEAP")

log() { echo "[elasticsearch-node] $*" >&2; }

stop() {
    if [ -f "$NODE_DIR/pid" ]; then
        local pid; pid=$(cat "$NODE_DIR/pid" 2>/dev/null || true)
        if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
            log "stopping node (pid $pid)"
            kill "$pid" 2>/dev/null || true
            for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
            kill -9 "$pid" 2>/dev/null || true
        fi
        rm -f "$NODE_DIR/pid"
    fi
}

start() {
    local plugin="$ROOT/dist/elasticsearch-image-hash-0.1.0-es-$VERSION.zip"
    while [ $# -gt 0 ]; do
        case $1 in
            --plugin) plugin=$2; shift 2 ;;
            *) echo "unknown option $1" >&2; exit 2 ;;
        esac
    done
    [ -f "$plugin" ] || { echo "plugin zip not found: $plugin (run: bash scripts/build-all.sh)" >&2; exit 1; }
    stop
    id -u "$RUN_USER" >/dev/null 2>&1 || useradd --system --create-home --shell /usr/sbin/nologin "$RUN_USER"
    mkdir -p "$NODE_DIR/dist"
    local dist="$NODE_DIR/dist/elasticsearch-$VERSION.zip"
    if [ ! -s "$dist" ]; then
        log "fetching Elasticsearch $VERSION"
        mvn -B -q dependency:copy -Dartifact="org.elasticsearch.distribution.integ-test-zip:elasticsearch:$VERSION:zip" \
            -DoutputDirectory="$NODE_DIR/dist" >&2
    fi
    rm -rf "$HOME_DIR" "$NODE_DIR/data" "$NODE_DIR/logs" "$NODE_DIR/snapshots"
    mkdir -p "$NODE_DIR/data" "$NODE_DIR/logs" "$NODE_DIR/snapshots"
    (cd "$NODE_DIR" && unzip -q "$dist")
    cp "$plugin" "$NODE_DIR/dist/elasticsearch-image-hash.zip"
    chown -R "$RUN_USER": "$NODE_DIR"
    chmod 755 "$NODE_DIR"
    log "installing $(basename "$plugin")"
    "${AS_USER[@]}" "$HOME_DIR/bin/elasticsearch-plugin" install --batch "file://$NODE_DIR/dist/elasticsearch-image-hash.zip" \
        >"$NODE_DIR/logs/install.log" 2>&1 || { cat "$NODE_DIR/logs/install.log" >&2; exit 1; }
    log "starting node on port $PORT"
    "${AS_USER[@]}" "$HOME_DIR/bin/elasticsearch" -d -p "$NODE_DIR/pid" -Ediscovery.type=single-node -Ecluster.name=image-hash \
        -Expack.security.enabled=false -Ehttp.port="$PORT" -Etransport.port=$((PORT + 100)) -Epath.data="$NODE_DIR/data" \
        -Epath.logs="$NODE_DIR/logs" -Epath.repo="$NODE_DIR/snapshots" -Ecluster.routing.allocation.disk.threshold_enabled=false \
        >"$NODE_DIR/logs/stdout.log" 2>&1 || { tail -40 "$NODE_DIR/logs/stdout.log" >&2; exit 1; }
    # the integ-test zip has no handler for GET /: wait on the cluster health
    for _ in $(seq 1 180); do
        if curl -fs "http://127.0.0.1:$PORT/_cluster/health?wait_for_status=yellow&timeout=1s" >/dev/null 2>&1; then
            log "node ready at http://127.0.0.1:$PORT"
            return 0
        fi
        sleep 1
    done
    log "node did not become ready in 180 s"; tail -40 "$NODE_DIR/logs/"*.log >&2; exit 1
}

try_install() { # a zip built for another Elasticsearch version must be refused, with Elasticsearch's own message
    local zip=${1:?usage: try-install ZIP} status=0
    [ -d "$HOME_DIR" ] || { echo "no node installed in $NODE_DIR: use start" >&2; exit 1; }
    stop
    cp "$zip" "$NODE_DIR/dist/other.zip"
    chown "$RUN_USER": "$NODE_DIR/dist/other.zip"
    "${AS_USER[@]}" "$HOME_DIR/bin/elasticsearch-plugin" remove elasticsearch-image-hash >"$NODE_DIR/logs/install.log" 2>&1 || true
    "${AS_USER[@]}" "$HOME_DIR/bin/elasticsearch-plugin" install --batch "file://$NODE_DIR/dist/other.zip" \
        >>"$NODE_DIR/logs/install.log" 2>&1 || status=$?
    cat "$NODE_DIR/logs/install.log"
    return $status
}

case ${1:-} in
    start) shift; start "$@" ;;
    stop) stop ;;
    try-install) shift; try_install "$@" ;;
    url) echo "http://127.0.0.1:$PORT" ;;
    *) echo "usage: $0 start [--plugin ZIP] | stop | try-install ZIP | url" >&2; exit 2 ;;
esac
