#!/usr/bin/env bash
# Builds the freestanding wasm module (clang --target=wasm32, no libc) in build/wasm-module, its
# hardened and shared-memory variants beside it, and shrinks each with Binaryen's wasm-opt -Oz;
# prints the sizes against the budgets.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source scripts/setup.sh
ensure_packages clang:clang wasm-ld:lld-14 wasm-opt:binaryen
cmake -S . -B build/wasm-module -DCMAKE_TOOLCHAIN_FILE=cmake/wasm32-module.cmake \
  -DCMAKE_BUILD_TYPE=MinSizeRel -DGOMEM_WERROR=ON >/dev/null
cmake --build build/wasm-module >/dev/null
# The same module with GOMEM_HARDENED, for init({ hardened: true }) (no size budget: a debug aid).
cmake -S . -B build/wasm-module-hardened -DCMAKE_TOOLCHAIN_FILE=cmake/wasm32-module.cmake \
  -DCMAKE_BUILD_TYPE=MinSizeRel -DGOMEM_WERROR=ON -DGOMEM_HARDENED=ON >/dev/null
cmake --build build/wasm-module-hardened --target gomem_module >/dev/null
# The shared-memory module, for init({ shared: true }): one memory for the instances of every
# worker (docs/workers.md).
cmake -S . -B build/wasm-module-shared -DCMAKE_TOOLCHAIN_FILE=cmake/wasm32-module.cmake \
  -DCMAKE_BUILD_TYPE=MinSizeRel -DGOMEM_WERROR=ON -DGOMEM_WASM_SHARED=ON >/dev/null
cmake --build build/wasm-module-shared --target gomem_module >/dev/null
report() {
  local file=$1 budget=$2 what=$3
  local size
  size=$(stat -c %s "$file")
  printf '%-34s %6d bytes (budget %d: %s)\n' "$what" "$size" "$budget" \
    "$([ "$size" -le "$budget" ] && echo within || echo OVER)"
}
report build/wasm-module/gomem_module.opt.wasm 16384 "whole module, wasm-opt -Oz"
report build/wasm-module/gomem_alloc_module.opt.wasm 4096 "allocator family, wasm-opt -Oz"
report build/wasm-module-shared/gomem_module.opt.wasm 16384 "shared-memory module, wasm-opt -Oz"
printf '%-34s %6d bytes (no budget)\n' "hardened module, wasm-opt -Oz" \
  "$(stat -c %s build/wasm-module-hardened/gomem_module.opt.wasm)"
