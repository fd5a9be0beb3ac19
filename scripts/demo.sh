#!/usr/bin/env bash
# npm start: builds everything the demos need and runs them:
#   1. the native C demo (release build): segmented free, recyclable memory, a stream parsed with
#      the C reader;
#   2. the wasm stream demo: an FLV stream (generated, or a file given as `npm start -- file.flv`)
#      fed in random-size chunks into a Memory in wasm memory and parsed tag by tag with the
#      Reader, zero-copy where a payload lies in one chunk.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/setup.sh
bash scripts/build.sh build/release -DGOMEM_BUILD_TESTS=OFF -DGOMEM_BUILD_BENCH=OFF
build/release/examples/gomem_demo
echo
bash scripts/js-module.sh >/dev/null
node examples/stream-demo.mjs "$@"
