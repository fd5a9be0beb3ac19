// Type-checked as CommonJS (tsc --noEmit; a .cts file compiles to require()), against the types
// the package's "require" entry resolves to. Never run.
import gomemWasm = require('gomem-wasm');
import type { Gomem } from 'gomem-wasm';

async function main(): Promise<number> {
  const gomem: Gomem = await gomemWasm.init({ hardened: false });
  const allocator = gomem.createAllocator();
  const view = allocator.malloc(8);
  allocator.free(view);
  return allocator.stats().live;
}

void main();
