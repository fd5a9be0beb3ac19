// worker-body.mjs - what a test worker does with one shared gomem memory, the same under Node's
// worker_threads (node-worker.mjs) and in a browser's Web Worker (browser-worker.mjs); no Node
// imports. The coordinator (scenario.mjs) sends commands { id, cmd, ... }; each gets one reply
// { id, result } or { id, error: { code, message } }.
//
// Patterns: every byte of a block is a function of its seed and offset, so whichever worker
// checks a block knows what it must hold without being told more than the seed.
import { attach } from '../../js/index.mjs';

export const patternByte = (seed, i) => (seed * 31 + i * 7 + (i >>> 8)) & 0xff;

export function fill(view, seed) {
  for (let i = 0; i < view.length; i++) view[i] = patternByte(seed, i);
}

export function holds(view, seed) {
  for (let i = 0; i < view.length; i++) if (view[i] !== patternByte(seed, i)) return false;
  return true;
}

let gomem = null;
let allocator = null;
// Views this worker allocated and shared but keeps (alloc with keep), by address: the sender's
// own view, for freeing it after the receiver did (a misuse the descriptions' table refuses).
const kept = new Map();

const commands = {
  async attach({ message, allocator: shared }) {
    gomem = await attach(message);
    allocator = gomem.openAllocator(shared);
    return { shared: gomem.shared };
  },

  // `count` blocks of sizes in [minSize, maxSize], each filled from its own seed.
  alloc({ count, seed, minSize, maxSize, keep = false }) {
    const blocks = [];
    for (let i = 0; i < count; i++) {
      const size = minSize + ((seed + i) * 2654435761 >>> 0) % (maxSize - minSize + 1);
      const view = allocator.malloc(size);
      fill(view, seed + i);
      const description = gomem.share(view);
      if (keep) kept.set(description.ptr, view);
      blocks.push({ ...description, seed: seed + i });
    }
    return blocks;
  },

  // Frees the sender's own view of a block it shared (alloc with keep).
  freeKept({ ptr }) {
    const view = kept.get(ptr);
    kept.delete(ptr);
    allocator.free(view);
    return 'freed';
  },

  // Uses a description whose bytes should be freed already: viewOf must refuse it.
  viewStale({ block }) {
    gomem.viewOf(block);
    return 'viewed';
  },

  // Check each block's pattern, then free it (someone else allocated it).
  checkFree({ blocks }) {
    let damaged = 0;
    for (const block of blocks) {
      const view = gomem.viewOf(block);
      if (!holds(view, block.seed)) damaged++;
      allocator.free(view);
    }
    return { damaged };
  },

  // A Memory over blocks other workers made (push: no copy), read back across the blocks with a
  // Reader, 32-bit little-endian values where four bytes remain (straddling block ends) and
  // bytes at the end. The blocks stay allocated.
  readAcross({ blocks }) {
    const memory = allocator.createMemory();
    try {
      for (const block of blocks) memory.push(gomem.viewOf(block));
      const expected = blocks.flatMap((block) =>
        Array.from({ length: block.length }, (_, i) => patternByte(block.seed, i)));
      const reader = memory.reader();
      let damaged = 0;
      let at = 0;
      for (; at + 4 <= expected.length; at += 4) {
        const value = expected[at] | (expected[at + 1] << 8) | (expected[at + 2] << 16) |
          (expected[at + 3] << 24);
        if (reader.readUint32LE() !== value >>> 0) damaged++;
      }
      for (; at < expected.length; at++) if (reader.readUint8() !== expected[at]) damaged++;
      return { damaged, remaining: reader.remaining };
    } finally {
      memory.destroy();
    }
  },

  // Wait on a shared flag with the other racers, then free the block: through its description
  // (the descriptions' table decides), or `raw`, through a plain subarray of it that bypasses
  // the table (the C allocator's lock decides).
  raceFree({ block, flag, raw }) {
    const view = gomem.viewOf(block);
    const cell = new Int32Array(flag);
    Atomics.add(cell, 1, 1); // ready
    while (Atomics.load(cell, 0) === 0) Atomics.wait(cell, 0, 0, 5);
    allocator.free(raw ? view.subarray(0) : view);
    return 'freed';
  },

  destroyOpened() {
    allocator.destroy();
    return 'destroyed';
  },

  // Detach, then check that nothing made from this instance still reaches the module (its stack
  // is given back): the allocator, a Memory and its Reader all refuse with DESTROYED.
  // The Memory stays allocated (nothing can free it once its instance is gone): `leftBehind`
  // says how many bytes, for the coordinator's shadow.
  detach() {
    const before = allocator.stats().live;
    const memory = allocator.createMemory();
    memory.pushBytes(new Uint8Array([1, 2, 3, 4]));
    const reader = memory.reader();
    const leftBehind = allocator.stats().live - before;
    gomem.detach();
    const refusals = [() => allocator.malloc(8), () => reader.readUint8(),
      () => memory.pushBytes(new Uint8Array(1)), () => gomem.forWorker()]
      .map((call) => {
        try {
          call();
          return 'worked';
        } catch (error) {
          return error.code;
        }
      });
    return { refusals, leftBehind };
  },
};

/** Runs one command; `post` sends the reply. */
export async function handle(data, post) {
  const { id, cmd } = data;
  try {
    post({ id, result: await commands[cmd](data) });
  } catch (error) {
    post({ id, error: { code: error.code ?? error.name, message: error.message } });
  }
}
