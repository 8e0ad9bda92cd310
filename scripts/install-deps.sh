#!/usr/bin/env bash
# Installs what the build, the tests and the demo need on a fresh Debian 12 machine (run as root; idempotent).
# Java: Maven and a JDK 21+ (OpenSearch 3.5 needs it) come with the machine; scripts/java-env.sh finds the JDK.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

PACKAGES=(unzip curl maven)
missing=()
for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
bash scripts/install-python-deps.sh
