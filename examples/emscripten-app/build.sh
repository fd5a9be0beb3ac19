#!/usr/bin/env bash
# build.sh - builds examples/emscripten-app the way an Emscripten user links gomem into an app:
#   1. libgomem.a with emcmake + cmake (no tests, no benchmarks);
#   2. app.js + app.wasm with emcc, linking app.c against libgomem.a.
# Then `node <out>/app.js` runs it. The commands are the ones in README.md.
#
#   examples/emscripten-app/build.sh [--threads] [--malloc=dlmalloc|emmalloc] [OUT_DIR]
#
# --threads builds the library with GOMEM_THREADS and the app with -pthread (wasm threads on
# shared memory), so the app also runs workers side by side. --malloc picks the app's libc
# allocator, which gomem shares (its pages come from that heap). OUT_DIR defaults to
# build/emscripten-app[-threads][-MALLOC] under the repository.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

threads=0
malloc_impl=dlmalloc
out=""
for arg in "$@"; do
  case $arg in
    --threads) threads=1 ;;
    --malloc=*) malloc_impl=${arg#--malloc=} ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) out=$arg ;;
  esac
done
if [ -z "$out" ]; then
  out=$root/build/emscripten-app
  [ "$threads" = 1 ] && out=$out-threads
  [ "$malloc_impl" != dlmalloc ] && out=$out-$malloc_impl
fi

# Debian's emcc runs its JS optimizer with node, which finds the acorn module only here.
if [ -d /usr/share/nodejs/acorn ]; then
  case ":${NODE_PATH:-}:" in
    *:/usr/share/nodejs:*) ;;
    *) export NODE_PATH=/usr/share/nodejs${NODE_PATH:+:$NODE_PATH} ;;
  esac
fi

lib_options=(-DGOMEM_BUILD_TESTS=OFF -DGOMEM_BUILD_BENCH=OFF -DGOMEM_BUILD_EXAMPLES=OFF)
app_flags=()
if [ "$threads" = 1 ]; then
  lib_options+=(-DGOMEM_THREADS=ON)
  # The app starts 4 workers; Node cannot load a worker while main blocks, so preload them.
  app_flags+=(-pthread -sPTHREAD_POOL_SIZE=4 -Wno-pthreads-mem-growth)
fi

set -x
# 1. The static library, built by emcc through CMake's Emscripten toolchain.
emcmake cmake -S "$root" -B "$out/lib" -DCMAKE_BUILD_TYPE=Release "${lib_options[@]}" >/dev/null
cmake --build "$out/lib" --parallel >/dev/null

# 2. The app. -sALLOW_MEMORY_GROWTH=1 lets the heap (and so gomem) grow; -sEXIT_RUNTIME=1 makes
#    main's return the exit code; -sWASM_ASYNC_COMPILATION=0 reads app.wasm with fs, since the
#    3.1.6 glue would try Node 20's fetch on a file path.
emcc -std=c11 -O2 -Wall -Wextra -Wpedantic -Wconversion -Wshadow -Werror \
  "$here/app.c" -I"$root/include" "$out/lib/libgomem.a" -o "$out/app.js" \
  "-sMALLOC=$malloc_impl" -sALLOW_MEMORY_GROWTH=1 -sEXIT_RUNTIME=1 -sWASM_ASYNC_COMPILATION=0 \
  -sENVIRONMENT=node ${app_flags[@]+"${app_flags[@]}"}
{ set +x; } 2>/dev/null
echo "built $out/app.js; run it with: node $out/app.js"
