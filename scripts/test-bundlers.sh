#!/usr/bin/env bash
# The package through bundlers, as users get it: npm pack, install the tarball into a fresh
# project under build/bundlers, bundle a small app (tests/bundlers: allocate, parse across two
# buffers with Memory + Reader, free) with esbuild (browser ESM and IIFE, Node ESM and CommonJS)
# and Vite (a browser build, SSR builds for Node in ESM and CommonJS), and run each bundle: in
# headless Chromium (Debian's, through playwright-core, served from 127.0.0.1) or under node.
# Installs chromium and the locked devDependencies (esbuild, vite, playwright-core) when missing.
# The last line is `N passed, N failed`; the exit status is non-zero on any failure.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source scripts/setup.sh
ensure_packages /usr/bin/chromium:chromium
ensure_npm_packages esbuild vite playwright-core
bash scripts/js-module.sh >/dev/null
out=$root/build/bundlers
rm -rf "$out"
mkdir -p "$out/project"
# The modules were just built; --ignore-scripts skips prepack's second build.
tarball=$(npm pack --silent --ignore-scripts --pack-destination "$out")
cp tests/bundlers/app.mjs tests/bundlers/entry.mjs tests/bundlers/entry-loader.mjs \
  tests/bundlers/entry-require.cjs tests/bundlers/index.html "$out/project/"
cd "$out/project"
echo '{ "name": "gomem-bundler-app", "private": true }' >package.json
npm install --no-audit --no-fund --offline "$out/$tarball" >/dev/null
node "$root/tests/bundlers/run.mjs" "$out/project"
