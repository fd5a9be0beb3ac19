#!/usr/bin/env bash
# npm run build: the native release library (static + shared) and the freestanding wasm module.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/setup.sh
bash scripts/build.sh build/release -DGOMEM_BUILD_TESTS=OFF -DGOMEM_BUILD_BENCH=OFF
bash scripts/build-wasm-module.sh
echo "native:      build/release/libgomem.a, build/release/libgomem.so"
echo "wasm module: build/wasm-module/gomem_module.opt.wasm"
