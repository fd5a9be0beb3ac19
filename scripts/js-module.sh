#!/usr/bin/env bash
# Brings the wasm module up to date (an incremental build) and copies it to js/gomem.wasm, where
# js/index.mjs loads it from. A build product: gitignored, never committed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/build-wasm-module.sh
cp build/wasm-module/gomem_module.opt.wasm js/gomem.wasm
