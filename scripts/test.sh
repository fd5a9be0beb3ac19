#!/usr/bin/env bash
# npm test: builds and runs every test of the project.
#   - the native suite in each build-option combination (default, GOMEM_TWOTREE, GOMEM_BUDDY,
#     GOMEM_DISABLE_RM, GOMEM_THREADS, GOMEM_DEBUG, GOMEM_MMAP=OFF);
#   - the default suite under AddressSanitizer + UndefinedBehaviorSanitizer, the threaded build
#     under ThreadSanitizer, and the default build once under valgrind memcheck.
# The last line counts configurations: 'configurations: N passed, N failed'.
# Build trees go to build/test-*; ctest prints each suite's summary.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/setup.sh

configs=(
  "default|"
  "twotree|-DGOMEM_TWOTREE=ON"
  "buddy|-DGOMEM_BUDDY=ON -DGOMEM_BUDDY_POOL_SIZE=1048576"
  "disable-rm|-DGOMEM_DISABLE_RM=ON"
  "threads|-DGOMEM_THREADS=ON"
  "debug|-DGOMEM_DEBUG=ON -DCMAKE_BUILD_TYPE=Debug"
  "heap-pages|-DGOMEM_MMAP=OFF"
  "asan-ubsan|-DGOMEM_SANITIZE=address,undefined -DCMAKE_BUILD_TYPE=RelWithDebInfo"
  "twotree-asan|-DGOMEM_TWOTREE=ON -DGOMEM_BUDDY=ON -DGOMEM_SANITIZE=address,undefined -DCMAKE_BUILD_TYPE=RelWithDebInfo"
  "threads-tsan|-DGOMEM_THREADS=ON -DGOMEM_SANITIZE=thread -DCMAKE_BUILD_TYPE=RelWithDebInfo"
  "valgrind|-DGOMEM_TEST_VALGRIND=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo"
)

failed=()
for entry in "${configs[@]}"; do
  name=${entry%%|*}
  options=${entry#*|}
  echo "== native suite: $name ${options:+($options)}"
  # shellcheck disable=SC2086
  if bash scripts/build.sh "build/test-$name" -DGOMEM_BUILD_BENCH=OFF $options &&
     ctest --test-dir "build/test-$name" --output-on-failure --timeout 300; then
    :
  else
    failed+=("$name")
  fi
done

echo "configurations: $(( ${#configs[@]} - ${#failed[@]} )) passed, ${#failed[@]} failed"
if [ ${#failed[@]} -gt 0 ]; then
  echo "failed: ${failed[*]}"
  exit 1
fi
