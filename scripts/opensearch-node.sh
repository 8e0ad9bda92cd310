#!/usr/bin/env bash
# Starts and stops a real OpenSearch node (3.5.0 unless OS_VERSION says otherwise) with this project's plugin installed, as an unprivileged user
# (OpenSearch refuses to run as root). The distribution comes from Maven Central like any other artifact.
#
#   scripts/opensearch-node.sh start [--plugin ZIP] [--knn]   # fresh node, plugin installed, waits until ready
#   scripts/opensearch-node.sh stop
#   scripts/opensearch-node.sh restart [--kill]                 # same node and data; --kill stops it with kill -9
#   scripts/opensearch-node.sh swap ZIP                        # same node and data, our plugin replaced by ZIP
#   scripts/opensearch-node.sh try-install ZIP                 # node stopped, ZIP installed in place of our plugin
#                                                              # if the node accepts it; prints the installer's output
#   scripts/opensearch-node.sh url                             # prints the node's base URL
#
# Environment: OS_VERSION (default 3.5.0; e.g. 2.19.6, from the same Maven coordinates), OS_PORT (HTTP port, default 9250), OS_NODE_DIR (default /tmp/opensearch-image-hash-node),
# OS_USER (default opensearch-ih), OS_HEAP (default 1g), OS_SETTINGS (extra node settings, e.g.
# "-Eimage_hash.inference.device=cpu"), OS_JAVA_OPTS (extra JVM options after the heap size, e.g.
# "-XX:NativeMemoryTracking=summary" for bench/reliability/soak.py). The node's path.repo (for `fs` snapshot repositories) is $OS_NODE_DIR/snapshots.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OS_VERSION=${OS_VERSION:-3.5.0}
KNN_VERSION=$OS_VERSION.0
PORT=${OS_PORT:-9250}
NODE_DIR=${OS_NODE_DIR:-/tmp/opensearch-image-hash-node}
RUN_USER=${OS_USER:-opensearch-ih}
HEAP=${OS_HEAP:-1g}
HOME_DIR=$NODE_DIR/opensearch-$OS_VERSION

source "$ROOT/scripts/java-env.sh"
if [ "${OS_VERSION%%.*}" -lt 3 ]; then
    # OpenSearch 2.x runs the Java Security Manager, which JDK 24+ no longer has: run it on a JDK 17 to 23
    NODE_JAVA_HOME=$(pick_jdk 17 23) || { echo "OpenSearch $OS_VERSION needs a JDK 17 to 23 (apt-get install -y openjdk-17-jdk-headless)" >&2; exit 1; }
fi
AS_USER=(runuser -u "$RUN_USER" -- env JAVA_HOME="$NODE_JAVA_HOME" OPENSEARCH_JAVA_OPTS="-Xms$HEAP -Xmx$HEAP ${OS_JAVA_OPTS:-}")

log() { echo "[opensearch-node] $*" >&2; }

fetch() { # fetch GROUP:ARTIFACT:VERSION:TYPE into $NODE_DIR/dist, print the path
    local coords=$1 file=$2
    mkdir -p "$NODE_DIR/dist"
    if [ ! -s "$NODE_DIR/dist/$file" ]; then
        log "fetching $coords"
        mvn -B -q dependency:copy -Dartifact="$coords" -DoutputDirectory="$NODE_DIR/dist" -Dmdep.overWriteReleases=false >&2
    fi
    echo "$NODE_DIR/dist/$file"
}

stop() {
    local signal=${1:-TERM}
    if [ -f "$NODE_DIR/pid" ]; then
        local pid; pid=$(cat "$NODE_DIR/pid")
        if kill -0 "$pid" 2>/dev/null; then
            log "stopping node (pid $pid, SIG$signal)"
            # the pid is runuser's; signal the JVM itself too, so that kill -9 really is a crash of the node
            pkill "-$signal" -f "opensearch.path.home=$HOME_DIR" 2>/dev/null || true
            kill "-$signal" "$pid" 2>/dev/null || true
            for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
            kill -9 "$pid" 2>/dev/null || true
        fi
        rm -f "$NODE_DIR/pid"
    fi
}

start() {
    local plugin="$ROOT/plugin/opensearch/target/opensearch-image-hash-0.1.0.zip" knn=false
    while [ $# -gt 0 ]; do
        case $1 in
            --plugin) plugin=$2; shift 2 ;;
            --knn) knn=true; shift ;;
            *) echo "unknown option $1" >&2; exit 2 ;;
        esac
    done
    [ -f "$plugin" ] || { echo "plugin zip not found: $plugin (run: mvn -B package -DskipTests)" >&2; exit 1; }
    stop
    id -u "$RUN_USER" >/dev/null 2>&1 || useradd --system --create-home --shell /usr/sbin/nologin "$RUN_USER"

    local dist; dist=$(fetch "org.opensearch.distribution.integ-test-zip:opensearch:$OS_VERSION:zip" "opensearch-$OS_VERSION.zip")
    rm -rf "$HOME_DIR" "$NODE_DIR/data" "$NODE_DIR/logs" "$NODE_DIR/snapshots"
    mkdir -p "$NODE_DIR/data" "$NODE_DIR/logs" "$NODE_DIR/snapshots"
    (cd "$NODE_DIR" && unzip -q "$dist")
    # the plugin must be readable by the node's user: copy it next to the node
    cp "$plugin" "$NODE_DIR/dist/opensearch-image-hash.zip"
    local extra=()
    if $knn; then
        extra+=("$(fetch "org.opensearch.plugin:opensearch-knn:$KNN_VERSION:zip" "opensearch-knn-$KNN_VERSION.zip")")
    fi
    chown -R "$RUN_USER": "$NODE_DIR"
    chmod 755 "$NODE_DIR"
    for zip in "$NODE_DIR/dist/opensearch-image-hash.zip" "${extra[@]}"; do
        log "installing $(basename "$zip")"
        "${AS_USER[@]}" "$HOME_DIR/bin/opensearch-plugin" install --batch "file://$zip" >"$NODE_DIR/logs/install.log" 2>&1 \
            || { cat "$NODE_DIR/logs/install.log" >&2; exit 1; }
    done
    launch
}

launch() { # starts the installed node on its data folder and waits until it answers
    log "starting node on port $PORT"
    setsid "${AS_USER[@]}" "$HOME_DIR/bin/opensearch" -Ediscovery.type=single-node -Ecluster.name=image-hash \
        -Ehttp.port="$PORT" -Etransport.port=$((PORT + 100)) -Epath.data="$NODE_DIR/data" -Epath.logs="$NODE_DIR/logs" \
        -Epath.repo="$NODE_DIR/snapshots" \
        -Ecluster.routing.allocation.disk.threshold_enabled=false ${OS_SETTINGS:-} \
        >"$NODE_DIR/logs/stdout.log" 2>&1 &
    echo $! >"$NODE_DIR/pid"
    for _ in $(seq 1 180); do
        if curl -fs "http://127.0.0.1:$PORT/_cluster/health?wait_for_status=yellow&timeout=1s" >/dev/null 2>&1; then
            log "node ready at http://127.0.0.1:$PORT"
            return 0
        fi
        if ! kill -0 "$(cat "$NODE_DIR/pid")" 2>/dev/null; then
            log "node exited; last log lines:"; tail -40 "$NODE_DIR/logs/stdout.log" >&2; exit 1
        fi
        sleep 1
    done
    log "node did not become ready in 180 s"; tail -40 "$NODE_DIR/logs/stdout.log" >&2; exit 1
}

replace_plugin() { # (node stopped) our plugin replaced by ZIP; the installer's output in $NODE_DIR/logs/install.log
    local zip=$1
    [ -d "$HOME_DIR" ] || { echo "no node installed in $NODE_DIR: use start" >&2; exit 1; }
    stop
    cp "$zip" "$NODE_DIR/dist/opensearch-image-hash.zip"
    chown "$RUN_USER": "$NODE_DIR/dist/opensearch-image-hash.zip"
    "${AS_USER[@]}" "$HOME_DIR/bin/opensearch-plugin" remove opensearch-image-hash >"$NODE_DIR/logs/install.log" 2>&1 || true
    "${AS_USER[@]}" "$HOME_DIR/bin/opensearch-plugin" install --batch "file://$NODE_DIR/dist/opensearch-image-hash.zip" \
        >>"$NODE_DIR/logs/install.log" 2>&1
}

swap() { # replaces our plugin (other plugins stay) and restarts on the same data: compares builds on one index
    replace_plugin "${1:?usage: swap ZIP}" || { cat "$NODE_DIR/logs/install.log" >&2; exit 1; }
    launch
}

try_install() { # stops the node and tries to install ZIP in place of our plugin: prints the installer's output,
                # fails as the installer does (a zip built for another engine version must be refused)
    local status=0
    replace_plugin "${1:?usage: try-install ZIP}" || status=$?
    cat "$NODE_DIR/logs/install.log"
    return $status
}

restart() {
    [ -d "$HOME_DIR" ] || { echo "no node installed in $NODE_DIR: use start" >&2; exit 1; }
    if [ "${1:-}" = "--kill" ]; then stop KILL; else stop; fi
    launch
}

case ${1:-} in
    start) shift; start "$@" ;;
    stop) stop ;;
    restart) shift; restart "$@" ;;
    swap) shift; swap "$@" ;;
    try-install) shift; try_install "$@" ;;
    url) echo "http://127.0.0.1:$PORT" ;;
    *) echo "usage: $0 start [--plugin ZIP] [--knn] | stop | restart [--kill] | swap ZIP | try-install ZIP | url" >&2; exit 2 ;;
esac
