#!/usr/bin/env bash
# As a user installs it: npm pack, install the tarball into a fresh project under build/pack, and
# use it from an ES module, from CommonJS (require of the ESM entry), and from TypeScript
# (tsc --noEmit against the shipped .d.ts). Also prints what the tarball holds.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source scripts/setup.sh
ensure_npm_packages typescript
bash scripts/js-module.sh
out=$root/build/pack
rm -rf "$out"
mkdir -p "$out/consumer"
# The module was just built; --ignore-scripts keeps prepack's build output out of the file name.
tarball=$(npm pack --silent --ignore-scripts --pack-destination "$out")
echo "packed $tarball: $(tar -tzf "$out/$tarball" | sed 's#^package/##' | sort | tr '\n' ' ')"
cp tests/pack/esm.mjs tests/pack/cjs.cjs tests/pack/check.ts tests/pack/tsconfig.json "$out/consumer/"
cd "$out/consumer"
echo '{ "name": "gomem-consumer", "private": true }' >package.json
npm install --no-audit --no-fund --offline "$out/$tarball" >/dev/null
node esm.mjs
node cjs.cjs
"$root/node_modules/.bin/tsc" -p tsconfig.json
echo "typescript: ok"
