#!/usr/bin/env bash
# npm test: builds and runs every test of the project.
#   - the native suite in each build-option combination (default, GOMEM_TWOTREE, GOMEM_BUDDY,
#     GOMEM_DISABLE_RM, GOMEM_THREADS, GOMEM_DEBUG, GOMEM_MMAP=OFF);
#   - the default suite under AddressSanitizer + UndefinedBehaviorSanitizer, the threaded build
#     under ThreadSanitizer, and the default build once under valgrind memcheck;
#   - the libFuzzer targets over their saved corpus plus a few seconds of fuzzing each;
#   - the WASI build: the suite and the memory.grow tests under node:wasi;
#   - the freestanding wasm module, built and shrunk with wasm-opt (sizes printed), and the JS
#     wrapper's tests over it (node --test);
#   - the Emscripten build: the suite under node, plain and threaded, and examples/emscripten-app;
#   - the install: find_package(gomem) and pkg-config from an installed prefix.
# The last line counts configurations: 'configurations: N passed, N failed'.
# Build trees go to build/test-*; ctest prints each suite's summary.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source scripts/setup.sh
ensure_packages cmake:cmake gcc:gcc make:make valgrind:valgrind pkg-config:pkg-config

configs=(
  "default|"
  "twotree|-DGOMEM_TWOTREE=ON"
  "buddy|-DGOMEM_BUDDY=ON -DGOMEM_BUDDY_POOL_SIZE=1048576"
  "disable-rm|-DGOMEM_DISABLE_RM=ON"
  "threads|-DGOMEM_THREADS=ON"
  "debug|-DGOMEM_DEBUG=ON -DCMAKE_BUILD_TYPE=Debug"
  "heap-pages|-DGOMEM_MMAP=OFF"
  "asan-ubsan|-DGOMEM_SANITIZE=address,undefined -DCMAKE_BUILD_TYPE=RelWithDebInfo"
  "twotree-asan|-DGOMEM_TWOTREE=ON -DGOMEM_BUDDY=ON -DGOMEM_SANITIZE=address,undefined -DCMAKE_BUILD_TYPE=RelWithDebInfo"
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
echo "== fuzz smoke (libFuzzer over the saved corpus + ${FUZZ_SMOKE_SECONDS:-5} s each)"
configs+=("fuzz-smoke|")
bash scripts/fuzz-smoke.sh || failed+=("fuzz-smoke")

echo "== WASI: the C suite and the memory.grow tests under node:wasi"
configs+=("wasi|")
bash scripts/test-wasi.sh || failed+=("wasi")

echo "== freestanding wasm module (clang wasm32, wasm-opt -Oz)"
configs+=("wasm-module|")
bash scripts/build-wasm-module.sh || failed+=("wasm-module")

echo "== JS wrapper: node --test over the wasm module"
configs+=("js|")
bash scripts/test-js.sh || failed+=("js")

echo "== Emscripten: the C suite (plain and threaded) and the example app under node"
configs+=("emscripten|")
bash scripts/test-emscripten.sh || failed+=("emscripten")

echo "== install: find_package(gomem) and pkg-config from an installed prefix"
configs+=("install|")
install_check || failed+=("install")

echo "configurations: $(( ${#configs[@]} - ${#failed[@]} )) passed, ${#failed[@]} failed"
if [ ${#failed[@]} -gt 0 ]; then
  echo "failed: ${failed[*]}"
  exit 1
fi
