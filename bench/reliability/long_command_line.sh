#!/usr/bin/env bash
# Does the plugin survive a node whose command line is long? ONNX Runtime 1.29.0's telemetry matches the whole of
# /proc/self/cmdline with a std::regex that recurses once per character (docs/RELIABILITY.md, "ONNX Runtime 1.29.0
# and long command lines"): on a 1 MB thread stack, a command line over ~3,900 bytes used to kill the JVM (SIGSEGV) at
# the first model load. This starts a fresh node (scripts/opensearch-node.sh, so OS_PORT, OS_NODE_DIR, OS_VERSION
# apply) with PADDING bytes of extra -D options, encodes a golden image and checks the code and that the node lives on.
#
#   bash bench/reliability/long_command_line.sh [ZIP] [PADDING]     # default: the built zip, 8000 bytes
#
# Exit 0: the right code, same node process. Exit 1: the node died (or answered wrongly). The node keeps running.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
ZIP=${1:-$ROOT/plugin/opensearch/target/opensearch-image-hash-0.1.0.zip}
PADDING=${2:-8000}
OS_JAVA_OPTS=$(python3 -c "import sys; n = int(sys.argv[1]); print(' '.join('-Dimage_hash.padding%d=%s' % (i, 'x' * 60) for i in range(n // 83 + 1)))" "$PADDING")
export OS_JAVA_OPTS
bash "$ROOT/scripts/opensearch-node.sh" start --plugin "$ZIP"
URL=$(bash "$ROOT/scripts/opensearch-node.sh" url)
NODE_DIR=${OS_NODE_DIR:-/tmp/opensearch-image-hash-node}
pid=$(pgrep -f "opensearch.path.home=$NODE_DIR/" | head -1)
echo "node pid $pid, command line $(wc -c <"/proc/$pid/cmdline") bytes"
image=$(base64 -w0 "$ROOT/models/default/golden/$(ls "$ROOT/models/default/golden" | grep -m1 '\.png$')")
expected=$(python3 -c "import json; print(json.load(open('$ROOT/models/default/golden/golden.json'))['images'][0]['hex'])")
answer=$(curl -s -m 120 -XPOST "$URL/_plugins/image_hash/models/default/_encode" -H 'Content-Type: application/json' \
    -d "{\"image\": \"$image\"}" || true)
sleep 2
if ! kill -0 "$pid" 2>/dev/null; then
    echo "FAIL: the node died at the first model load; last lines of its output:"
    tail -5 "$NODE_DIR/logs/stdout.log"
    exit 1
fi
echo "answer: $answer"
case $answer in
    *"\"code\":\"$expected\""*) echo "OK: right code ($expected), node pid $pid alive" ;;
    *) echo "FAIL: expected code $expected"; exit 1 ;;
esac
