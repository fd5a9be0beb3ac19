#!/usr/bin/env bash
# npm run soak: a long random walk over one scalable allocator (tests/soak/soak.c), release build.
#   SOAK_OPS      operations (default 1e8; about 2 minutes on 2 cores, see docs/reliability.md)
#   SOAK_SEED     seed of the walk (default 20261125)
#   SOAK_LIVE_MB  live set to hold steady, in MB (default 20)
# Extra arguments are passed to cmake, e.g. scripts/soak.sh -DGOMEM_INDEX=treap.
# Exits non-zero when an invariant check, a tag check, the growth trend or the recycle check fails.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source scripts/setup.sh
ensure_packages cmake:cmake gcc:gcc make:make
# One build directory per set of cmake options, so options never stick to later plain runs.
build=build/soak
if [ $# -gt 0 ]; then build=build/soak-$(printf '%s ' "$@" | cksum | cut -d' ' -f1); fi
cmake -S tests/soak -B "$build" -DCMAKE_BUILD_TYPE=Release -DGOMEM_WERROR=ON "$@" >/dev/null
cmake --build "$build" --parallel "$(nproc 2>/dev/null || echo 2)" >/dev/null
"$build/soak"
