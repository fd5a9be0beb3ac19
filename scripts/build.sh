#!/usr/bin/env bash
# Configure and build one native configuration: scripts/build.sh BUILD_DIR [cmake -D options...]
set -euo pipefail
build_dir=$1
shift
cmake -S "$(dirname "$0")/.." -B "$build_dir" -DGOMEM_WERROR=ON "$@" >/dev/null
cmake --build "$build_dir" --parallel "$(nproc 2>/dev/null || echo 2)" >/dev/null
