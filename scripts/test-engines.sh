#!/usr/bin/env bash
# The plugin on the other engine versions it is built for: for each flavour below, starts a real node of that engine
# and version with the flavour's zip (dist/, built by scripts/build-all.sh when missing) on its own port, runs the
# smoke subset of the real-node tests against it (pytest -m smoke; it restores the index-compatibility snapshots that
# the engine can read, through the node's path.repo in its folder), checks that the node refuses a zip built for
# another version with the engine's own message, and stops it. scripts/test-all.sh ends with it.
#
#   scripts/test-engines.sh [FLAVOUR...]      # default: all of ENGINES below
#
# A flavour's node comes from scripts/<engine>-node.sh (start --plugin ZIP | try-install ZIP | stop), which takes
# its version, HTTP port and folder from <P>_VERSION, <P>_PORT, <P>_NODE_DIR (P: OS for opensearch, ES for
# elasticsearch).
set -euo pipefail

# flavour   engine      HTTP port  models API prefix      a flavour whose zip the node must refuse
ENGINES=(
    "os-2.19.6  opensearch  9300  /_plugins/image_hash  os-3.5.0"
    "es-9.5.3   elasticsearch  9500  /_image_hash  es-8.19.21"
    "es-8.19.21 elasticsearch  9510  /_image_hash  es-9.5.3"
)

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
VERSION=$(sed -n 's:^  <version>\(.*\)</version>:\1:p' pom.xml | head -1)

zip_of() { # the flavour's zip in dist/, built when missing (the default build's zip is OpenSearch 3.5.0's)
    local flavour=$1 engine=${1%%-*}
    local zip; zip=$(ls dist/*-image-hash-"$VERSION-$flavour".zip 2>/dev/null | head -1 || true)
    if [ -z "$zip" ] && [ "$flavour" = os-3.5.0 ] && [ -f plugin/opensearch/target/opensearch-image-hash-"$VERSION".zip ]; then
        zip=plugin/opensearch/target/opensearch-image-hash-$VERSION.zip
    fi
    if [ -z "$zip" ]; then
        bash scripts/build-all.sh "$flavour"
        zip=$(ls dist/*-image-hash-"$VERSION-$flavour".zip)
    fi
    echo "$zip"
}

wanted=("$@")
failed=()
for entry in "${ENGINES[@]}"; do
    read -r flavour engine port api refuse <<<"$entry"
    if [ ${#wanted[@]} -gt 0 ] && [[ " ${wanted[*]} " != *" $flavour "* ]]; then
        continue
    fi
    version=${flavour#*-}
    P=$(echo "${engine:0:1}" | tr a-z A-Z)S
    dir=${TMPDIR:-/tmp}/image-hash-$flavour
    node() { env "${P}_VERSION=$version" "${P}_PORT=$port" "${P}_NODE_DIR=$dir" bash "scripts/$engine-node.sh" "$@"; }
    start=$SECONDS
    zip=$(zip_of "$flavour")
    other=$(zip_of "$refuse")
    trap 'node stop 2>/dev/null || true' EXIT
    node start --plugin "$zip"
    if ! OS_URL=http://127.0.0.1:$port OS_NODE_DIR=$dir IH_API=$api PYTHONPATH=src /usr/bin/python3 -m pytest -q -p no:cacheprovider -m smoke \
        plugin/opensearch/src/test/realnode; then
        failed+=("$flavour: smoke tests")
    fi
    # a zip built for another version: the engine refuses it at install, with its own message
    if out=$(node try-install "$other" 2>&1); then
        failed+=("$flavour: accepted the $refuse zip")
    elif ! grep -Eq "was built for [A-Za-z]+ version ${refuse#*-} but version $version is running" <<<"$out"; then
        failed+=("$flavour: refused the $refuse zip without the expected message: $(tail -3 <<<"$out")")
    else
        echo "[test-engines] $flavour: refuses the $refuse zip: $(grep -Eo 'Plugin .* is running' <<<"$out" | head -1)" >&2
    fi
    node stop
    trap - EXIT
    echo "[test-engines] $flavour: done in $((SECONDS - start)) s" >&2
done

if [ ${#failed[@]} -gt 0 ]; then
    printf '[test-engines] FAILED: %s\n' "${failed[@]}" >&2
    exit 1
fi
