#!/usr/bin/env bash
# npm run test:emscripten: the Emscripten build, end to end, run under Node.
#   1. the whole C test suite built with emcc (emcmake cmake) into build/emscripten, run by ctest
#      through node (the toolchain's CMAKE_CROSSCOMPILING_EMULATOR); tests/emscripten adds
#      test_shared_heap (gomem and the program's malloc on one heap, dlmalloc and emmalloc);
#   2. the same with GOMEM_THREADS (wasm threads, -pthread, shared memory) into
#      build/emscripten-threads;
#   3. examples/emscripten-app, built once with the commands of its README (libgomem.a + emcc) and
#      run with node: an example that no longer builds or runs fails here (it is no test).
# Installs emscripten/binaryen through apt when missing. Everything Emscripten 3.1.6 on Debian needs
# (NODE_PATH for its optimizer, synchronous wasm compilation for Node 20, a node without
# --experimental-wasm-threads) is handled here and in cmake/emscripten.cmake.
# The last line counts configurations: 'configurations: N passed, N failed'; exit 1 on any failure.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source scripts/setup.sh
ensure_packages cmake:cmake make:make node:nodejs emcc:emscripten emcmake:emscripten wasm-opt:binaryen
started=$SECONDS
jobs=$(nproc 2>/dev/null || echo 2)

source scripts/emscripten-env.sh
emscripten_env -sMALLOC=emmalloc -pthread

configs=()
failed=()
record() { # record NAME COMMAND...: run a step, remember whether it passed
  local name=$1
  shift
  configs+=("$name")
  if "$@"; then :; else failed+=("$name"); fi
}

suite() { # suite BUILD_DIR [cmake -D options...]: configure, build and ctest one configuration
  local dir=$1
  shift
  emcmake cmake -S . -B "$dir" -DGOMEM_WERROR=ON -DGOMEM_BUILD_BENCH=OFF -DGOMEM_BUILD_EXAMPLES=OFF \
    "$@" >/dev/null &&
    cmake --build "$dir" --parallel "$jobs" >/dev/null &&
    ctest --test-dir "$dir" --output-on-failure --timeout 300 --parallel "$jobs"
}

example() { # example OUT_DIR: build examples/emscripten-app like a user, run it with node
  local out=$1
  bash examples/emscripten-app/build.sh "$out" >/dev/null 2>"$out.log" ||
    { cat "$out.log"; return 1; }
  node "$out/app.js"
}

echo "== emscripten suite (build/emscripten)"
record emscripten suite build/emscripten
echo "== emscripten suite with GOMEM_THREADS, wasm threads (build/emscripten-threads)"
record emscripten-threads suite build/emscripten-threads -DGOMEM_THREADS=ON
echo "== examples/emscripten-app, built and run as its README shows"
mkdir -p build
record example example "$root/build/emscripten-app"

echo "emscripten: $((SECONDS - started)) s"
echo "configurations: $(( ${#configs[@]} - ${#failed[@]} )) passed, ${#failed[@]} failed"
if [ ${#failed[@]} -gt 0 ]; then
  echo "failed: ${failed[*]}"
  exit 1
fi
