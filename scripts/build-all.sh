#!/usr/bin/env bash
# Builds the plugin for every engine flavour, one after another, tests skipped (each flavour's own tests: mvn -B
# package -Dflavour=...), and copies each zip into dist/ named with its engine and version:
#   dist/opensearch-image-hash-0.1.0-os-3.5.0.zip, ... dist/elasticsearch-image-hash-0.1.0-es-9.5.3.zip
# The Elasticsearch flavours are built when plugin/elasticsearch/pom.xml exists.
#
#   scripts/build-all.sh [FLAVOUR...]     # default: all of FLAVOURS below
set -euo pipefail

# flavour  engine folder (plugin/<folder>)  artifact name: the one list of flavours
FLAVOURS=(
    "os-3.5.0   opensearch     opensearch-image-hash"
    "os-3.9.0   opensearch     opensearch-image-hash"
    "os-2.19.6  opensearch     opensearch-image-hash"
    "es-8.19.21 elasticsearch  elasticsearch-image-hash"
    "es-9.5.3   elasticsearch  elasticsearch-image-hash"
)

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
source scripts/java-env.sh
VERSION=$(sed -n 's:^  <version>\(.*\)</version>:\1:p' pom.xml | head -1)
mkdir -p dist

wanted=("$@")
for entry in "${FLAVOURS[@]}"; do
    read -r flavour engine artifact <<<"$entry"
    if [ ${#wanted[@]} -gt 0 ] && [[ " ${wanted[*]} " != *" $flavour "* ]]; then
        continue
    fi
    if [ ! -f "plugin/$engine/pom.xml" ]; then
        echo "[build-all] $flavour: skipped (no plugin/$engine/pom.xml yet)" >&2
        continue
    fi
    start=$SECONDS
    # OpenSearch flavours build into plugin/opensearch/target/<flavour>/ (the default build's target/ stays 3.5.0)
    nice mvn -B -q clean package -DskipTests -Dflavour="$flavour" >"dist/build-$flavour.log" 2>&1 \
        || { tail -40 "dist/build-$flavour.log" >&2; echo "[build-all] $flavour: FAILED (dist/build-$flavour.log)" >&2; exit 1; }
    zip=plugin/$engine/target/$flavour/$artifact-$VERSION.zip
    [ -f "$zip" ] || zip=plugin/$engine/target/$artifact-$VERSION.zip
    cp "$zip" "dist/$artifact-$VERSION-$flavour.zip"
    rm -f "dist/build-$flavour.log"
    echo "[build-all] $flavour: dist/$artifact-$VERSION-$flavour.zip ($((SECONDS - start)) s)" >&2
done
