// Run with `node --conditions=browser`: `#load` then resolves as in a browser bundle
// (js/load-browser.mjs, no file system), so init() cannot read gomem.wasm and must say what to
// pass; given the bytes, it works.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

import { init } from 'gomem-wasm';

try {
  await init();
  throw new Error('conditions: init() read a file under the "browser" condition');
} catch (error) {
  if (error.code !== 'WASM_NOT_FOUND' || !/without the "node" condition.*init\(\{ wasm \}\)/.test(error.message)) {
    throw error;
  }
}
const bytes = await readFile(createRequire(import.meta.url).resolve('gomem-wasm/gomem.wasm'));
const allocator = (await init({ wasm: bytes })).createAllocator();
allocator.free(allocator.malloc(100));
console.log('browser condition: ok (no file system; init({ wasm: bytes }) works)');
