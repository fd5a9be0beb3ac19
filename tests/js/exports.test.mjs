// The module exports only what the wrapper calls (GOMEM_MODULE_EXPORTS in
// cmake/wasm-module.cmake), so a C function the wrapper starts to call must be added there: every
// C function named in js/*.mjs must be an export of gomem.wasm, gomem.hardened.wasm and
// gomem.shared.wasm (the shared module's own functions only of that one), and gomem.wasm must
// export nothing else.
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

// The shared module's own entry points (js/shared.mjs): only gomem.shared.wasm has them.
const sharedOnly = (name) => name.startsWith('gomem_wasm_instance_');

test('every C function the wrapper names is exported by every module', async () => {
  const functions = await cFunctions();
  const called = [...await namesInWrapper()].filter((name) => functions.has(name));
  assert.ok(called.length > 30, `found ${called.length} C functions named in js/`);
  const modules = [['gomem.wasm', await init(), false],
    ['gomem.hardened.wasm', await init({ hardened: true }), false],
    ['gomem.shared.wasm', await init({ shared: true }), true]];
  for (const [file, gomem, shared] of modules) {
    const missing = called.filter((name) => (shared || !sharedOnly(name)) &&
      typeof gomem.exports[name] !== 'function');
    assert.deepEqual(missing, [], `${file}: add these to GOMEM_MODULE_EXPORTS in ` +
      'cmake/wasm-module.cmake');
  }
});

test('the default module exports nothing the wrapper does not call (its size budget)', async () => {
  const named = await namesInWrapper();
  const { exports } = await init();
  const unused = Object.keys(exports).filter((name) => typeof exports[name] === 'function' &&
    !named.has(name));
  assert.deepEqual(unused, [], 'drop these from GOMEM_MODULE_EXPORTS in cmake/wasm-module.cmake');
});
