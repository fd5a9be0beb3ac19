#!/usr/bin/env bash
# build.sh - builds examples/malloc-app (a plain C program) with its C library's malloc and with
# gomem as its only malloc, for every target, runs each and requires the same output:
#   native      cc app.c                                    (glibc malloc)
#               cc app.c libgomem_malloc.a                  (gomem, linked)
#               LD_PRELOAD=libgomem_malloc.so ./app         (gomem, preloaded into the glibc build)
#   WASI        clang --target=wasm32-wasi app.c            (wasi-libc's dlmalloc)
#               ... app.c libgomem_malloc.a                 (gomem replaces it at link time)
#   Emscripten  emcc app.c -sMALLOC=dlmalloc
#               emcc app.c libgomem_malloc.a -sMALLOC=none  (gomem is the only allocator)
# The commands are the ones in docs/malloc.md ("Linking it"). Output in
# build/malloc-app/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"
bash scripts/build-malloc.sh >/dev/null
source scripts/emscripten-env.sh
emscripten_env "-O2"
out=build/malloc-app
mkdir -p "$out"
app=examples/malloc-app/app.c
inc=(-Iinclude -DSHOW_GOMEM)

cc -O2 "$app" -o "$out/native-glibc"
cc -O2 "${inc[@]}" "$app" build/malloc-native/libgomem_malloc.a -lpthread -o "$out/native-gomem"
clang --target=wasm32-wasi -O2 "$app" -o "$out/wasi-dlmalloc.wasm"
clang --target=wasm32-wasi -O2 "${inc[@]}" "$app" build/malloc-wasi/libgomem_malloc.a \
  -o "$out/wasi-gomem.wasm"
em=(-O2 -sALLOW_MEMORY_GROWTH=1 -sWASM_ASYNC_COMPILATION=0)
emcc "${em[@]}" "$app" -sMALLOC=dlmalloc -o "$out/em-dlmalloc.js"
emcc "${em[@]}" "${inc[@]}" "$app" build/malloc-emscripten/libgomem_malloc.a -sMALLOC=none \
  -o "$out/em-gomem.js"

"$out/native-glibc" >"$out/expected.txt"
run() { # run LABEL COMMAND...: the output must match the glibc build's
  local label=$1
  shift
  "$@" >"$out/$label.txt" 2>"$out/$label.err"
  if cmp -s "$out/expected.txt" "$out/$label.txt"; then
    printf 'ok  %-22s %s\n' "$label" "$(cat "$out/$label.err")"
  else
    echo "FAIL $label: output differs from the glibc build"; diff "$out/expected.txt" "$out/$label.txt" | head
    exit 1
  fi
}
run native-gomem "$out/native-gomem"
run native-preload env LD_PRELOAD="$root/build/malloc-native/libgomem_malloc.so" "$out/native-glibc"
run wasi-dlmalloc node scripts/wasi-run.mjs "$out/wasi-dlmalloc.wasm"
run wasi-gomem node scripts/wasi-run.mjs "$out/wasi-gomem.wasm"
run em-dlmalloc node "$out/em-dlmalloc.js"
run em-gomem node "$out/em-gomem.js"
cat "$out/expected.txt"
