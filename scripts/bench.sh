#!/usr/bin/env bash
# npm run bench [-- --quick] [--no-wasm] [--no-js] [--no-malloc]: every benchmark against its
# peers, and the report (bench/report.mjs).
#
# Builds what it needs (release, -O3), runs each benchmark (a warm-up, then 9 measured runs; 5
# shorter ones with --quick) and writes
#   bench/results/latest.md     tables: median ns/op with min..max, ratios to each peer, the media
#                               workload's throughput and footprint, machine, toolchain, every flag
#   bench/results/latest.json   one record per figure (group, workload, contender, build, flags,
#                               median_ns, min_ns, max_ns, runs; peak_bytes, live_bytes, ... for
#                               the media workload)
#   bench/results/*.svg         charts: grouped bars per workload, one colour per contender
# and prints a short summary. --quick runs a reduced set (no build-option variants, the WASI build
# only for wasm, shorter runs) and writes to bench/results/quick/ instead (not committed), so a
# quick run never replaces the full report.
#
# What runs:
#   native, build/bench (default options: the tlsf index): bench_alloc (index, scalable, glibc malloc, bump,
#     arena creation), bench_memory (buffer list, reader, cross-buffer reads, recyclable memory)
#     and bench_media (1, 10 and 100 streams; gomem, glibc, bump);
#   native peers: the same bench_alloc and bench_media binaries with LD_PRELOAD of mimalloc,
#     jemalloc and tcmalloc (Debian's libmimalloc2.0, libjemalloc2, libtcmalloc-minimal4, installed
#     here when missing; a peer that cannot be had is reported as not measured);
#   full run only: builds build/bench-treap (-DGOMEM_INDEX=treap), build/bench-avl
#     (-DGOMEM_INDEX=avl), build/bench-buddy (-DGOMEM_BUDDY=ON), build/bench-disable-rm (-DGOMEM_DISABLE_RM=ON), build/bench-heap
#     (-DGOMEM_MMAP=OFF) and build/bench-o2 (default options at Debian's package flags, the flags
#     the peers were built with);
#   wasm: scripts/bench-wasm.sh (WASI, Emscripten dlmalloc and emmalloc builds; --quick: WASI);
#   gomem as the program's malloc: scripts/bench-malloc.sh (bench/malloc/bench_malloc.c linked
#     with gomem_malloc and with every peer, native and wasm; bench/malloc/bench_threads.c at 1
#     and 2 threads, natively, gomem_malloc static and preloaded against every peer, interleaved
#     rounds), its lines turned into records;
#   JS: node bench/js/run.mjs when that file exists.
# Every contender runs in a process of its own (bench_media: also each stream count), so none works
# in a heap shaped by another and every footprint starts clean. Timing is CPU time (bench_common.h).
# Takes about 2.5 minutes on the 2-core CI machine, --quick about 20 s (builds already made).
# Raw records go to build/bench-results/. Exits non-zero only when a build or a run fails.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

quick=false
with_wasm=true
with_js=true
with_malloc=true
for arg in "$@"; do
  case $arg in
    --quick) quick=true ;;
    --no-wasm) with_wasm=false ;;
    --no-js) with_js=false ;;
    --no-malloc) with_malloc=false ;;
    -h | --help) sed -n '2,/^set -e/{/^set -e/d;p}' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench: unknown argument '$arg' (--quick, --no-wasm, --no-js, --no-malloc)" >&2; exit 2 ;;
  esac
done

started=$SECONDS
source scripts/setup.sh
ensure_packages cmake:cmake gcc:gcc make:make node:nodejs

raw=build/bench-results
out=bench/results
quick_args=()
if $quick; then
  out=bench/results/quick
  quick_args=(--quick)
fi
rm -rf "$raw"
mkdir -p "$raw" "$out"
meta=$raw/meta.tsv
: >"$meta"
note() { printf 'note\t%s\n' "$*" >>"$meta"; echo "bench: $*"; }
load() { cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown; }
note "load average at the start: $(load) ($(nproc 2>/dev/null || echo '?') cores)"

# ---- peers: Debian's shared libraries, preloaded ------------------------------------------------
libdir=/usr/lib/$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
peer_names=(mimalloc jemalloc tcmalloc)
declare -A peer_lib=(
  [mimalloc]=$libdir/libmimalloc.so.2
  [jemalloc]=$libdir/libjemalloc.so.2
  [tcmalloc]=$libdir/libtcmalloc_minimal.so.4)
declare -A peer_pkg=([mimalloc]=libmimalloc2.0 [jemalloc]=libjemalloc2 [tcmalloc]=libtcmalloc-minimal4)
missing=()
for p in "${peer_names[@]}"; do [ -e "${peer_lib[$p]}" ] || missing+=("${peer_pkg[$p]}"); done
if [ ${#missing[@]} -gt 0 ]; then
  install_packages "${missing[@]}" || echo "bench: could not install ${missing[*]}" >&2
fi
peers=()
printf 'peer\t%s\t%s\t%s\t%s\n' "glibc malloc" "measured" "the system C library ($(ldd --version | head -1))" "" >>"$meta"
for p in "${peer_names[@]}"; do
  if [ -e "${peer_lib[$p]}" ] &&
     LD_PRELOAD=${peer_lib[$p]} /bin/true 2>/dev/null; then
    peers+=("$p")
    printf 'peer\t%s\t%s\t%s\t%s\n' "$p" "measured" "${peer_lib[$p]}" "${peer_pkg[$p]}" >>"$meta"
  else
    printf 'peer\t%s\t%s\t%s\t%s\n' "$p" "NOT MEASURED: ${peer_pkg[$p]} could not be installed or loaded" "${peer_lib[$p]}" "${peer_pkg[$p]}" >>"$meta"
    note "peer $p not measured: ${peer_pkg[$p]} could not be installed or loaded"
  fi
done

# ---- native builds ------------------------------------------------------------------------------
common=(-DCMAKE_BUILD_TYPE=Release -DGOMEM_BUILD_TESTS=OFF -DGOMEM_BUILD_EXAMPLES=OFF
        -DGOMEM_BUILD_BENCH=ON)
# label|dir|what|cmake options
builds=("native|build/bench|default options (the tlsf index), Release (-O3)|")
if ! $quick; then
  distro_flags=$(dpkg-buildflags --get CFLAGS 2>/dev/null || echo "-g -O2 -fstack-protector-strong -Wformat -Werror=format-security")
  distro_ldflags=$(dpkg-buildflags --get LDFLAGS 2>/dev/null || echo "-Wl,-z,relro")
  builds+=(
    "native-treap|build/bench-treap|-DGOMEM_INDEX=treap: the treap index (first fit)|-DGOMEM_INDEX=treap"
    "native-avl|build/bench-avl|-DGOMEM_INDEX=avl: the two-AVL-tree index (best fit)|-DGOMEM_INDEX=avl"
    "native-buddy|build/bench-buddy|-DGOMEM_BUDDY=ON: arenas carved from buddy pools|-DGOMEM_BUDDY=ON"
    "native-disable-rm|build/bench-disable-rm|-DGOMEM_DISABLE_RM=ON: recyclable memory on the C heap|-DGOMEM_DISABLE_RM=ON"
    "native-heap|build/bench-heap|-DGOMEM_MMAP=OFF: pages from the C heap|-DGOMEM_MMAP=OFF"
    "native-o2|build/bench-o2|default options at Debian's package flags (dpkg-buildflags) instead of -O3|")
fi
echo "== native builds"
for entry in "${builds[@]}"; do
  IFS='|' read -r label dir what options <<<"$entry"
  extra=()
  if [ "$label" = native-o2 ]; then
    extra=(-DCMAKE_C_FLAGS_RELEASE="$distro_flags -DNDEBUG" -DCMAKE_EXE_LINKER_FLAGS="$distro_ldflags")
  fi
  # shellcheck disable=SC2086
  bash scripts/build.sh "$dir" "${common[@]}" $options "${extra[@]}"
  printf 'build\t%s\t%s\t%s\n' "$label" "$dir" "$what" >>"$meta"
done
bin=build/bench/bench
echo "   done in $((SECONDS - started)) s"

# ---- native runs --------------------------------------------------------------------------------
preload() { # preload PEER COMMAND...: run COMMAND with the peer's malloc
  local p=$1
  shift
  LD_PRELOAD=${peer_lib[$p]} "$@"
}
echo
echo "==== bench_alloc (native; one process per contender) ===="
$bin/bench_alloc "${quick_args[@]}" --build native --only index,scalable,arena \
  --json "$raw/alloc-native-gomem.json"
echo "-- glibc"
$bin/bench_alloc "${quick_args[@]}" --build native --only libc --malloc-name "glibc malloc" \
  --json "$raw/alloc-native-glibc.json" | sed -n '/ns\/op/p'
for p in "${peers[@]}"; do
  echo "-- $p (LD_PRELOAD=${peer_lib[$p]})"
  preload "$p" $bin/bench_alloc "${quick_args[@]}" --build native --only libc --malloc-name "$p" \
    --json "$raw/alloc-native-$p.json" | sed -n '/ns\/op/p'
done
echo "-- bump"
$bin/bench_alloc "${quick_args[@]}" --build native --only bump \
  --json "$raw/alloc-native-bump.json" | sed -n '/ns\/op/p'
if ! $quick; then
  echo "-- build options"
  for index in treap avl; do
    build/bench-$index/bench/bench_alloc --build native-$index --only index,scalable \
      --json "$raw/alloc-native-$index.json" | sed -n '/ns\/op/p'
  done
  build/bench-buddy/bench/bench_alloc --build native-buddy --only scalable \
    --json "$raw/alloc-native-buddy.json" | sed -n '/ns\/op/p'
  build/bench-o2/bench/bench_alloc --build native-o2 --only index,scalable \
    --variant "distro -O2 flags" --json "$raw/alloc-native-o2.json" | sed -n '/ns\/op/p'
  build/bench-heap/bench/bench_alloc --build native-heap --only arena \
    --json "$raw/alloc-native-heap.json" | sed -n '/ns\/op\|ratio/p'
fi

echo
echo "==== bench_memory (native) ===="
$bin/bench_memory "${quick_args[@]}" --build native --json "$raw/memory-native.json"
if ! $quick; then
  build/bench-disable-rm/bench/bench_memory --build native-disable-rm --only recyclable \
    --json "$raw/memory-native-disable-rm.json" | sed -n '/ns\/op/p'
fi

echo
echo "==== bench_media (native; one process per contender and stream count) ===="
media() { # media LABEL JSON_NAME COMMAND...: the three stream counts, one process each
  local label=$1 name=$2
  shift 2
  local streams
  for streams in 1 10 100; do
    "$@" "${quick_args[@]}" --build "$label" --streams "$streams" \
      --json "$raw/media-$name-$streams.json" | sed -n '2,$p'
  done
}
media native gomem $bin/bench_media --only gomem
media native glibc $bin/bench_media --only libc --malloc-name "glibc malloc"
for p in "${peers[@]}"; do
  media native "$p" preload "$p" $bin/bench_media --only libc --malloc-name "$p"
done
media native bump $bin/bench_media --only bump
if ! $quick; then
  media native-treap gomem-treap build/bench-treap/bench/bench_media --only gomem
  media native-avl gomem-avl build/bench-avl/bench/bench_media --only gomem
  media native-buddy gomem-buddy build/bench-buddy/bench/bench_media --only gomem
  media native-o2 gomem-o2 build/bench-o2/bench/bench_media --only gomem --variant "distro -O2 flags"
fi
native_seconds=$((SECONDS - started))

# ---- wasm ---------------------------------------------------------------------------------------
if $with_wasm; then
  echo
  wasm_builds=wasi,emscripten-dlmalloc,emscripten-emmalloc
  $quick && wasm_builds=wasi
  if bash scripts/bench-wasm.sh "${quick_args[@]}" --builds "$wasm_builds" --json-dir "$raw"; then
    cat "$raw/wasm-builds.tsv" >>"$meta"
  else
    note "the wasm benchmarks failed (scripts/bench-wasm.sh); the report has no wasm figures"
  fi
  $quick && note "--quick: wasm measured in the WASI build only (the full run adds the Emscripten dlmalloc and emmalloc builds)"
else
  note "wasm benchmarks skipped (--no-wasm)"
fi

# ---- gomem as the program's malloc (scripts/bench-malloc.sh) -------------------------------------
# Its own script builds bench/malloc/bench_malloc.c against every malloc (native, WASI, Emscripten)
# and bench/malloc/bench_threads.c natively (1 and 2 threads), and writes key=value lines; they
# become records of the groups "malloc" and "malloc-threads" here. A failure of that script leaves
# out only the figures it did not write (it clears its files first, so none are stale).
if $with_malloc && [ -f scripts/bench-malloc.sh ]; then
  echo
  echo "==== gomem as malloc (scripts/bench-malloc.sh) ===="
  bash scripts/bench-malloc.sh "${quick_args[@]}" ||
    note "gomem as malloc (scripts/bench-malloc.sh) failed; the report has only the figures it wrote before (see its output)"
  if [ -s build/bench-malloc/results.txt ]; then
    node -e '
      const fs = require("fs");
      const names = { glibc: "glibc malloc", jemalloc: "jemalloc", mimalloc: "mimalloc", tcmalloc: "tcmalloc",
        dlmalloc: "dlmalloc", emmalloc: "emmalloc" };
      const out = [];
      for (const line of fs.readFileSync(process.argv[1], "utf8").split("\n")) {
        const [platform, who, ...kv] = line.trim().split(/\s+/);
        if (!who) continue;
        const v = Object.fromEntries(kv.map((x) => x.split("=")).map(([k, x]) => [k, Number(x)]));
        const build = platform === "native" ? "native-malloc" : `${platform}-malloc`;
        let contender = who === "gomem" ? "gomem_malloc" : names[who] ?? who;
        if (platform !== "native") contender = who === "gomem" ? `gomem_malloc (${platform})` : `${platform === "wasi" ? "wasi-libc" : "emscripten"} ${contender}`;
        const peak = v.memory_peak - v.memory_before;
        out.push({ group: "malloc", workload: "8 B..64 KiB mix with realloc, 4096 slots", contender, build,
          median_ns: v.ns_per_op, min_ns: v.min, max_ns: v.max, runs: v.runs, clock: "monotonic wall clock",
          peak_bytes: peak, live_bytes: v.peak_requested, fragmentation: peak / v.peak_requested,
          footprint_method: platform === "native" ? "peak resident set growth (getrusage)" : "wasm memory size growth",
          steps: v.steps, errors: v.errors });
      }
      fs.writeFileSync(process.argv[2], JSON.stringify(out, null, 1));' \
      build/bench-malloc/results.txt "$raw/malloc.json"
    printf 'build\t%s\t%s\t%s\n' wasi-malloc build/bench-malloc \
      "scripts/bench-malloc.sh: clang --target=wasm32-wasi -O3 -std=c11, gomem_malloc replacing dlmalloc at link time" >>"$meta"
    printf 'build\t%s\t%s\t%s\n' emscripten-malloc build/bench-malloc \
      "scripts/bench-malloc.sh: emcc -O3 -std=c11, -sMALLOC=dlmalloc / emmalloc / none + gomem_malloc" >>"$meta"
  fi
  # threads.txt: "# load before|after: ..." lines, then one line per contender, pattern and thread
  # count (median of the interleaved rounds).
  if grep -q '^[^#]' build/bench-malloc/threads.txt 2>/dev/null; then
    while IFS= read -r line; do note "threaded malloc runs (bench_threads), ${line#\# }"; done \
      < <(grep '^#' build/bench-malloc/threads.txt)
    node -e '
      const fs = require("fs");
      const names = { glibc: "glibc malloc", gomem: "gomem_malloc", "gomem-preload": "gomem_malloc (LD_PRELOAD)",
        jemalloc: "jemalloc", mimalloc: "mimalloc", tcmalloc: "tcmalloc" };
      const workloads = { small: "small: random 16..512 B malloc/free, 2048 slots per thread",
        mix: "mix: 8 B..64 KiB with calloc and realloc, 4096 slots per thread, 1/16 of frees by the next thread" };
      const out = [];
      for (const line of fs.readFileSync(process.argv[1], "utf8").split("\n")) {
        if (line.startsWith("#")) continue;
        const [who, ...kv] = line.trim().split(/\s+/);
        if (!who) continue;
        const v = Object.fromEntries(kv.map((x) => x.split("=")));
        const threads = Number(v.threads);
        out.push({ group: "malloc-threads", workload: `${workloads[v.pattern] ?? v.pattern}; ${threads} thread${threads > 1 ? "s" : ""}`,
          pattern: v.pattern, threads, contender: names[who] ?? who, build: "native-malloc",
          median_ns: Number(v.ns_per_op), min_ns: Number(v.min), max_ns: Number(v.max), runs: Number(v.runs),
          clock: "monotonic wall clock of the timed region, per op per thread", mops: Number(v.mops),
          steps: Number(v.steps), handoffs: Number(v.handoffs), errors: Number(v.errors) });
      }
      fs.writeFileSync(process.argv[2], JSON.stringify(out, null, 1));' \
      build/bench-malloc/threads.txt "$raw/malloc-threads.json"
  fi
  if [ -s build/bench-malloc/results.txt ] || [ -s build/bench-malloc/threads.txt ]; then
    printf 'build\t%s\t%s\t%s\n' native-malloc build/bench-malloc \
      "scripts/bench-malloc.sh: gcc -O3 -std=c11 -D_POSIX_C_SOURCE=200809L (bench_threads: -lpthread), gomem_malloc static (build/malloc-native) or preloaded (libgomem_malloc.so)" >>"$meta"
  fi
fi

# ---- JS -----------------------------------------------------------------------------------------
if $with_js && [ -f bench/js/run.mjs ]; then
  echo
  echo "==== JS (node bench/js/run.mjs) ===="
  if ! node bench/js/run.mjs "${quick_args[@]}" --json "$raw/js.json"; then
    rm -f "$raw/js.json"
    note "the JS benchmarks (bench/js/run.mjs) failed; the report has no JS figures"
  fi
elif $with_js; then
  note "no JS benchmarks: bench/js/run.mjs does not exist yet"
else
  note "JS benchmarks skipped (--no-js)"
fi

$quick && note "--quick: no build-option variants (treap, avl, buddy, RM off, heap pages, -O2), 5 shorter runs per figure"
note "load average at the end: $(load); native part $native_seconds s, total $((SECONDS - started)) s"

# ---- report -------------------------------------------------------------------------------------
node bench/report.mjs --in "$raw" --out "$out" --meta "$meta" --elapsed $((SECONDS - started)) \
  "${quick_args[@]}"
echo
echo "bench: total $((SECONDS - started)) s (native $native_seconds s); report in $out/latest.md"
