#!/usr/bin/env bash
# npm run fuzz: builds the libFuzzer targets (tests/fuzz) with clang, AddressSanitizer and
# UndefinedBehaviorSanitizer into build/fuzz, then runs each for a set time and prints a summary
# table of executions per second and total executions.
#
#   scripts/fuzz.sh [SECONDS] [index|allocator|reader|malloc ...]
#     SECONDS defaults to $FUZZ_SECONDS, else 60; with no names all four fuzzers run, one after
#     the other (each gets the whole machine: the allocator and index targets are single-threaded).
#   scripts/fuzz.sh --runs=N ...     stop each fuzzer after N executions instead of a time
#   scripts/fuzz.sh --build-only     configure and build only (scripts/fuzz-smoke.sh uses this)
#   scripts/fuzz.sh --hardened ...   the same with GOMEM_HARDENED=ON (build/fuzz-hardened): the
#                                    models then also predict SPANS_ALLOCATIONS
#
# New inputs go to build/fuzz/corpus-work/<name> (kept between runs, never the repository); the
# committed corpus tests/fuzz/corpus/<name> is read as a second, read-only directory. A crash
# leaves its reproducer in build/fuzz/artifacts/<name>/ and fails the script (after the others
# have run). Full logs: build/fuzz/logs/<name>.log.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

build_only=0
hardened=OFF
seconds=${FUZZ_SECONDS:-60}
runs=
names=()
for arg in "$@"; do
  case "$arg" in
    --build-only) build_only=1 ;;
    --hardened) hardened=ON ;;
    --runs=*) runs=${arg#--runs=} ;;
    ''|*[!0-9]*) names+=("$arg") ;;
    *) seconds=$arg ;;
  esac
done
[ ${#names[@]} -gt 0 ] || names=(index allocator reader malloc)

# ---- tools: cmake, make, clang and its libFuzzer runtime -----------------------------------------
source scripts/setup.sh
ensure_packages cmake:cmake make:make clang:clang
# Debian ships libFuzzer's runtime apart from clang (libclang-rt-N-dev, N = clang's major version).
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' \
  >"$probe/probe.c"
if ! clang -fsanitize=fuzzer,address,undefined "$probe/probe.c" -o "$probe/probe" 2>/dev/null; then
  major=$(clang --version | sed -n 's/.*clang version \([0-9][0-9]*\).*/\1/p' | head -n1)
  install_packages "libclang-rt-${major:-14}-dev"
fi

# ---- configure and build ----------------------------------------------------------------------
# Two choices for speed (the figures are in docs/reliability.md):
#  - GOMEM_MMAP=OFF: regions come from the C heap, which AddressSanitizer owns. No mmap/munmap
#    pair per arena (two thirds of an empty input's time went to those syscalls), and a use of a
#    released arena is reported as a heap-use-after-free with both stacks instead of a SEGV.
#    The mmap page source itself is covered by the ctest suites.
#  - edge coverage without comparison tracing (-fno-sanitize-coverage=trace-cmp): the library's
#    comparisons are of sizes and offsets, not of magic input values, and tracing each one took
#    a third of the time; without it the same 40 s reach more edges and features.
build=build/fuzz
[ "$hardened" = OFF ] || build=build/fuzz-hardened
cmake -S . -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DGOMEM_FUZZ=ON -DGOMEM_SANITIZE=fuzzer-no-link,address,undefined -DGOMEM_WERROR=ON \
  -DGOMEM_MMAP=OFF -DCMAKE_C_FLAGS=-fno-sanitize-coverage=trace-cmp \
  -DGOMEM_HARDENED="$hardened" \
  -DGOMEM_BUILD_TESTS=OFF -DGOMEM_BUILD_BENCH=OFF -DGOMEM_BUILD_EXAMPLES=OFF \
  -DGOMEM_FUZZ_SECONDS="${FUZZ_SMOKE_SECONDS:-5}" >/dev/null
cmake --build "$build" -j"$(nproc 2>/dev/null || echo 2)" >/dev/null
for name in index allocator reader malloc; do
  if [ ! -x "$build/tests/fuzz/fuzz_$name" ]; then
    echo "fuzz: $build/tests/fuzz/fuzz_$name was not built: does the top-level CMakeLists.txt" \
         "add tests/fuzz when GOMEM_FUZZ is ON?" >&2
    exit 1
  fi
done
[ "$build_only" -eq 0 ] || exit 0

# ---- run --------------------------------------------------------------------------------------
# Inputs are kept short: a few hundred operations reach every state the models can tell apart
# (small arenas and indexes make them cheap to fill), while libFuzzer's default of 4096 bytes let
# inputs grow until a run went at a third of its speed (fuzz_index: 8,700 exec/s at first, 3,100
# with 4 KiB inputs). The reader's input carries its buffers' bytes before the operations. The
# allocator's operations cost in proportion to its arenas (each malloc that misses the current
# arena probes the others), so its inputs are shortest: 96 bytes hold a few dozen operations,
# combs of up to 64 allocations each among them.
declare -A max_len=([index]=512 [allocator]=96 [reader]=1024 [malloc]=512)
mkdir -p "$build/logs"
final_stat() { sed -n "s/^stat::$1: *//p" "$2" | tail -n1; }
rows=()
failed=()
for name in "${names[@]}"; do
  fuzzer="$build/tests/fuzz/fuzz_$name"
  if [ ! -x "$fuzzer" ]; then echo "fuzz: no fuzzer named '$name'" >&2; exit 2; fi
  work="$build/corpus-work/$name"
  artifacts="$build/artifacts/$name"
  log="$build/logs/$name.log"
  mkdir -p "$work" "$artifacts"
  if [ -n "$runs" ]; then limit=(-runs="$runs"); what="$runs runs"; else
    limit=(-max_total_time="$seconds"); what="$seconds s"; fi
  echo "== fuzz_$name: $what, inputs up to ${max_len[$name]} bytes (log: $log)"
  status=ok
  started=$SECONDS
  if ! "$fuzzer" "${limit[@]}" -max_len="${max_len[$name]}" -print_final_stats=1 -timeout=30 \
       -artifact_prefix="$artifacts/" "$work" "tests/fuzz/corpus/$name" >"$log" 2>&1; then
    status=FAILED
    failed+=("$name")
    tail -n 40 "$log"
    echo "reproducer(s): $(ls "$artifacts" | sed "s|^|$artifacts/|" | tr '\n' ' ')"
  fi
  rows+=("$(printf '%-16s %8s %14s %10s %10s %8s  %s' "fuzz_$name" "$((SECONDS - started))" \
    "$(final_stat number_of_executed_units "$log")" "$(final_stat average_exec_per_sec "$log")" \
    "$(final_stat new_units_added "$log")" "$(ls "$work" | wc -l)" "$status")")
done

echo
printf '%-16s %8s %14s %10s %10s %8s  %s\n' fuzzer seconds "total execs" "exec/s" "new units" corpus result
for row in "${rows[@]}"; do echo "$row"; done
if [ ${#failed[@]} -gt 0 ]; then
  echo "failed: ${failed[*]}"
  exit 1
fi
