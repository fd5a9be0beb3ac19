// Uses the installed package from an ES module, as a user would: every way of giving init() its
// module that works without a bundler.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

import { Memory, init } from 'gomem-wasm';

const check = (condition, what) => {
  if (!condition) throw new Error(`esm: ${what}`);
};

const gomem = await init();
const allocator = gomem.createAllocator();
const view = allocator.malloc(1024);
view.fill(7);
allocator.free(view.subarray(256, 512)); // segmented free
allocator.free(view.subarray(0, 256));
allocator.free(view.subarray(512));
const { live } = allocator.stats();
check(live === 0, `live is ${live}, expected 0`);
check(allocator.createMemory() instanceof Memory, 'createMemory() is not a Memory');

// The hardened module ships in the package too.
const hardened = await init({ hardened: true });
check(hardened.hardened, 'init({ hardened: true }) did not load gomem.hardened.wasm');

// The wasm subpaths resolve (package.json exports), and each way of passing the module works.
const require = createRequire(import.meta.url);
const path = require.resolve('gomem-wasm/gomem.wasm');
const bytes = await readFile(path);
check((await init({ wasm: path })).hardened === false, 'init({ wasm: path })');
check((await init({ wasm: bytes })).hardened === false, 'init({ wasm: bytes })');
check((await init({ wasm: await WebAssembly.compile(bytes) })).hardened === false,
  'init({ wasm: WebAssembly.Module })');
const response = new Response(bytes, { headers: { 'content-type': 'application/wasm' } });
check((await init({ wasm: response })).hardened === false, 'init({ wasm: Response })');
const hardenedPath = require.resolve('gomem-wasm/gomem.hardened.wasm');
check((await init({ wasm: hardenedPath })).hardened, 'init({ wasm: gomem.hardened.wasm })');

// A source that is not a module says what to pass.
const page = new Response('<!doctype html>', { headers: { 'content-type': 'text/html' } });
try {
  await init({ wasm: page });
  check(false, 'an HTML Response was accepted');
} catch (error) {
  check(error.code === 'WASM_NOT_FOUND' && /not a wasm module.*init\(\{ wasm \}\)/.test(error.message),
    `an HTML Response: unexpected ${error.code} ${error.message}`);
}
console.log('esm: ok');
