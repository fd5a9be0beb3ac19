#!/usr/bin/env bash
# npm run test:web: the web page of examples/web (npm run demo:web) in headless Chromium
# (tests/web/web.test.mjs): Debian's chromium package driven by playwright-core, no browser
# download. The test feeds the page a generated FLV file, checks the numbers it shows (tags,
# bytes parsed, the memory map) and saves a screenshot to build/web/web-demo.png (with
# GOMEM_UPDATE_SCREENSHOT=1 over docs/images/web-demo.png, the README's). Installs
# chromium through apt and the locked devDependencies (npm ci) when they are missing, and brings
# the wasm module up to date (scripts/js-module.sh). Exits non-zero on any failure.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source scripts/setup.sh
ensure_chromium_and_modules
node --test tests/web/
