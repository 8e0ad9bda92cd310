#!/usr/bin/env bash
# The main job, end to end on a fresh machine: build the plugin, start a real OpenSearch 3.5.0 node with it, index the
# 69,000 Fashion-MNIST database images through the image_hash pipeline (bundled default model), run the 1,000
# protocol queries by image, print mAP / latency / throughput, and write build/demo/index.html (+ a screenshot).
# README's first command.
#
#   bash scripts/demo.sh                                   # starts its own node on port 9250 (left running)
#   bash scripts/demo.sh --url https://host:9200 --user admin --password secret [--insecure]
#                                                          # an existing cluster that has the plugin installed
#   bash scripts/demo.sh --images-dir ~/photos             # your own images (labels: sub-folder names)
#   bash scripts/demo.sh --images-dir ~/photos --model-id photos --model-dir models/photos
#                                                          # ... with your model (vithash export + push), README
#   bash scripts/demo.sh --database 5000 --queries 100     # a quicker run on evenly spaced subsets
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
if command -v chromium >/dev/null 2>&1; then
    screenshot=(--screenshot build/demo/screenshot.png)
else
    screenshot=()
fi
if [[ " $* " != *" --url "* ]]; then
    source scripts/java-env.sh
    mvn -B -q package -DskipTests
    bash scripts/opensearch-node.sh start
    set -- --url "$(bash scripts/opensearch-node.sh url)" "$@"
    echo "(the node keeps running; stop it with: bash scripts/opensearch-node.sh stop)"
fi
PYTHONPATH=src /usr/bin/python3 -m imagehash_demo.image_demo "${screenshot[@]}" "$@"
