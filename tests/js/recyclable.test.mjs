// RecyclableMemory (js/recyclable.mjs): nextN hands out recorded views that keep their bytes
// (across memory growth too), recycle() frees them all in one call and turns them into freed
// views, the allocator stays usable, and misuse is a coded error.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { RecyclableMemory, init } from '../../js/index.mjs';
import { throwsCode } from './helpers.mjs';

let gomem;
before(async () => {
  gomem = await init();
});

// Engines with WebAssembly.Memory#toResizableBuffer never detach views on growth.
const detaches = () => gomem.wasmMemory.buffer.resizable !== true;

describe('RecyclableMemory', () => {
  test('nextN hands out distinct views that keep their bytes', () => {
    const allocator = gomem.createAllocator();
    const rm = allocator.createRecyclable();
    assert.ok(rm instanceof RecyclableMemory);
    assert.equal(rm.allocator, allocator);
    assert.deepEqual([rm.count, rm.size, rm.destroyed], [0, 0, false]);
    const sizes = [1, 7, 64, 1000, 4096, 3];
    const views = sizes.map((n, i) => {
      const view = rm.nextN(n);
      assert.ok(view instanceof Uint8Array);
      assert.equal(view.length, n);
      assert.equal(view.buffer, gomem.wasmMemory.buffer);
      view.fill(i + 1);
      return view;
    });
    views.forEach((view, i) => assert.ok(view.every((b) => b === i + 1), `view ${i} kept`));
    const total = sizes.reduce((a, b) => a + b, 0);
    assert.deepEqual([rm.count, rm.size], [sizes.length, total]);
    // The allocator counts the bytes (plus the struct and the list's array it holds).
    assert.ok(allocator.stats().live >= total);
    rm.destroy();
    assert.equal(allocator.stats().live, 0, 'destroy freed the bytes and the struct');
    allocator.destroy();
  });

  test('recycle frees everything in one call: live bytes go back to the start', () => {
    const allocator = gomem.createAllocator();
    const kept = allocator.malloc(100); // not the recyclable's: untouched by recycle
    kept.fill(0x11);
    const rm = allocator.createRecyclable();
    const start = allocator.stats().live;
    let afterFirst; // live after the first recycle: the list's array stays for the next rounds
    for (let round = 0; round < 5; round++) {
      let total = 0;
      for (let i = 0; i < 200; i++) {
        const n = 1 + ((i * 37 + round) % 500);
        rm.nextN(n).fill(i & 0xff);
        total += n;
      }
      assert.equal(rm.size, total);
      assert.ok(allocator.stats().live >= start + total);
      assert.equal(rm.recycle(), total, 'recycle returns the bytes it freed');
      if (round === 0) {
        afterFirst = allocator.stats().live;
        assert.ok(afterFirst - start <= 4096, `only the list's array stays: ${afterFirst - start}`);
      }
      assert.equal(allocator.stats().live, afterFirst, `round ${round}: back to the start`);
      assert.deepEqual([rm.count, rm.size], [0, 0]);
    }
    assert.ok(kept.every((b) => b === 0x11));
    // The allocator stays usable, and so does the recyclable memory.
    const fresh = allocator.malloc(4096);
    fresh.fill(1);
    allocator.free(fresh);
    const again = rm.nextN(16);
    again.fill(2);
    assert.equal(rm.recycle(), 16);
    rm.destroy();
    allocator.free(kept);
    assert.equal(allocator.stats().live, 0);
    allocator.destroy();
  });

  test('recycled views are freed views: free, push and view throw', () => {
    const allocator = gomem.createAllocator();
    const rm = allocator.createRecyclable();
    const memory = allocator.createMemory();
    const view = rm.nextN(32);
    view.fill(5);
    memory.push(view); // a live recyclable view can be pushed (the list does not own it)
    assert.deepEqual(memory.toBytes(), new Uint8Array(32).fill(5));
    memory.reset();
    // Before recycle the allocator refuses it: recycle frees it, a free here would be a second.
    throwsCode(() => allocator.free(view), RangeError, 'FOREIGN_POINTER', /recycle\(\)/);
    throwsCode(() => allocator.freeRest(view, 4), RangeError, 'FOREIGN_POINTER');
    assert.equal(gomem.view(view), view);
    rm.recycle();
    throwsCode(() => allocator.free(view), Error, 'DOUBLE_FREE', /recycle\(\)/);
    throwsCode(() => allocator.freeRest(view, 4), Error, 'DOUBLE_FREE');
    throwsCode(() => memory.push(view), Error, 'FREED', /recycle\(\)/);
    throwsCode(() => gomem.view(view), Error, 'FREED', /recycle\(\)/);
    // destroy() recycles too.
    const last = rm.nextN(8);
    rm.destroy();
    throwsCode(() => allocator.free(last), Error, 'DOUBLE_FREE', /recycle\(\)/);
    throwsCode(() => memory.push(last), Error, 'FREED');
    memory.destroy();
    assert.equal(allocator.stats().live, 0);
    allocator.destroy();
  });

  test('another allocator refuses its views as foreign', () => {
    const a = gomem.createAllocator();
    const b = gomem.createAllocator();
    const rm = a.createRecyclable();
    const view = rm.nextN(64);
    throwsCode(() => b.free(view), RangeError, 'FOREIGN_POINTER', /another allocator/);
    rm.destroy();
    a.destroy();
    b.destroy();
  });

  test('growth across nextN calls keeps earlier bytes; gomem.view re-derives them', () => {
    const allocator = gomem.createAllocator();
    const rm = allocator.createRecyclable();
    const first = rm.nextN(1000);
    for (let i = 0; i < first.length; i++) first[i] = (i * 7) & 0xff;
    const address = first.byteOffset;
    const before = gomem.wasmMemory.buffer;
    const big = rm.nextN(2 * before.byteLength); // forces memory to grow
    assert.notEqual(gomem.wasmMemory.buffer.byteLength, before.byteLength);
    assert.equal(big.buffer, gomem.wasmMemory.buffer, 'made after the call that grew memory');
    if (detaches()) assert.equal(first.length, 0, 'the engine detached the earlier view');
    const live = gomem.view(first);
    assert.deepEqual([live.byteOffset, live.length], [address, 1000]);
    for (let i = 0; i < live.length; i++) assert.equal(live[i], (i * 7) & 0xff);
    // Many more small ones, with growth in between, all keep their bytes.
    const views = [];
    for (let i = 0; i < 40; i++) {
      const view = rm.nextN(i % 2 ? 100 : 1 << 20);
      view[0] = i;
      view[view.length - 1] = 255 - i;
      views.push(view);
    }
    views.forEach((view, i) => {
      const again = gomem.view(view);
      assert.deepEqual([again[0], again[again.length - 1]], [i, 255 - i]);
    });
    // A stale recorded view is still recycled correctly: everything is freed.
    const total = rm.size;
    assert.equal(rm.recycle(), total);
    throwsCode(() => gomem.view(first), Error, 'FREED');
    rm.destroy();
    assert.equal(allocator.stats().live, 0);
    allocator.destroy();
  });

  test('bad sizes are coded RangeErrors or TypeErrors and change nothing', () => {
    const allocator = gomem.createAllocator();
    const rm = allocator.createRecyclable();
    rm.nextN(10);
    const cases = [
      [-1, RangeError, 'INVALID_SIZE'], [-0.5, RangeError, 'INVALID_SIZE'],
      [NaN, RangeError, 'INVALID_SIZE'], [1.5, RangeError, 'INVALID_SIZE'],
      [0, RangeError, 'INVALID_SIZE'], [Infinity, RangeError, 'INVALID_SIZE'],
      [2 ** 32, RangeError, 'INVALID_SIZE'], ['16', TypeError, 'INVALID_ARGUMENT'],
      [16n, TypeError, 'INVALID_ARGUMENT'], [undefined, TypeError, 'INVALID_ARGUMENT'],
      [null, TypeError, 'INVALID_ARGUMENT'],
    ];
    for (const [n, Kind, code] of cases) throwsCode(() => rm.nextN(n), Kind, code, /nextN/);
    assert.deepEqual([rm.count, rm.size], [1, 10]);
    // Too large for what memory can still grow to: NOMEM from C, nothing recorded.
    gomem.setPageLimit(gomem.pageBytesHeld() + (1 << 20));
    try {
      throwsCode(() => rm.nextN(64 << 20), RangeError, 'NOMEM', /nextN/);
    } finally {
      gomem.setPageLimit(0);
    }
    assert.deepEqual([rm.count, rm.size], [1, 10]);
    assert.equal(rm.recycle(), 10);
    rm.destroy();
    assert.equal(allocator.stats().live, 0);
    allocator.destroy();
  });

  test('use after destroy, or after its allocator was destroyed, is DESTROYED', () => {
    const allocator = gomem.createAllocator();
    const rm = allocator.createRecyclable();
    rm.destroy();
    assert.equal(rm.destroyed, true);
    rm.destroy(); // idempotent
    throwsCode(() => rm.nextN(8), Error, 'DESTROYED', /RecyclableMemory was destroyed/);
    throwsCode(() => rm.recycle(), Error, 'DESTROYED');
    throwsCode(() => rm.size, Error, 'DESTROYED');
    throwsCode(() => rm.count, Error, 'DESTROYED');

    const other = allocator.createRecyclable();
    const view = other.nextN(8);
    allocator.destroy();
    assert.equal(other.destroyed, true);
    throwsCode(() => other.nextN(8), Error, 'DESTROYED', /allocator/);
    throwsCode(() => other.recycle(), Error, 'DESTROYED', /allocator/);
    throwsCode(() => gomem.view(view), Error, 'DESTROYED');
    other.destroy(); // only marks it: the allocator's destroy released everything
    throwsCode(() => allocator.createRecyclable(), Error, 'DESTROYED');
  });

  test('it cannot be constructed directly', () => {
    throwsCode(() => new RecyclableMemory(), TypeError, 'INVALID_ARGUMENT', /createRecyclable/);
  });
});
