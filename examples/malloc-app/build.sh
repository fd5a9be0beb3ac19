#!/usr/bin/env bash
# build.sh - builds examples/malloc-app with gomem as its malloc using the commands of its
# README.md (native linked and preloaded, WASI, Emscripten -sMALLOC=none) and runs each build
# once, so that the example cannot rot. Output in build/malloc-app/. It asks no more of a run than
# exit status 0: that gomem's malloc gives programs the same results as their C library's is
# tested by tests/malloc (in the native, WASI and Emscripten suites) and by the real programs of
# tests/programs (npm run test:programs).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
bash scripts/build-malloc.sh >/dev/null
source scripts/emscripten-env.sh
emscripten_env -O2
out=build/malloc-app
app=examples/malloc-app/app.c
mkdir -p "$out"

set -x
cc -O2 -DSHOW_GOMEM_HEAP -Iinclude "$app" build/malloc-native/libgomem_malloc.a -lpthread \
  -o "$out/app"
"$out/app"
cc -O2 "$app" -o "$out/app-plain"
LD_PRELOAD=$root/build/malloc-native/libgomem_malloc.so "$out/app-plain"
clang --target=wasm32-wasi -O2 -DSHOW_GOMEM_HEAP -Iinclude "$app" \
  build/malloc-wasi/libgomem_malloc.a -o "$out/app.wasm"
node scripts/wasi-run.mjs "$out/app.wasm"
emcc -O2 -DSHOW_GOMEM_HEAP -Iinclude "$app" build/malloc-emscripten/libgomem_malloc.a \
  -sMALLOC=none -sALLOW_MEMORY_GROWTH=1 -sWASM_ASYNC_COMPILATION=0 -o "$out/app.js"
node "$out/app.js"
