#!/usr/bin/env bash
# The fuzzers' part of npm test: builds them as scripts/fuzz.sh does (build/fuzz and
# build/fuzz-hardened), then runs
# their ctest tests: each fuzzer replays the committed corpus tests/fuzz/corpus/<name> as
# regression inputs and fuzzes on for FUZZ_SMOKE_SECONDS (default 5) into a scratch corpus in the
# build tree. Prints each fuzzer's executions and executions per second; exits non-zero when any
# fuzzer found a failure (its reproducer is in build/fuzz/tests/fuzz/artifacts/<name>/).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

# Twice: the default build, and GOMEM_HARDENED (whose models also predict SPANS_ALLOCATIONS).
rc=0
for variant in default hardened; do
  build=build/fuzz
  flag=()
  if [ "$variant" = hardened ]; then build=build/fuzz-hardened; flag=(--hardened); fi
  echo "== fuzz smoke: $variant build ($build)"
  FUZZ_SMOKE_SECONDS=${FUZZ_SMOKE_SECONDS:-5} bash scripts/fuzz.sh --build-only "${flag[@]}"
  ctest --test-dir "$build" -L fuzz --output-on-failure --timeout 600 || rc=$?

  # ctest keeps each test's output: pull libFuzzer's final stats out of it for a one-line summary.
  log="$build/Testing/Temporary/LastTest.log"
  if [ -f "$log" ]; then
    awk -v variant="$variant" '/^[0-9]+\/[0-9]+ Test: / { name = $3 }
         /^stat::number_of_executed_units:/ { execs[name] = $2 }
         /^stat::average_exec_per_sec:/ { rate[name] = $2 }
         END { for (n in execs) printf "%-9s %-16s %12s execs %8s exec/s\n", variant, n, execs[n], rate[n] }' "$log" | sort
  fi
done
exit $rc
