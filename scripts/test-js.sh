#!/usr/bin/env bash
# Runs the JS wrapper's tests (tests/js/*.test.mjs) under node --test, over a module brought up
# to date by scripts/js-module.sh.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/js-module.sh
node --test tests/js/
