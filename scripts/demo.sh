#!/usr/bin/env bash
# The main job, end to end on a fresh machine: build the plugin, start a real OpenSearch 3.5.0 node with it, index
# example hash codes and search them by Hamming distance. README's first command.
#
#   bash scripts/demo.sh                       # starts its own node on port 9250 (left running; see the last line)
#   bash scripts/demo.sh --url https://host:9200 --user admin --password secret   # an existing cluster with the plugin
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
if [[ " $* " != *" --url "* ]]; then
    source scripts/java-env.sh
    mvn -B -q package -DskipTests
    bash scripts/opensearch-node.sh start
    set -- --url "$(bash scripts/opensearch-node.sh url)" "$@"
    echo "(the node keeps running; stop it with: bash scripts/opensearch-node.sh stop)"
fi
PYTHONPATH=src /usr/bin/python3 -m imagehash_demo.codes_demo "$@"
