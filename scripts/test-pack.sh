#!/usr/bin/env bash
# As a user installs it: npm pack, check the tarball holds exactly the expected files and that
# `npm publish --dry-run` accepts it, install it into a fresh project under build/pack, and use
# it from an ES module, from CommonJS (with require(esm), and without it as on Node.js before
# 20.19: --no-experimental-require-module), under the "browser" condition (no file system), and
# from TypeScript (tsc --noEmit against the shipped .d.ts files, nodenext and bundler resolution).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source scripts/setup.sh
ensure_npm_packages typescript
bash scripts/js-module.sh
out=$root/build/pack
rm -rf "$out"
mkdir -p "$out/consumer" "$out/unpacked"

# The module was just built; --ignore-scripts keeps prepack's build output out of the file name.
tarball=$(npm pack --silent --ignore-scripts --pack-destination "$out")
echo "packed $tarball: $(tar -tzf "$out/$tarball" | sed 's#^package/##' | sort | tr '\n' ' ')"

# Exactly these files, no more (a stray file matched by "files") and no fewer.
expected=(
  CHANGELOG.md
  LICENSE
  README.md
  js/describe.mjs
  js/errors.mjs
  js/gomem.hardened.wasm
  js/gomem.shared.wasm
  js/gomem.wasm
  js/index.cjs
  js/index.d.ts
  js/index.mjs
  js/load-browser.mjs
  js/load-node.mjs
  js/memory.mjs
  js/reader.mjs
  js/recyclable.mjs
  js/shared.mjs
  js/views.mjs
  js/wasm.d.ts
  package.json
)
if ! diff -u --label expected --label packed <(printf '%s\n' "${expected[@]}" | LC_ALL=C sort) \
    <(tar -tzf "$out/$tarball" | sed 's#^package/##' | LC_ALL=C sort); then
  echo "pack: the tarball's files differ from the expected list (- missing, + unexpected)" >&2
  exit 1
fi
echo "pack: the tarball holds exactly the ${#expected[@]} expected files"
tar -xzf "$out/$tarball" -C "$out/unpacked"
node tests/pack/files.mjs "$out/unpacked/package"

# npm publish accepts it: no "private", valid metadata. The tarball itself is what would be
# published; nothing leaves the machine (--dry-run).
if ! npm publish --dry-run --ignore-scripts "$out/$tarball" >"$out/publish.log" 2>&1; then
  cat "$out/publish.log" >&2
  echo "pack: npm publish --dry-run failed" >&2
  exit 1
fi
grep -q '(dry-run)' "$out/publish.log" || { cat "$out/publish.log" >&2; exit 1; }
echo "pack: npm publish --dry-run accepts $tarball"

cp tests/pack/esm.mjs tests/pack/cjs.cjs tests/pack/conditions.mjs tests/pack/check.ts \
  tests/pack/check-cjs.cts tests/pack/tsconfig.json tests/pack/tsconfig.bundler.json "$out/consumer/"
cd "$out/consumer"
echo '{ "name": "gomem-consumer", "private": true }' >package.json
npm install --no-audit --no-fund --offline "$out/$tarball" >/dev/null
node esm.mjs
node cjs.cjs
# Node.js before 20.19 (and 22.0..22.11) cannot require() an ES module; this flag makes this
# Node.js behave so, which takes js/index.cjs's other path.
if node --no-experimental-require-module -e 0 2>/dev/null; then
  node --no-experimental-require-module cjs.cjs
else
  echo "cjs: this Node.js has no --no-experimental-require-module; the fallback path is not run"
fi
node --conditions=browser conditions.mjs
"$root/node_modules/.bin/tsc" -p tsconfig.json
"$root/node_modules/.bin/tsc" -p tsconfig.bundler.json
echo "typescript: ok (nodenext: ESM and CommonJS consumers; bundler resolution)"
