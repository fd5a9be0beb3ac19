// Type-checked against the installed package's declarations (tsc --noEmit), never run.
import { init, type Allocator, type InitOptions, type RecyclableMemory, StaleViewError }
  from 'gomem-wasm';
// The wasm subpaths have types (js/wasm.d.ts): whatever a bundler's loader gives, for init().
import wasm from 'gomem-wasm/gomem.wasm';
import hardenedWasm from 'gomem-wasm/gomem.hardened.wasm';

async function main(): Promise<number> {
  const gomem = await init({ initialMemory: 1 << 20, maximumMemory: 64 << 20 });
  const hardened: boolean = (await init({ hardened: true })).hardened;
  const sources: InitOptions['wasm'][] = [wasm, hardenedWasm, new Response(new Uint8Array(8)),
    new URL('https://example.invalid/gomem.wasm'), '/gomem.wasm', new Uint8Array(8)];
  await init({ wasm, initialMemory: sources.length });
  const scratch: RecyclableMemory = gomem.createAllocator().createRecyclable();
  const piece: Uint8Array = scratch.nextN(32);
  const recycled: number = scratch.recycle() + piece.length + (hardened ? 1 : 0);
  const allocator: Allocator = gomem.createAllocator({ initialSize: 4096 });
  const view: Uint8Array = allocator.malloc(16);
  const kept: Uint8Array = allocator.freeRest(view, 8);
  allocator.free(kept);
  const memory = allocator.createMemory();
  memory.pushBytes(new Uint8Array([1, 2, 3, 4]));
  const reader = memory.reader();
  const value: number = reader.readUint32BE();
  // readView is null where the bytes straddle buffers: the types make the caller say what then.
  const payload: Uint8Array = reader.readView(0) ?? reader.readBytes(0);
  const wasmMemory: WebAssembly.Memory = gomem.wasmMemory;
  try {
    allocator.free(view);
  } catch (error) {
    if (error instanceof StaleViewError) return -1;
  }
  return value + allocator.stats().live + recycled + payload.length +
    wasmMemory.buffer.byteLength;
}

void main();
