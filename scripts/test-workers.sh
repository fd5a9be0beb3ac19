#!/usr/bin/env bash
# npm run test:workers: one shared wasm memory used by several workers (docs/workers.md), the
# scenario of tests/workers/scenario.mjs under Node's worker_threads (node --test) and with Web
# Workers in headless Chromium (tests/workers/browser.mjs, a page served cross-origin isolated).
# Installs chromium through apt and the locked devDependencies when they are missing, and brings
# the wasm modules up to date (scripts/js-module.sh). Exit status non-zero on any failure.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source scripts/setup.sh
ensure_chromium_and_modules
node --test tests/workers/
node tests/workers/browser.mjs
