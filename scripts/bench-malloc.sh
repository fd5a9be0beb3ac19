#!/usr/bin/env bash
# npm run bench:malloc [-- --quick]: gomem as the program's malloc against the mallocs it
# replaces, on bench/malloc/bench_malloc.c (an allocation-heavy mix: 8 B..64 KiB, realloc up and
# down, 4096 slots), same source and seed for every contender:
#   native   glibc malloc vs gomem_malloc (static), and jemalloc/mimalloc/tcmalloc preloaded when
#            installed; memory = peak resident set
#   WASI     wasi-libc's malloc (dlmalloc) vs gomem_malloc; memory = final wasm memory size
#   Emscripten  -sMALLOC=dlmalloc, -sMALLOC=emmalloc, -sMALLOC=none + gomem_malloc
# Every contender's program is compiled with the same flags (-O3); the C libraries' mallocs are
# their prebuilt objects. Prints a table (median ns/op of the runs, min..max, ratio to the peer,
# memory held at the end, and the .wasm size of each wasm build). Figures only: nothing asserts.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
quick=()
for arg in "$@"; do
  case $arg in
    --quick) quick=(--quick) ;;
    *) echo "bench-malloc: unknown argument '$arg' (only --quick)" >&2; exit 2 ;;
  esac
done
bash scripts/build-malloc.sh >/dev/null
source scripts/emscripten-env.sh
emscripten_env "-O3 -sMALLOC=emmalloc" "-O3 -sMALLOC=dlmalloc"

out=build/bench-malloc
mkdir -p "$out"
src=bench/malloc/bench_malloc.c
cflags=(-O3 -std=c11 -D_POSIX_C_SOURCE=200809L)
wasi_cflags=(--target=wasm32-wasi "${cflags[@]}")
em_link=(-sALLOW_MEMORY_GROWTH=1 -sWASM_ASYNC_COMPILATION=0 -sINITIAL_MEMORY=16777216)

gcc "${cflags[@]}" "$src" -o "$out/native-glibc"
gcc "${cflags[@]}" "$src" build/malloc-native/libgomem_malloc.a -lpthread -o "$out/native-gomem"
clang "${wasi_cflags[@]}" "$src" -o "$out/wasi-dlmalloc.wasm"
clang "${wasi_cflags[@]}" "$src" build/malloc-wasi/libgomem_malloc.a -o "$out/wasi-gomem.wasm"
for m in dlmalloc emmalloc; do
  emcc "${cflags[@]}" "$src" "${em_link[@]}" -sMALLOC=$m -o "$out/em-$m.js"
done
emcc "${cflags[@]}" "$src" build/malloc-emscripten/libgomem_malloc.a "${em_link[@]}" -sMALLOC=none \
  -o "$out/em-gomem.js"

node_flags=(--no-liftoff) # every function optimised before main runs (see scripts/bench-wasm.sh)
run() { # run LABEL COMMAND...: one line "label key=value..."
  local label=$1
  shift
  printf '%s %s\n' "$label" "$("$@" "${quick[@]}")"
}
results=$out/results.txt
{
  run "native glibc" "$out/native-glibc"
  run "native gomem" "$out/native-gomem"
  for lib in /usr/lib/x86_64-linux-gnu/libjemalloc.so.2 /usr/lib/x86_64-linux-gnu/libmimalloc.so.2 \
             /usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4; do
    [ -e "$lib" ] && run "native $(basename "$lib" | sed 's/^lib//; s/\.so.*//; s/_minimal//')" \
      env LD_PRELOAD="$lib" "$out/native-glibc"
  done
  run "wasi dlmalloc" node "${node_flags[@]}" scripts/wasi-run.mjs "$out/wasi-dlmalloc.wasm"
  run "wasi gomem" node "${node_flags[@]}" scripts/wasi-run.mjs "$out/wasi-gomem.wasm"
  for m in dlmalloc emmalloc gomem; do
    run "emscripten $m" node "${node_flags[@]}" "$out/em-$m.js"
  done
} | tee "$results"

echo
echo "== gomem as malloc: median ns/op (min..max), ratio gomem/peer; memory held at the end"
echo "   (peak RSS natively, wasm memory size in wasm); .wasm size of each wasm build"
awk '
  { label = $1 " " $2; for (i = 3; i <= NF; i++) { split($i, kv, "="); v[label, kv[1]] = kv[2] }
    order[n++] = label }
  END {
    for (i = 0; i < n; i++) {
      l = order[i]; split(l, p, " ")
      peer = p[1] == "native" ? "native glibc" : p[1] == "wasi" ? "wasi dlmalloc" : "emscripten dlmalloc"
      ratio = (l == peer) ? "" : sprintf("gomem/%s %.2fx", l, v["" p[1] " gomem", "ns_per_op"] / v[l, "ns_per_op"])
      printf "%-22s %9.1f ns/op (%.1f..%.1f)  memory %7.1f MiB  peak requested %5.1f MiB  %s\n", l,
        v[l, "ns_per_op"], v[l, "min"], v[l, "max"], v[l, "memory_peak"] / 1048576,
        v[l, "peak_requested"] / 1048576, (p[2] == "gomem") ? "" : ratio
    }
  }' "$results"
for f in "$out"/wasi-*.wasm "$out"/em-*.wasm; do
  printf '%-34s %8d bytes\n' "$f" "$(stat -c %s "$f")"
done
