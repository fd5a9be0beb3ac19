#!/usr/bin/env bash
# npm run bench [-- --quick]: build the release benchmarks and print their tables.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/setup.sh
bash scripts/build.sh build/bench -DGOMEM_BUILD_TESTS=OFF -DGOMEM_BUILD_EXAMPLES=OFF
mkdir -p bench/results
build/bench/bench/bench_alloc "$@" --json bench/results/alloc.json
if [ -x build/bench/bench/bench_memory ]; then build/bench/bench/bench_memory "$@"; fi
