#!/usr/bin/env bash
# npm run bench:wasm [-- --quick]: the allocator benchmarks (bench/bench_alloc.c) compiled to
# WebAssembly and run under Node, each build side by side with its wasm peer in the same module:
#   wasi                   clang --target=wasm32-wasi (cmake/wasi-toolchain.cmake), run by
#                          scripts/wasi-run.mjs under node:wasi; peer: wasi-libc's malloc (dlmalloc)
#   emscripten-dlmalloc    emcmake cmake, linked -sMALLOC=dlmalloc; peer: Emscripten's dlmalloc
#   emscripten-emmalloc    emcmake cmake, linked -sMALLOC=emmalloc; peer: Emscripten's emmalloc
# Build dirs build/bench-wasi, build/bench-emscripten-dlmalloc, build/bench-emscripten-emmalloc
# (CMAKE_BUILD_TYPE=Release, -DGOMEM_BUILD_TESTS=OFF -DGOMEM_BUILD_EXAMPLES=OFF
# -DGOMEM_BUILD_BENCH=ON; the Emscripten malloc is bench/CMakeLists.txt's
# GOMEM_BENCH_EMSCRIPTEN_MALLOC). In bench_alloc, "libc malloc/free" is that peer.
# Prints each run's table, then a summary (pattern x {gomem index, gomem scalable, peer}: ns/op
# medians and the ratios gomem/peer, per build) and the size of every benchmark .wasm.
# --quick is passed to bench_alloc (5 shorter runs per figure instead of 9). Prints figures only:
# nothing here asserts a time; exits non-zero only when a build or a run fails.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

bench_args=()
for arg in "$@"; do
  case $arg in
    --quick) bench_args+=(--quick) ;;
    -h | --help)
      sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
      exit 0 ;;
    *) echo "bench-wasm: unknown argument '$arg' (only --quick)" >&2; exit 2 ;;
  esac
done

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
        -DGOMEM_BUILD_BENCH=ON)

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

labels=(wasi emscripten-dlmalloc emscripten-emmalloc)
declare -A peer_of=(
  [wasi]="wasi-libc malloc (dlmalloc)"
  [emscripten-dlmalloc]="emscripten dlmalloc"
  [emscripten-emmalloc]="emscripten emmalloc")
declare -A wasm_of js_of out_of

# ---- (a) WASI -----------------------------------------------------------------------------------
dir=build/bench-wasi
echo "== build wasi (clang --target=wasm32-wasi, wasi-libc) in $dir"
configure cmake -S . -B "$dir" -DCMAKE_TOOLCHAIN_FILE="$root/cmake/wasi-toolchain.cmake" \
  "${common[@]}"
cmake --build "$dir" --target bench_alloc --parallel "$jobs" >/dev/null
wasm_of[wasi]=$dir/bench/bench_alloc.wasm
out_of[wasi]=$dir/bench_alloc.txt
flags "$dir"

# ---- (b) Emscripten, twice ----------------------------------------------------------------------
for malloc in dlmalloc emmalloc; do
  dir=build/bench-emscripten-$malloc
  echo "== build emscripten-$malloc (emcc $(emcc --version 2>/dev/null | sed -n '1s/.*) \([0-9][0-9.]*\).*/\1/p'), -sMALLOC=$malloc) in $dir"
  configure emcmake cmake -S . -B "$dir" "${common[@]}" -DGOMEM_BENCH_EMSCRIPTEN_MALLOC=$malloc
  cmake --build "$dir" --target bench_alloc --parallel "$jobs" >/dev/null
  wasm_of[emscripten-$malloc]=$dir/bench/bench_alloc.wasm
  js_of[emscripten-$malloc]=$dir/bench/bench_alloc.js
  out_of[emscripten-$malloc]=$dir/bench_alloc.txt
  flags "$dir"
done
build_seconds=$((SECONDS - started))

# ---- runs ---------------------------------------------------------------------------------------
echo
echo "node $(node --version) ${node_flags[*]}; load average before the runs: $(load) ($jobs cores)"
for label in "${labels[@]}"; do
  echo
  echo "==== $label: 'libc malloc/free' below is ${peer_of[$label]} ===="
  if [ "$label" = wasi ]; then
    node "${node_flags[@]}" scripts/wasi-run.mjs "${wasm_of[$label]}" "${bench_args[@]}" |
      tee "${out_of[$label]}"
  else
    node "${node_flags[@]}" "${js_of[$label]}" "${bench_args[@]}" | tee "${out_of[$label]}"
  fi
done

# ---- summary ------------------------------------------------------------------------------------
echo
echo "==== summary: median ns/op (alloc+free), ratio = gomem / peer ===="
echo "Same optimisation level for every contender by construction: all three of a build are in one"
echo ".wasm, built by one compiler and run by one node; gomem and the harness at the Release flags"
echo "above (-O3). The peer malloc is the C library's prebuilt object code (wasi-libc's Makefile"
echo "defaults to -O2; Emscripten builds its system libraries at -O2), and Emscripten's -O3 link"
echo "runs wasm-opt -O3 over the whole module, peer included."
echo "Target (issue): index and scalable at or below 0.50x dlmalloc on every pattern, and at or"
echo "below 1.00x on MixedRandom; 'met' names the gomem contenders that meet it (n/a where the"
echo "peer is emmalloc: the target is stated against dlmalloc). Arena creation has no peer."
for label in "${labels[@]}"; do
  echo
  echo "$label (peer: ${peer_of[$label]})"
  awk -v label="$label" '
    / ns\/op  \(/ && ($2 " " $3 == "gomem index" || $2 " " $3 == "gomem scalable" ||
                      $2 " " $3 == "libc malloc/free") {
      if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 }
      v[$1, $3] = $4
    }
    /^Arena creation/ { exit }
    function cell(x) { return x == "" ? "-" : sprintf("%.2f", x) }
    function ratio(a, b) { return (a == "" || b == "" || b == 0) ? "-" : sprintf("%.2fx", a / b) }
    END {
      printf "  %-16s %10s %10s %10s %10s %10s  %-7s %s\n", "pattern", "index", "scalable",
             "peer", "index/", "scalable/", "target", "met"
      printf "  %-16s %10s %10s %10s %10s %10s\n", "", "ns/op", "ns/op", "ns/op", "peer", "peer"
      for (i = 1; i <= n; i++) {
        p = order[i]; a = v[p, "index"]; s = v[p, "scalable"]; c = v[p, "malloc/free"]
        if (c == "") continue
        target = (p == "MixedRandom") ? 1.0 : 0.5
        met = ""
        if (label ~ /emmalloc/) met = "n/a"
        else {
          if (a != "" && a / c <= target) met = met "index "
          if (s != "" && s / c <= target) met = met "scalable"
          if (met == "") met = "no"
        }
        printf "  %-16s %10s %10s %10s %10s %10s  <=%.2fx %s\n", p, cell(a), cell(s), cell(c),
               ratio(a, c), ratio(s, c), target, met
      }
    }' "${out_of[$label]}"
done

echo
echo "peer alone across builds (median ns/op of 'libc malloc/free')"
awk '
  FNR == 1 { f++ }
  / ns\/op  \(/ && $2 " " $3 == "libc malloc/free" {
    if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 }
    v[$1, f] = $4
  }
  END {
    printf "  %-16s %14s %14s %14s\n", "pattern", "wasi dlmalloc", "em dlmalloc", "em emmalloc"
    for (i = 1; i <= n; i++)
      printf "  %-16s %14s %14s %14s\n", order[i], v[order[i], 1], v[order[i], 2], v[order[i], 3]
  }' "${out_of[wasi]}" "${out_of[emscripten-dlmalloc]}" "${out_of[emscripten-emmalloc]}"

# ---- sizes --------------------------------------------------------------------------------------
# Bytes of the file, and without its custom sections (names, debug info, producers): the WASI link
# keeps them, Emscripten's -O3 link strips them. Emscripten's .js loader is listed apart.
echo
echo "benchmark binaries (each holds gomem, the peer malloc, stdio and the harness)"
printf '  %-22s %-56s %10s %16s %10s\n' build ".wasm" bytes "w/o custom secs" ".js bytes"
for label in "${labels[@]}"; do
  wasm=${wasm_of[$label]}
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
  [ -n "${js_of[$label]:-}" ] && js=$(wc -c <"${js_of[$label]}")
  printf '  %-22s %-56s %10s %16s %10s\n' "$label" "$wasm" "$bytes" "$stripped" "$js"
done

echo
echo "bench-wasm: builds $build_seconds s, total $((SECONDS - started)) s;" \
     "load average at start $load_start, at end $(load) ($jobs cores)"
