// The module exports only what the wrapper calls (GOMEM_MODULE_EXPORTS in
// cmake/wasm-module.cmake), so a C function the wrapper starts to call must be added there: every
// C function named in js/*.mjs must be an export of gomem.wasm and of gomem.hardened.wasm.
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { test } from 'node:test';

import { init } from '../../js/index.mjs';

const root = new URL('../../', import.meta.url);

async function cFunctions() {
  const sources = [await readFile(new URL('include/gomem.h', root), 'utf8'),
    await readFile(new URL('src/wasm_exports.c', root), 'utf8')];
  const names = new Set();
  for (const text of sources) {
    for (const [, name] of text.matchAll(/\b(gomem_[a-z0-9_]+)\(/g)) names.add(name);
  }
  return names;
}

async function namesInWrapper() {
  const names = new Set();
  for (const file of await readdir(new URL('js/', root))) {
    if (!file.endsWith('.mjs')) continue;
    const text = await readFile(new URL(`js/${file}`, root), 'utf8');
    for (const [name] of text.matchAll(/\bgomem_[a-z0-9_]+/g)) names.add(name);
  }
  return names;
}

test('every C function the wrapper names is exported by both modules', async () => {
  const functions = await cFunctions();
  const called = [...await namesInWrapper()].filter((name) => functions.has(name));
  assert.ok(called.length > 50, `found ${called.length} C functions named in js/`);
  for (const gomem of [await init(), await init({ hardened: true })]) {
    const missing = called.filter((name) => typeof gomem.exports[name] !== 'function');
    assert.deepEqual(missing, [], 'add these to GOMEM_MODULE_EXPORTS in cmake/wasm-module.cmake');
  }
});
