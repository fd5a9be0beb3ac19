#!/usr/bin/env bash
# build.sh - builds examples/emscripten-app with the commands of its README.md, the way an
# Emscripten user links gomem into an app:
#   1. libgomem.a with emcmake + cmake (no tests, no benchmarks, no examples);
#   2. app.js + app.wasm with emcc, app.c linked against libgomem.a.
# Then `node OUT_DIR/app.js` runs it.
#
#   examples/emscripten-app/build.sh [OUT_DIR]      (default: build/emscripten-app)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
out=${1:-build/emscripten-app}
# Puts /usr/share/nodejs on NODE_PATH, which Debian's emcc needs (the README's first command).
source scripts/emscripten-env.sh
emscripten_env

set -x
emcmake cmake -S . -B "$out/lib" -DCMAKE_BUILD_TYPE=Release \
  -DGOMEM_BUILD_TESTS=OFF -DGOMEM_BUILD_BENCH=OFF -DGOMEM_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$out/lib" --parallel >/dev/null
emcc -std=c11 -O2 -Wall -Wextra examples/emscripten-app/app.c -Iinclude "$out/lib/libgomem.a" \
  -o "$out/app.js" -sALLOW_MEMORY_GROWTH=1 -sEXIT_RUNTIME=1 -sWASM_ASYNC_COMPILATION=0 \
  -sENVIRONMENT=node
{ set +x; } 2>/dev/null
echo "built $out/app.js; run it with: node $out/app.js"
