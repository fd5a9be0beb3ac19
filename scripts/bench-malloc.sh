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
# memory held at the end, and the .wasm size of each wasm build); lines in build/bench-malloc/results.txt.
#
# Then, natively, threads: bench/malloc/bench_threads.c at 1 and 2 threads, patterns "small"
# (16..512 B, 2,048 slots per thread) and "mix" (the mix above, 1/16 of frees done by the next
# thread), under glibc, gomem_malloc static, gomem_malloc preloaded (libgomem_malloc.so) and each
# peer preloaded. Interleaved: each round runs every contender once (one measured run per process,
# after its warm-up), so a change in the machine's load touches all of them alike; 7 rounds (3 with
# --quick). Prints the load first (scaling needs an idle machine), then per pattern: ns per op per
# thread (median of the rounds, min..max), time ÷ tcmalloc, Mops/s over all threads and the scaling
# (2-thread throughput ÷ 1-thread). Every process's line goes to build/bench-malloc/threads-runs.txt,
# one line per contender, pattern and thread count (median of the rounds) to threads.txt, with the
# load before and after as "#" lines. A run that fails (a crash, or a block found damaged) is left
# out and makes the exit status 1 once everything else has run.
# Figures only: nothing asserts.
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
out=build/bench-malloc
mkdir -p "$out"
rm -f "$out/results.txt" "$out/threads.txt" "$out/threads-runs.txt" # no figures of an earlier run
bash scripts/build-malloc.sh >/dev/null
source scripts/setup.sh
source scripts/emscripten-env.sh
emscripten_env "-O3 -sMALLOC=emmalloc" "-O3 -sMALLOC=dlmalloc"

# The native peers, preloaded: Debian's libraries, installed when missing (as scripts/bench.sh does).
libdir=/usr/lib/x86_64-linux-gnu
peer_names=(jemalloc mimalloc tcmalloc)
declare -A peer_lib=([jemalloc]=$libdir/libjemalloc.so.2 [mimalloc]=$libdir/libmimalloc.so.2
                     [tcmalloc]=$libdir/libtcmalloc_minimal.so.4)
declare -A peer_pkg=([jemalloc]=libjemalloc2 [mimalloc]=libmimalloc2.0 [tcmalloc]=libtcmalloc-minimal4)
missing=()
for p in "${peer_names[@]}"; do [ -e "${peer_lib[$p]}" ] || missing+=("${peer_pkg[$p]}"); done
if [ ${#missing[@]} -gt 0 ]; then
  install_packages "${missing[@]}" || echo "bench-malloc: could not install ${missing[*]}" >&2
fi
peers=()
for p in "${peer_names[@]}"; do [ -e "${peer_lib[$p]}" ] && peers+=("$p"); done

src=bench/malloc/bench_malloc.c
cflags=(-O3 -std=c11 -D_POSIX_C_SOURCE=200809L)
wasi_cflags=(--target=wasm32-wasi "${cflags[@]}")
em_link=(-sALLOW_MEMORY_GROWTH=1 -sWASM_ASYNC_COMPILATION=0 -sINITIAL_MEMORY=16777216)

gcc "${cflags[@]}" "$src" -o "$out/native-glibc"
gcc "${cflags[@]}" "$src" build/malloc-native/libgomem_malloc.a -lpthread -o "$out/native-gomem"
gcc "${cflags[@]}" bench/malloc/bench_threads.c -lpthread -o "$out/threads-glibc"
gcc "${cflags[@]}" bench/malloc/bench_threads.c build/malloc-native/libgomem_malloc.a -lpthread \
  -o "$out/threads-gomem"
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
  for p in "${peers[@]}"; do
    run "native $p" env LD_PRELOAD="${peer_lib[$p]}" "$out/native-glibc"
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

# ---- threads (bench/malloc/bench_threads.c, native) ----------------------------------------------
rounds=7
[ ${#quick[@]} -gt 0 ] && rounds=3
contenders=(glibc gomem gomem-preload "${peers[@]}")
threads_run() { # threads_run CONTENDER ARGS...: bench_threads under that contender's malloc
  local who=$1
  shift
  case $who in
    glibc) "$out/threads-glibc" "$@" ;;
    gomem) "$out/threads-gomem" "$@" ;;
    gomem-preload) LD_PRELOAD=$root/build/malloc-native/libgomem_malloc.so "$out/threads-glibc" "$@" ;;
    *) LD_PRELOAD=${peer_lib[$who]} "$out/threads-glibc" "$@" ;;
  esac
}
# The 1-minute load average still counts the runs above; the CPU time other processes take during
# one idle second says whether the machine is shared right now.
load() {
  local a b
  a=$(head -1 /proc/stat)
  sleep 1
  b=$(head -1 /proc/stat)
  printf '%s; CPU busy over 1 s: %s of %s cores\n' "$(cat /proc/loadavg)" \
    "$(printf '%s\n%s\n' "$a" "$b" | awk '{ idle[NR] = $5 + $6; total[NR] = 0; for (i = 2; i <= NF; i++) total[NR] += $i }
      END { printf "%.0f%%", 100 * (1 - (idle[2] - idle[1]) / (total[2] - total[1])) }')" "$(nproc)"
}
threads=$out/threads.txt
runs_file=$out/threads-runs.txt
: >"$runs_file"
echo
load_before=$(load)
echo "== threads: load average (/proc/loadavg) before: $load_before"
echo "   $rounds rounds, each running every contender once: ${contenders[*]}"
failed=0
for ((round = 1; round <= rounds; round++)); do
  for pattern in small mix; do
    for n in 1 2; do
      for who in "${contenders[@]}"; do
        if line=$(threads_run "$who" --threads "$n" --pattern "$pattern" --runs 1 "${quick[@]}"); then
          echo "$who $line" >>"$runs_file"
        else
          echo "bench-malloc: $who, $n threads, pattern $pattern failed: ${line:-no output}" >&2
          failed=1
        fi
      done
    done
  done
done
load_after=$(load)
echo "   load after: $load_after"

# One line per contender, pattern and thread count: median, min and max of the rounds' ns/op.
{
  echo "# load before: $load_before"
  echo "# load after: $load_after"
  awk '
    { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
      k = $1 " " v["threads"] " " v["pattern"]
      if (!(k in n)) { order[keys++] = k; steps[k] = v["steps"] }
      x = v["ns_per_op"] + 0
      for (j = n[k]++; j > 0 && ns[k, j - 1] > x; j--) ns[k, j] = ns[k, j - 1] # insertion sort
      ns[k, j] = x
      handoffs[k] += v["handoffs"]; errors[k] += v["errors"] }
    END {
      for (i = 0; i < keys; i++) {
        k = order[i]; split(k, f, " "); m = ns[k, int(n[k] / 2)]
        printf "%s threads=%d pattern=%s ns_per_op=%.2f min=%.2f max=%.2f mops=%.2f runs=%d steps=%d handoffs=%d errors=%d\n",
          f[1], f[2], f[3], m, ns[k, 0], ns[k, n[k] - 1], f[2] * 1e3 / m, n[k], steps[k], handoffs[k], errors[k]
      }
    }' "$runs_file"
} >"$threads"

for pattern in small mix; do
  echo
  case $pattern in
    small) echo "== threads, pattern small: random 16..512 B malloc/free, 2,048 slots per thread" ;;
    mix) echo "== threads, pattern mix: 8 B..64 KiB with calloc and realloc, 4,096 slots per thread, 1/16 of frees by the next thread" ;;
  esac
  echo "   ns per op per thread: median of the rounds (min..max); time ÷ tcmalloc; Mops/s over all"
  echo "   threads; scaling = throughput at 2 threads ÷ at 1"
  awk -v pattern="$pattern" '
    /^#/ { next }
    { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
      if (v["pattern"] != pattern) next
      k = $1 SUBSEP v["threads"]
      ns[k] = v["ns_per_op"]; lo[k] = v["min"]; hi[k] = v["max"]; mops[k] = v["mops"]
      if (!($1 in seen)) { seen[$1] = 1; order[n++] = $1 } }
    function cell(c, t) { return (c SUBSEP t) in ns ? sprintf("%7.1f (%.1f..%.1f)", ns[c, t], lo[c, t], hi[c, t]) : "      —" }
    function vs(c, t) { return ((c SUBSEP t) in ns) && (("tcmalloc" SUBSEP t) in ns) ? sprintf("%5.2fx", ns[c, t] / ns["tcmalloc", t]) : "    —" }
    function rate(c, t) { return (c SUBSEP t) in mops ? sprintf("%7.2f", mops[c, t]) : "      —" }
    BEGIN { printf "%-14s %-24s %-24s %-16s %-17s %s\n", "", "1 thread ns/op", "2 threads ns/op",
              "vs tcmalloc 1, 2", "Mops/s 1, 2", "scaling" }
    END {
      for (i = 0; i < n; i++) {
        c = order[i]
        s = ((c SUBSEP 1) in mops) && ((c SUBSEP 2) in mops) ? sprintf("%.2fx", mops[c, 2] / mops[c, 1]) : "—"
        printf "%-14s %-24s %-24s %s %s    %s %s   %s\n", c, cell(c, 1), cell(c, 2), vs(c, 1), vs(c, 2),
          rate(c, 1), rate(c, 2), s
      }
    }' "$threads"
done
echo
echo "raw lines: $runs_file; medians: $threads"
if [ "$failed" -ne 0 ]; then
  echo "bench-malloc: some threaded runs failed (above); they are left out of the figures" >&2
  exit 1
fi
