#!/usr/bin/env bash
# Installs what the build, the tests and the demo need on a fresh Debian 12 machine (run as root; idempotent).
# Java: Maven and a JDK 21+ (OpenSearch 3.5 needs it) come with the machine; scripts/java-env.sh finds the JDK.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

source scripts/apt-install-missing.sh
apt_install_missing unzip curl maven
bash scripts/install-python-deps.sh
bash scripts/install-browser-deps.sh
