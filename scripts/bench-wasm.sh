#!/usr/bin/env bash
# npm run bench:wasm [-- --quick] [--json-dir DIR] [--builds LIST]: the allocator benchmarks
# (bench/bench_alloc.c) and the media workload (bench/bench_media.c) compiled to WebAssembly and
# run under Node, each build side by side with its wasm peer in the same module:
#   wasi                   clang --target=wasm32-wasi (cmake/wasi-toolchain.cmake), run by
#                          scripts/wasi-run.mjs under node:wasi; peer: wasi-libc's malloc (dlmalloc)
#   emscripten-dlmalloc    emcmake cmake, linked -sMALLOC=dlmalloc; peer: Emscripten's dlmalloc
#   emscripten-emmalloc    emcmake cmake, linked -sMALLOC=emmalloc; peer: Emscripten's emmalloc
# Build dirs build/bench-wasi, build/bench-emscripten-dlmalloc, build/bench-emscripten-emmalloc
# (CMAKE_BUILD_TYPE=Release, -DGOMEM_BUILD_TESTS=OFF -DGOMEM_BUILD_EXAMPLES=OFF
# -DGOMEM_BUILD_BENCH=ON -DGOMEM_WERROR=ON; the Emscripten malloc is bench/CMakeLists.txt's
# GOMEM_BENCH_EMSCRIPTEN_MALLOC). gomem's contenders carry the build in their names ("gomem index
# (wasi)"); the bump floor runs in the WASI build. Every contender runs in a node process of its
# own (bench_media: also each stream count), so none works in a memory shaped by another.
# Prints each run's table, then the wasm sections of the report (bench/report.mjs: medians,
# min..max, ratios gomem / peer within each build, media throughput and footprint) and the size of
# every benchmark .wasm.
#   --quick         shorter runs (bench_common.h: 5 runs instead of 9; fewer media frames)
#   --json-dir DIR  write the JSON records there (scripts/bench.sh); default build/bench-wasm-results
#   --builds LIST   comma-separated subset of the builds above (default: all three)
# Prints figures only: nothing here asserts a time; exits non-zero only when a build or a run
# fails.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

bench_args=()
json_dir=build/bench-wasm-results
own_json_dir=true
wanted=wasi,emscripten-dlmalloc,emscripten-emmalloc
while [ $# -gt 0 ]; do
  case $1 in
    --quick) bench_args+=(--quick) ;;
    --json-dir) json_dir=${2:?--json-dir needs a directory}; own_json_dir=false; shift ;;
    --builds) wanted=${2:?--builds needs a list}; shift ;;
    -h | --help)
      sed -n '2,/^set -e/{/^set -e/d;p}' "$0" | sed 's/^# \{0,1\}//'
      exit 0 ;;
    *) echo "bench-wasm: unknown argument '$1' (--quick, --json-dir DIR, --builds LIST)" >&2; exit 2 ;;
  esac
  shift
done
want() { [[ ",$wanted," == *",$1,"* ]]; }
if $own_json_dir; then rm -rf "$json_dir"; fi
mkdir -p "$json_dir"

source scripts/setup.sh
ensure_packages cmake:cmake make:make node:nodejs clang:clang wasm-ld-14:lld-14 \
  llvm-ar-14:llvm-14 /usr/lib/wasm32-wasi/libc.a:wasi-libc emcc:emscripten emcmake:emscripten \
  wasm-opt:binaryen
# compiler-rt's builtins for wasm32 (their path carries the clang version), as scripts/test-wasi.sh.
if ! compgen -G "/usr/lib/llvm-*/lib/clang/*/lib/wasi/libclang_rt.builtins-wasm32.a" >/dev/null; then
  install_packages libclang-rt-14-dev-wasm32
fi

started=$SECONDS
jobs=$(nproc 2>/dev/null || echo 2)
load() { cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown; }
load_start=$(load)

# V8 first compiles wasm with its baseline compiler (Liftoff) and swaps in optimised (TurboFan)
# code in the background, and a function already running keeps its baseline code (wasm has no
# on-stack replacement). On a busy 2-core machine the first pattern measured was seen running on
# baseline code throughout (dlmalloc's 1 KiB alloc+free at 28 ns instead of 5 ns). --no-liftoff
# compiles every function with TurboFan before main runs, so every contender is measured on
# optimised code from its first run.
node_flags=(--no-liftoff)

source scripts/emscripten-env.sh
emscripten_env "-O3 -sMALLOC=emmalloc" "-O3 -sMALLOC=dlmalloc"

common=(-DCMAKE_BUILD_TYPE=Release -DGOMEM_BUILD_TESTS=OFF -DGOMEM_BUILD_EXAMPLES=OFF
        -DGOMEM_BUILD_BENCH=ON -DGOMEM_WERROR=ON)
targets=(bench_alloc bench_media)

# configure COMMAND...: run a configure step quietly (emcmake echoes its whole command line);
# show what it said only when it fails.
configure() {
  mkdir -p build
  if ! "$@" >build/bench-wasm-configure.log 2>&1; then
    cat build/bench-wasm-configure.log >&2
    echo "bench-wasm: configure failed: $*" >&2
    exit 1
  fi
}

# flags DIR: the compile flags of bench_alloc and of the library, and the link line, as CMake
# wrote them (so the table states what was used rather than what was meant).
flags() {
  local dir=$1 f
  f=$(sed -n 's/^C_FLAGS = //p' "$dir/bench/CMakeFiles/bench_alloc.dir/flags.make")
  echo "  bench_alloc.c compiled with: $f"
  f=$(sed -n 's/^C_FLAGS = //p' "$dir/CMakeFiles/gomem_objects.dir/flags.make")
  echo "  libgomem.a compiled with:    $f"
  f=$(sed 's/^.*-E env NODE_PATH=[^ ]* //' "$dir/bench/CMakeFiles/bench_alloc.dir/link.txt")
  echo "  link: $f"
}

labels=()
for label in wasi emscripten-dlmalloc emscripten-emmalloc; do want "$label" && labels+=("$label"); done
if [ ${#labels[@]} -eq 0 ]; then echo "bench-wasm: no build selected ($wanted)" >&2; exit 2; fi
declare -A peer_of=(
  [wasi]="wasi-libc dlmalloc"
  [emscripten-dlmalloc]="emscripten dlmalloc"
  [emscripten-emmalloc]="emscripten emmalloc")
declare -A dir_of

# ---- (a) WASI -----------------------------------------------------------------------------------
if want wasi; then
  dir=build/bench-wasi
  echo "== build wasi (clang --target=wasm32-wasi, wasi-libc) in $dir"
  configure cmake -S . -B "$dir" -DCMAKE_TOOLCHAIN_FILE="$root/cmake/wasi-toolchain.cmake" \
    "${common[@]}"
  for t in "${targets[@]}"; do cmake --build "$dir" --target "$t" --parallel "$jobs" >/dev/null; done
  dir_of[wasi]=$dir
  flags "$dir"
fi

# ---- (b) Emscripten, twice ----------------------------------------------------------------------
for malloc in dlmalloc emmalloc; do
  want "emscripten-$malloc" || continue
  dir=build/bench-emscripten-$malloc
  echo "== build emscripten-$malloc (emcc $(emcc --version 2>/dev/null | sed -n '1s/.*) \([0-9][0-9.]*\).*/\1/p'), -sMALLOC=$malloc) in $dir"
  configure emcmake cmake -S . -B "$dir" "${common[@]}" -DGOMEM_BENCH_EMSCRIPTEN_MALLOC=$malloc
  for t in "${targets[@]}"; do cmake --build "$dir" --target "$t" --parallel "$jobs" >/dev/null; done
  dir_of[emscripten-$malloc]=$dir
  flags "$dir"
done
build_seconds=$((SECONDS - started))
# For scripts/bench.sh: which directory each build label was made in.
for label in "${labels[@]}"; do
  printf 'build\t%s\t%s\t%s\n' "$label" "${dir_of[$label]}" "wasm build; peer: ${peer_of[$label]}"
done >"$json_dir/wasm-builds.tsv"

# ---- runs ---------------------------------------------------------------------------------------
# run LABEL PROGRAM ARGS...: one benchmark of a build under node.
run() {
  local label=$1 program=$2
  shift 2
  local dir=${dir_of[$label]}
  if [ "$label" = wasi ]; then
    node "${node_flags[@]}" scripts/wasi-run.mjs "$dir/bench/$program.wasm" "$@"
  else
    node "${node_flags[@]}" "$dir/bench/$program.js" "$@"
  fi
}
echo
echo "node $(node --version) ${node_flags[*]}; load average before the runs: $(load) ($jobs cores)"
for label in "${labels[@]}"; do
  peer=${peer_of[$label]}
  echo
  echo "==== $label: '$peer' is the C library's malloc linked into the module ===="
  # One node process per contender: gomem's pages and the C library's heap grow the same memory,
  # and each would otherwise work in a memory shaped by the other.
  alloc_contenders=(index,scalable libc)
  [ "$label" = wasi ] && alloc_contenders+=(bump)
  for only in "${alloc_contenders[@]}"; do
    run "$label" bench_alloc "${bench_args[@]}" --build "$label" --variant "$label" \
      --malloc-name "$peer" --only "$only" --json "$json_dir/alloc-$label-${only%%,*}.json" |
      sed -n '/ns\/op\|^gomem bench_alloc/p'
  done
  media_contenders=(gomem libc)
  [ "$label" = wasi ] && media_contenders+=(bump)
  for contender in "${media_contenders[@]}"; do
    for streams in 1 10 100; do
      run "$label" bench_media "${bench_args[@]}" --build "$label" --variant "$label" \
        --malloc-name "$peer" --only "$contender" --streams "$streams" \
        --json "$json_dir/media-$label-$contender-$streams.json" | sed -n '2,$p'
    done
  done
done

# ---- summary ------------------------------------------------------------------------------------
echo
echo "==== summary (bench/report.mjs over $json_dir) ===="
echo "Same optimisation level for every contender by construction: all of a build are in one"
echo ".wasm, built by one compiler and run by one node; gomem, the harness and bump at the Release"
echo "flags above (-O3). The peer malloc is the C library's prebuilt object code (wasi-libc's"
echo "Makefile defaults to -O2; Emscripten builds its system libraries at -O2), and Emscripten's -O3"
echo "link runs wasm-opt -O3 over the whole module, peer included."
echo
node bench/report.mjs --in "$json_dir" --meta "$json_dir/wasm-builds.tsv" --print wasm

# ---- sizes --------------------------------------------------------------------------------------
# Bytes of the file, and without its custom sections (names, debug info, producers): the WASI link
# keeps them, Emscripten's -O3 link strips them. Emscripten's .js loader is listed apart.
echo
echo "benchmark binaries (each holds gomem, the peer malloc, stdio and the harness)"
printf '  %-22s %-56s %10s %16s %10s\n' build ".wasm" bytes "w/o custom secs" ".js bytes"
for label in "${labels[@]}"; do
  wasm=${dir_of[$label]}/bench/bench_alloc.wasm
  bytes=$(wc -c <"$wasm")
  stripped=$(node -e '
    const b = require("fs").readFileSync(process.argv[1]);
    let o = 8, custom = 0;
    while (o < b.length) {
      const start = o, id = b[o++];
      let n = 0, shift = 0, x;
      do { x = b[o++]; n += (x & 127) * 2 ** shift; shift += 7; } while (x & 128);
      o += n;
      if (id === 0) custom += o - start;
    }
    console.log(b.length - custom);' "$wasm")
  js=-
  [ "$label" != wasi ] && js=$(wc -c <"${dir_of[$label]}/bench/bench_alloc.js")
  printf '  %-22s %-56s %10s %16s %10s\n' "$label" "$wasm" "$bytes" "$stripped" "$js"
done

echo
echo "bench-wasm: builds $build_seconds s, total $((SECONDS - started)) s;" \
     "load average at start $load_start, at end $(load) ($jobs cores)"
