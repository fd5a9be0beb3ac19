#!/usr/bin/env bash
# Runs the JS wrapper's tests (tests/js/*.test.mjs) under node --test, over a module brought up
# to date by scripts/js-module.sh; installs the locked devDependencies when fast-check (the
# property tests) is missing.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source scripts/setup.sh
ensure_npm_packages fast-check
bash scripts/js-module.sh
node --test tests/js/
