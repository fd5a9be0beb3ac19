#!/usr/bin/env bash
# Runs the JS wrapper's tests (tests/js/*.test.mjs) under node --test. Brings the wasm module up
# to date first (an incremental build) and copies it to js/gomem.wasm, where js/index.mjs loads
# it from (a build product: gitignored, never committed).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
module=build/wasm-module/gomem_module.opt.wasm
bash scripts/build-wasm-module.sh
cp "$module" js/gomem.wasm
node --test tests/js/
