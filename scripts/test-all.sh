#!/usr/bin/env bash
# The full test run: Java (unit, Lucene-level, single-node and two-node OpenSearch framework tests), Python, and the
# built plugin zip installed into a real OpenSearch 3.5.0 node exercised over HTTP, then the smoke subset of those tests
# on the other engines and versions (scripts/test-engines.sh: OpenSearch 2.19.6, Elasticsearch 9.5.3 and 8.19.21).
# README's second command; CI runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
source scripts/java-env.sh

mvn -B package

bash scripts/test-python.sh

trap 'bash scripts/opensearch-node.sh stop 2>/dev/null' EXIT
bash scripts/opensearch-node.sh start
OS_URL=$(bash scripts/opensearch-node.sh url) /usr/bin/python3 -m pytest -q plugin/opensearch/src/test/realnode
bash scripts/opensearch-node.sh stop

bash scripts/test-engines.sh
