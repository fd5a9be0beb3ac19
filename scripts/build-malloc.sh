#!/usr/bin/env bash
# Builds gomem_malloc (gomem as the program's malloc) for every target, release flags:
#   build/malloc-native/libgomem_malloc.so   LD_PRELOAD=... any dynamically linked program
#   build/malloc-native/libgomem_malloc.a    link before the C library
#   build/malloc-wasi/libgomem_malloc.a      link into a wasm32-wasi program (replaces dlmalloc)
#   build/malloc-emscripten/libgomem_malloc.a  link with emcc -sMALLOC=none
# and prints each artifact's size.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source scripts/setup.sh
ensure_packages cmake:cmake make:make gcc:gcc clang:clang wasm-ld-14:lld-14 llvm-ar-14:llvm-14 \
  /usr/lib/wasm32-wasi/libc.a:wasi-libc emcc:emscripten emcmake:emscripten
if ! compgen -G "/usr/lib/llvm-*/lib/clang/*/lib/wasi/libclang_rt.builtins-wasm32.a" >/dev/null; then
  install_packages libclang-rt-14-dev-wasm32
fi
jobs=$(nproc 2>/dev/null || echo 2)
only=(-DCMAKE_BUILD_TYPE=Release -DGOMEM_BUILD_TESTS=OFF -DGOMEM_BUILD_BENCH=OFF
      -DGOMEM_BUILD_EXAMPLES=OFF -DGOMEM_WERROR=ON)
quiet() { # run a configure step, showing its output only when it fails
  local log
  log=$(mktemp)
  if ! "$@" >"$log" 2>&1; then cat "$log" >&2; rm -f "$log"; return 1; fi
  rm -f "$log"
}

quiet cmake -S . -B build/malloc-native "${only[@]}"
cmake --build build/malloc-native --target gomem_malloc gomem_malloc_shared -j"$jobs" >/dev/null

quiet cmake -S . -B build/malloc-wasi -DCMAKE_TOOLCHAIN_FILE="$root/cmake/wasi-toolchain.cmake" "${only[@]}"
cmake --build build/malloc-wasi --target gomem_malloc -j"$jobs" >/dev/null

source scripts/emscripten-env.sh
emscripten_env "-O3"
quiet emcmake cmake -S . -B build/malloc-emscripten "${only[@]}"
cmake --build build/malloc-emscripten --target gomem_malloc -j"$jobs" >/dev/null

for f in build/malloc-native/libgomem_malloc.so build/malloc-native/libgomem_malloc.a \
         build/malloc-wasi/libgomem_malloc.a build/malloc-emscripten/libgomem_malloc.a; do
  printf '%-44s %8d bytes\n' "$f" "$(stat -L -c %s "$f")"
done
