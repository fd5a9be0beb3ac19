#!/usr/bin/env bash
# Runs the JS wrapper's core tests in headless Chromium (tests/browser/run.mjs): Debian's
# chromium package driven by playwright-core, no browser download. Installs chromium through apt
# and the locked devDependencies (npm ci) when they are missing, and brings the wasm module up to
# date (scripts/js-module.sh).
# The last line is `N passed, N failed`; the exit status is non-zero on any failure.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source scripts/setup.sh
ensure_chromium_and_modules
node tests/browser/run.mjs
