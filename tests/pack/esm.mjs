// Uses the installed package from an ES module, as a user would.
import { init } from 'gomem-wasm';

const gomem = await init();
const allocator = gomem.createAllocator();
const view = allocator.malloc(1024);
view.fill(7);
allocator.free(view.subarray(256, 512)); // segmented free
allocator.free(view.subarray(0, 256));
allocator.free(view.subarray(512));
const { live } = allocator.stats();
if (live !== 0) throw new Error(`esm: live is ${live}, expected 0`);

// The hardened module ships in the package too.
const hardened = await init({ hardened: true });
if (!hardened.hardened) throw new Error('esm: init({ hardened: true }) did not load gomem.hardened.wasm');
console.log('esm: ok');
