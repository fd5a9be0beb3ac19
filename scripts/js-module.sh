#!/usr/bin/env bash
# Brings the wasm modules up to date (an incremental build) and copies them to js/gomem.wasm,
# js/gomem.hardened.wasm (GOMEM_HARDENED, for init({ hardened: true })) and js/gomem.shared.wasm
# (GOMEM_WASM_SHARED, for init({ shared: true })), where js/index.mjs loads them from.
# Build products: gitignored, never committed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/build-wasm-module.sh
cp build/wasm-module/gomem_module.opt.wasm js/gomem.wasm
cp build/wasm-module-hardened/gomem_module.opt.wasm js/gomem.hardened.wasm
cp build/wasm-module-shared/gomem_module.opt.wasm js/gomem.shared.wasm
