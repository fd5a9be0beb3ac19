#!/usr/bin/env bash
# npm test: builds and runs every test of the project.
#   - the native suite in each build-option combination: default (the tlsf index), each other
#     free-block index (GOMEM_INDEX=treap, GOMEM_INDEX=avl), and on the default index GOMEM_BUDDY,
#     GOMEM_DISABLE_RM, GOMEM_THREADS, GOMEM_DEBUG, GOMEM_MMAP=OFF;
#   - GOMEM_HARDENED with the treap index, and with the avl index plus GOMEM_BUDDY under
#     AddressSanitizer + UndefinedBehaviorSanitizer;
#   - the default suite (tlsf) under AddressSanitizer + UndefinedBehaviorSanitizer, the threaded
#     build (tlsf) under ThreadSanitizer, and the default build once under valgrind memcheck;
#     the malloc layer's threads there through test_malloc_heap_threads, which calls its heap
#     (src/malloc/heap.h) directly since sanitizers replace malloc; under valgrind test_malloc and
#     test_malloc_threads run too (tests/malloc/CMakeLists.txt), fork and preload natively only;
#   - the libFuzzer targets over their saved corpus plus a few seconds of fuzzing each;
#   - the WASI build: the suite and the memory.grow tests under node:wasi;
#   - the freestanding wasm module, built and shrunk with wasm-opt (sizes printed), and the JS
#     wrapper's tests over it (node --test) and in headless Chromium, the shared-memory module
#     with four workers under Node and in Chromium, the web page
#     (examples/web) in Chromium, the packed tarball used from ESM, CommonJS and TypeScript (its
#     file list and npm publish --dry-run checked), and that tarball bundled by esbuild and Vite;
#   - the Emscripten build: the suite under node, plain and threaded, and examples/emscripten-app;
#   - the install: find_package(gomem) and pkg-config from an installed prefix.
# The last line counts configurations: 'configurations: N passed, N failed'.
# Build trees go to build/test-*; ctest prints each suite's summary.
# `scripts/test.sh native` (npm run test:native) runs only the native configurations and the
# install check.
set -euo pipefail
only_native=false
[ "${1:-}" = native ] && only_native=true
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source scripts/setup.sh
ensure_packages cmake:cmake gcc:gcc make:make valgrind:valgrind pkg-config:pkg-config

configs=(
  "default|"
  "treap|-DGOMEM_INDEX=treap"
  "avl|-DGOMEM_INDEX=avl"
  "buddy|-DGOMEM_BUDDY=ON -DGOMEM_BUDDY_POOL_SIZE=1048576"
  "disable-rm|-DGOMEM_DISABLE_RM=ON"
  "threads|-DGOMEM_THREADS=ON"
  "debug|-DGOMEM_DEBUG=ON -DCMAKE_BUILD_TYPE=Debug"
  "heap-pages|-DGOMEM_MMAP=OFF"
  "asan-ubsan|-DGOMEM_SANITIZE=address,undefined -DCMAKE_BUILD_TYPE=RelWithDebInfo"
  "treap-hardened|-DGOMEM_INDEX=treap -DGOMEM_HARDENED=ON"
  "avl-hardened-asan|-DGOMEM_INDEX=avl -DGOMEM_BUDDY=ON -DGOMEM_HARDENED=ON -DGOMEM_SANITIZE=address,undefined -DCMAKE_BUILD_TYPE=RelWithDebInfo"
  "threads-tsan|-DGOMEM_THREADS=ON -DGOMEM_SANITIZE=thread -DCMAKE_BUILD_TYPE=RelWithDebInfo"
  "valgrind|-DGOMEM_TEST_VALGRIND=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo"
)

failed=()
for entry in "${configs[@]}"; do
  name=${entry%%|*}
  options=${entry#*|}
  echo "== native suite: $name ${options:+($options)}"
  # shellcheck disable=SC2086
  if bash scripts/build.sh "build/test-$name" -DGOMEM_BUILD_BENCH=OFF $options &&
     ctest --test-dir "build/test-$name" --output-on-failure --timeout 300; then
    :
  else
    failed+=("$name")
  fi
done

# As a C user installs it: cmake --install, then find_package(gomem) and pkg-config from outside.
install_check() {
  local prefix=$root/build/test-install
  rm -rf "$prefix" build/test-consumer
  cmake --install build/test-default --prefix "$prefix" >/dev/null &&
    cmake -S examples/cmake-consumer -B build/test-consumer -DCMAKE_PREFIX_PATH="$prefix" >/dev/null &&
    cmake --build build/test-consumer >/dev/null &&
    build/test-consumer/consumer &&
    gcc -std=c11 examples/cmake-consumer/main.c \
      $(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags --libs gomem) \
      -Wl,-rpath,"$prefix/lib" -o build/test-consumer/pkg-config-consumer &&
    build/test-consumer/pkg-config-consumer
}

# One more named step: a script that exits 0 when its part passed.
step() {
  local name=$1 title=$2
  shift 2
  echo "== $title"
  configs+=("$name|")
  "$@" || failed+=("$name")
}

if ! $only_native; then
  step fuzz-smoke "fuzz smoke (libFuzzer over the saved corpus + ${FUZZ_SMOKE_SECONDS:-5} s each)" \
    bash scripts/fuzz-smoke.sh
  step wasi "WASI: the C suite and the memory.grow tests under node:wasi" bash scripts/test-wasi.sh
  step wasm-module "freestanding wasm module (clang wasm32, wasm-opt -Oz)" \
    bash scripts/build-wasm-module.sh
  step js "JS wrapper: node --test over the wasm module" bash scripts/test-js.sh
  step browser "JS wrapper in headless Chromium (playwright-core)" bash scripts/test-browser.sh
  step web "the web page (examples/web) in headless Chromium: an FLV file, the memory map" \
    bash scripts/test-web.sh
  step workers "one shared memory, four workers: worker_threads and Web Workers in Chromium" \
    bash scripts/test-workers.sh
  step pack "npm pack, installed into a fresh project: ESM, CommonJS, tsc; file list, publish --dry-run" \
    bash scripts/test-pack.sh
  step bundlers "bundlers: the packed tarball through esbuild and Vite, run in Chromium and Node" \
    bash scripts/test-bundlers.sh
  step demos "the demos of npm start (each checks what it parses)" bash scripts/demo.sh
  step emscripten "Emscripten: the C suite (plain and threaded) and the example app under node" \
    bash scripts/test-emscripten.sh
  step malloc-example "examples/malloc-app built and run as its README shows: linked, LD_PRELOAD, WASI, Emscripten" \
    bash examples/malloc-app/build.sh
  step programs "real programs (SQLite, zlib, Lua, malloc stress) with gomem as malloc, quick set" \
    node scripts/test-programs.mjs --quick
fi
step install "install: find_package(gomem) and pkg-config from an installed prefix" install_check

echo "configurations: $(( ${#configs[@]} - ${#failed[@]} )) passed, ${#failed[@]} failed"
if [ ${#failed[@]} -gt 0 ]; then
  echo "failed: ${failed[*]}"
  exit 1
fi
