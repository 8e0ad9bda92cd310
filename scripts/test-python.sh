#!/usr/bin/env bash
# Runs every Python test (tests live beside the code as src/**/test_*.py). A few minutes on 2 cores.
# Pytest's exit code 5 ("no tests collected") counts as success.
set -uo pipefail
cd "$(dirname "$0")/.."
PYTHONPATH=src /usr/bin/python3 -m pytest -q src "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
  echo "no Python tests collected; treating as success"
  exit 0
fi
exit "$rc"
