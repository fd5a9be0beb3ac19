#!/usr/bin/env bash
# npm start: build the library in release mode and run the native demo.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/setup.sh
bash scripts/build.sh build/release -DGOMEM_BUILD_TESTS=OFF -DGOMEM_BUILD_BENCH=OFF
build/release/examples/gomem_demo
