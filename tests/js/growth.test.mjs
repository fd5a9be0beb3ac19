// Decision 4: every memory.grow detaches the old ArrayBuffer (Node.js 20 has no resizable wasm
// buffers), so views handed out earlier read as empty. The wrapper must still free them, re-derive
// them with gomem.view(), and turn any use of a stale view it cannot recover into StaleViewError.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';

import { StaleViewError, init } from '../../js/index.mjs';

let gomem;
before(async () => {
  gomem = await init();
});

// Engines with WebAssembly.Memory#toResizableBuffer never detach; these tests are about the rest.
const detaches = () => gomem.memory.buffer.resizable !== true;

function fillPattern(view, seed) {
  for (let i = 0; i < view.length; i += 4093) view[i] = (seed + i) & 0xff;
  view[view.length - 1] = seed & 0xff;
}

function hasPattern(view, seed) {
  for (let i = 0; i < view.length; i += 4093) if (view[i] !== ((seed + i) & 0xff)) return false;
  return view[view.length - 1] === (seed & 0xff);
}

test('allocations across many memory growths keep their bytes and can be freed', () => {
  const allocator = gomem.createAllocator();
  const MiB = 1 << 20;
  const views = [];
  const buffers = new Set();
  for (let i = 0; i < 64; i++) {
    const view = allocator.malloc(MiB);
    fillPattern(view, i);
    views.push(view);
    buffers.add(gomem.memory.buffer);
  }
  assert.ok(buffers.size >= 3, `memory grew ${buffers.size - 1} times`);
  if (detaches()) {
    assert.equal(views[0].length, 0, 'the engine detached the first view');
    assert.equal(views[0].byteOffset, 0);
  }
  const addresses = new Set();
  views.forEach((view, i) => {
    const live = gomem.view(view);
    assert.equal(live.length, MiB);
    assert.equal(live.buffer, gomem.memory.buffer);
    assert.ok(hasPattern(live, i), `allocation ${i} kept its bytes`);
    const viaAllocator = allocator.view(view);
    assert.deepEqual([viaAllocator.byteOffset, viaAllocator.length], [live.byteOffset, MiB]);
    addresses.add(live.byteOffset);
  });
  assert.equal(addresses.size, 64);
  assert.equal(allocator.stats().live, 64 * MiB);
  // Free the views obtained before growth, half of them by a sub-range first.
  views.forEach((view, i) => {
    if (i % 2) allocator.free(gomem.view(view).subarray(1000, 5000));
  });
  views.forEach((view, i) => {
    if (i % 2) {
      const live = gomem.view(view);
      allocator.free(live.subarray(0, 1000));
      allocator.free(live.subarray(5000));
    } else {
      allocator.free(view);
    }
  });
  assert.equal(allocator.stats().live, 0);
  allocator.destroy();
});

test('a re-derived view shares its record: freeing one frees both', () => {
  const allocator = gomem.createAllocator();
  const first = allocator.malloc(64);
  allocator.malloc(gomem.memory.buffer.byteLength); // forces growth
  const again = gomem.view(first);
  assert.notEqual(again, first);
  allocator.free(again);
  assert.throws(() => allocator.free(first), { code: 'DOUBLE_FREE' });
  assert.throws(() => gomem.view(first), { code: 'FREED' });
  allocator.destroy();
});

test('stale sub-views are a StaleViewError telling to call gomem.view, never zeros', () => {
  const allocator = gomem.createAllocator();
  const view = allocator.malloc(100);
  const other = allocator.malloc(100);
  view.fill(42);
  other.fill(43);
  const part = view.subarray(10, 20);
  const borrowed = allocator.borrow(16);
  const bigSize = 2 * gomem.memory.buffer.byteLength;
  allocator.malloc(bigSize); // forces growth
  if (!detaches()) return;
  assert.equal(part.length, 0, 'a detached view reads as empty');
  const isStale = (error) => error instanceof StaleViewError && error.code === 'STALE_VIEW' &&
    /gomem\.view\(v\)/.test(error.message) && /grew/.test(error.message);
  assert.throws(() => allocator.free(part), isStale);
  assert.throws(() => allocator.freeRest(part, 1), isStale);
  assert.throws(() => gomem.view(part), isStale);
  assert.throws(() => allocator.free(borrowed), isStale, 'borrowed views are not recorded');
  // The recorded parent still gives the bytes, and a new sub-view from it works.
  const live = gomem.view(view);
  assert.ok(live.every((byte) => byte === 42));
  allocator.free(live.subarray(10, 20));
  assert.equal(allocator.stats().live, 190 + bigSize);
  // freeRest of a stale recorded view works from its record and returns a live view.
  const otherOffset = gomem.view(other).byteOffset;
  const kept = allocator.freeRest(other, 10);
  assert.equal(kept.buffer, gomem.memory.buffer);
  assert.deepEqual([kept.byteOffset, kept.length], [otherOffset, 10]);
  assert.ok(kept.every((byte) => byte === 43));
  assert.equal(allocator.stats().live, 100 + bigSize);
  allocator.destroy();
});

test('views handed out after growth are live, and stats survive growth', () => {
  const allocator = gomem.createAllocator();
  const before = gomem.memory.buffer;
  const size = before.byteLength * 2;
  const big = allocator.malloc(size);
  if (detaches()) {
    assert.notEqual(gomem.memory.buffer, before);
    assert.equal(before.byteLength, 0, 'the old buffer was detached');
  }
  assert.equal(big.buffer, gomem.memory.buffer, 'made after the call that grew memory');
  big[big.length - 1] = 5;
  assert.equal(gomem.view(big), big);
  assert.equal(allocator.stats().live, size);
  allocator.free(big);
  allocator.destroy();
});
