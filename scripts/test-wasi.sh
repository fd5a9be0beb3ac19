#!/usr/bin/env bash
# npm run test:wasi: builds the static library and the whole C test suite for WASI
# (clang --target=wasm32-wasi + wasi-libc, cmake/wasi-toolchain.cmake) into build/wasi and runs
# every test as a .wasm under Node's node:wasi (scripts/wasi-run.mjs), through ctest.
# Installs the cross toolchain through apt when it is missing (like scripts/setup.sh does for the
# native tools). Extra arguments go to the CMake configure step, e.g. -DGOMEM_INDEX=treap.
# Exits non-zero when the build or any test fails.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source scripts/setup.sh

# ensure_glob PATTERN PACKAGE: install PACKAGE when no file matches PATTERN (for files whose path
# carries a version number, such as the compiler-rt builtins).
ensure_glob() {
  compgen -G "$1" >/dev/null && return 0
  ensure_packages "/nonexistent-probe-for-$2:$2"
}

# clang with the wasm32 backend, wasm-ld, llvm-ar (GNU ar writes no index wasm-ld can read),
# wasi-libc, and compiler-rt's builtins for wasm32 (clang links them into every program).
ensure_packages cmake:cmake make:make clang:clang wasm-ld-14:lld-14 llvm-ar-14:llvm-14 \
  /usr/lib/wasm32-wasi/libc.a:wasi-libc
ensure_glob "/usr/lib/llvm-*/lib/clang/*/lib/wasi/libclang_rt.builtins-wasm32.a" \
  libclang-rt-14-dev-wasm32

if ! command -v node >/dev/null 2>&1; then
  echo "test-wasi: node (>= 20, for node:wasi) is required to run the tests" >&2
  exit 1
fi

build=build/wasi
echo "== WASI suite (wasm32-wasi, run under node:wasi) in $build"
cmake -S . -B "$build" -DCMAKE_TOOLCHAIN_FILE="$root/cmake/wasi-toolchain.cmake" \
  -DCMAKE_BUILD_TYPE=Release -DGOMEM_WERROR=ON -DGOMEM_BUILD_BENCH=OFF -DGOMEM_BUILD_EXAMPLES=OFF \
  "$@" >/dev/null
cmake --build "$build" -j "$(nproc 2>/dev/null || echo 2)"
ctest --test-dir "$build" --output-on-failure --timeout 300

# A threaded build (GOMEM_THREADS) needs wasm threads: a wasi-libc with pthreads (the
# wasm32-wasi-threads target of wasi-sdk 20+). Debian 12's wasi-libc has none, so the threaded
# configuration is skipped where pthread.h is missing for wasm32-wasi.
if ! echo '#include <pthread.h>' | clang --target=wasm32-wasi -pthread -fsyntax-only -x c - \
     >/dev/null 2>&1; then
  echo "== WASI threaded suite: skipped (this wasi-libc has no pthreads)"
else
  echo "== WASI threaded suite: not run (this wasi-libc has pthreads, but no threaded WASI" \
       "configuration is set up yet)"
fi
