#!/usr/bin/env bash
# Installs what the search-page browser test needs (run as root on Debian 12; idempotent): Debian's Chromium and,
# from npm, playwright-core (a DevTools-protocol driver only: it downloads no browser, the test drives
# /usr/bin/chromium) into plugin/opensearch/src/test/realnode/browser/node_modules, exactly as package-lock.json says.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
source scripts/apt-install-missing.sh
apt_install_missing chromium
# Node.js: Debian's unless a node and npm are already there (e.g. NodeSource's nodejs, which bundles npm and
# conflicts with Debian's npm package)
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    apt_install_missing nodejs npm
fi
cd plugin/opensearch/src/test/realnode/browser
stamp=node_modules/.installed-from-package-lock.json
if ! cmp -s package-lock.json "$stamp" 2>/dev/null; then
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --ignore-scripts
    cp package-lock.json "$stamp"
fi
