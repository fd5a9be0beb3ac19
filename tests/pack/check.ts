// Type-checked against the installed package's declarations (tsc --noEmit), never run.
import { init, type Allocator, StaleViewError } from 'gomem-wasm';

async function main(): Promise<number> {
  const gomem = await init();
  const allocator: Allocator = gomem.createAllocator({ initialSize: 4096 });
  const view: Uint8Array = allocator.malloc(16);
  const kept: Uint8Array = allocator.freeRest(view, 8);
  allocator.free(kept);
  const memory = allocator.createMemory();
  memory.pushBytes(new Uint8Array([1, 2, 3, 4]));
  const reader = memory.reader();
  const value: number = reader.readUint32BE();
  try {
    allocator.free(view);
  } catch (error) {
    if (error instanceof StaleViewError) return -1;
  }
  return value + allocator.stats().live;
}

void main();
