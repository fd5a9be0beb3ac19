// The Allocator of the JS wrapper: every method with good and bad input, and the mapping of
// every C status it can meet to an error with the status name as `.code` (docs/design.md, D5).
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { Allocator, init } from '../../js/index.mjs';
import { throwsCode } from './helpers.mjs';

let gomem;
before(async () => {
  gomem = await init();
});

describe('createAllocator', () => {
  test('defaults and options', () => {
    const allocator = gomem.createAllocator();
    assert.ok(allocator instanceof Allocator);
    assert.equal(allocator.maxBlockSize, 4 * 1024 * 1024);
    allocator.destroy();
    const custom = gomem.createAllocator({ initialSize: 65536, maxBlockSize: 100000, alignment: 64 });
    assert.equal(custom.maxBlockSize, 102400, 'rounded up to whole 4 KiB pages as in C');
    for (let i = 0; i < 20; i++) assert.equal(custom.malloc(3 + i).byteOffset % 64, 0);
    custom.destroy();
  });

  test('bad options', () => {
    throwsCode(() => gomem.createAllocator(null), TypeError, 'INVALID_ARGUMENT');
    throwsCode(() => gomem.createAllocator({ initialSize: '1' }), TypeError, 'INVALID_ARGUMENT',
      /initialSize must be a number/);
    throwsCode(() => gomem.createAllocator({ initialSize: -1 }), RangeError, 'INVALID_SIZE');
    throwsCode(() => gomem.createAllocator({ initialSize: 2 ** 32 }), RangeError, 'INVALID_SIZE');
    throwsCode(() => gomem.createAllocator({ maxBlockSize: 100 }), RangeError, 'INVALID_SIZE',
      /page size 4096/);
    throwsCode(() => gomem.createAllocator({ alignment: 3 }), TypeError, 'INVALID_ARGUMENT',
      /power of two/);
    throwsCode(() => gomem.createAllocator({ alignment: 8192 }), TypeError, 'INVALID_ARGUMENT',
      /up to 4096; got 8192/);
    // The C side decides (gomem_allocator_create_ex's status); numbers past 32 bits must not
    // wrap into valid ones on their way into wasm.
    throwsCode(() => gomem.createAllocator({ alignment: 2 ** 32 + 8 }), TypeError,
      'INVALID_ARGUMENT');
    throwsCode(() => gomem.createAllocator({ maxBlockSize: 2 ** 32 + 65536 }), RangeError,
      'INVALID_SIZE', /the default, 4194304/);
    throwsCode(() => gomem.createAllocator({ initialSize: 2 ** 32 + 16 }), RangeError,
      'INVALID_SIZE', /at most 4294963200/);
    throwsCode(() => gomem.createAllocator({ compact: 1 }), TypeError, 'INVALID_ARGUMENT',
      /compact must be a boolean/);
  });

  test('compact: the hole before the untouched end', () => {
    for (const compact of [false, true]) {
      const allocator = gomem.createAllocator({ initialSize: 16384, compact });
      const a = allocator.malloc(4096);
      const b = allocator.malloc(4096);
      assert.equal(b.byteOffset, a.byteOffset + 4096);
      const hole = a.byteOffset;
      allocator.free(a);
      const c = allocator.malloc(100);
      // The default index carves the top block (after b) before a hole of another size class.
      assert.equal(c.byteOffset, compact ? hole : b.byteOffset + 4096, `compact: ${compact}`);
      allocator.destroy();
    }
  });
});

describe('malloc', () => {
  test('returns a view whose byteOffset is the address and length the size', () => {
    const allocator = gomem.createAllocator();
    const a = allocator.malloc(100);
    const b = allocator.malloc(1);
    assert.ok(a instanceof Uint8Array);
    assert.equal(a.length, 100);
    assert.equal(a.buffer, gomem.wasmMemory.buffer);
    assert.equal(a.byteOffset % 8, 0);
    assert.ok(b.byteOffset >= a.byteOffset + 100 || b.byteOffset + 1 <= a.byteOffset,
      'allocations do not overlap');
    a.fill(0xab);
    b[0] = 1;
    assert.ok(a.every((byte) => byte === 0xab));
    assert.equal(allocator.stats().live, 101);
    allocator.destroy();
  });

  test('bad sizes say what to pass', () => {
    const allocator = gomem.createAllocator();
    throwsCode(() => allocator.malloc('16'), TypeError, 'INVALID_ARGUMENT', /must be a number/);
    throwsCode(() => allocator.malloc(16n), TypeError, 'INVALID_ARGUMENT', /bigint/);
    throwsCode(() => allocator.malloc(undefined), TypeError, 'INVALID_ARGUMENT');
    throwsCode(() => allocator.malloc(-1), RangeError, 'INVALID_SIZE', /at least 1/);
    throwsCode(() => allocator.malloc(0), RangeError, 'INVALID_SIZE', /at least 1/);
    throwsCode(() => allocator.malloc(NaN), RangeError, 'INVALID_SIZE', /whole number/);
    throwsCode(() => allocator.malloc(1.5), RangeError, 'INVALID_SIZE', /whole number/);
    throwsCode(() => allocator.malloc(Infinity), RangeError, 'INVALID_SIZE');
    throwsCode(() => allocator.malloc(2 ** 32), RangeError, 'INVALID_SIZE', /any wasm32 memory/);
    throwsCode(() => allocator.malloc(0xfffff001), RangeError, 'INVALID_SIZE', /any wasm32/);
    // The largest size wasm32 could hold in principle is tried, and fails now: NOMEM.
    throwsCode(() => allocator.malloc(0xfffff000), RangeError, 'NOMEM', /out of memory/);
    assert.equal(allocator.stats().totalMalloc, 0, 'nothing was allocated');
    allocator.destroy();
  });

  test('memory exhaustion is a RangeError coded NOMEM', () => {
    const allocator = gomem.createAllocator();
    allocator.malloc(16);
    gomem.setPageLimit(gomem.pageBytesHeld() + 65536);
    try {
      throwsCode(() => allocator.malloc(8 << 20), RangeError, 'NOMEM', /out of memory/);
      throwsCode(() => allocator.borrow(1 << 20), RangeError, 'NOMEM', /out of memory/);
      throwsCode(() => gomem.createAllocator({ initialSize: 1 << 20 }).malloc(1 << 20),
        RangeError, 'NOMEM');
    } finally {
      gomem.setPageLimit(0);
    }
    assert.equal(allocator.malloc(8 << 20).length, 8 << 20, 'works again without the cap');
    throwsCode(() => gomem.setPageLimit(-5), RangeError, 'INVALID_SIZE');
    allocator.destroy();
  });
});

describe('free', () => {
  test('whole views, and any sub-range on its own (segmented free)', () => {
    const allocator = gomem.createAllocator();
    const view = allocator.malloc(1024);
    allocator.free(view.subarray(256, 512));
    assert.equal(allocator.stats().live, 768);
    allocator.free(view.subarray(0, 256));
    allocator.free(view.subarray(512, 1000));
    allocator.free(view.subarray(1000));
    const { live, totalMalloc, totalFree } = allocator.stats();
    assert.deepEqual([live, totalMalloc, totalFree], [0, 1024, 1024]);
    const whole = allocator.malloc(64);
    allocator.free(whole);
    assert.equal(allocator.stats().live, 0);
    allocator.destroy();
  });

  test('double free is an Error coded DOUBLE_FREE and changes nothing', () => {
    const allocator = gomem.createAllocator();
    const view = allocator.malloc(512);
    const keep = allocator.malloc(16);
    allocator.free(view.subarray(0, 128));
    // Found by C: the sub-view is not recorded, its range is partly free already.
    throwsCode(() => allocator.free(view.subarray(64, 256)), Error, 'DOUBLE_FREE', /DOUBLE_FREE/);
    allocator.free(view.subarray(128));
    // Found by the wrapper: the recorded view was freed whole, even if its bytes are reused.
    const again = allocator.malloc(16);
    allocator.free(again);
    const reuse = allocator.malloc(16);
    assert.equal(reuse.byteOffset, again.byteOffset, 'the bytes were handed out again');
    throwsCode(() => allocator.free(again), Error, 'DOUBLE_FREE', /freed already/);
    assert.equal(allocator.stats().live, 32, 'the second free took nothing from `reuse`');
    allocator.free(reuse);
    allocator.free(keep);
    allocator.destroy();
  });

  test('views not from this allocator are RangeErrors coded FOREIGN_POINTER', async () => {
    const allocator = gomem.createAllocator();
    const other = gomem.createAllocator();
    const mine = allocator.malloc(32);
    const theirs = other.malloc(32);
    throwsCode(() => allocator.free(new Uint8Array(10)), RangeError, 'FOREIGN_POINTER',
      /FOREIGN_POINTER/);
    throwsCode(() => allocator.free(Buffer.from('abc')), RangeError, 'FOREIGN_POINTER');
    throwsCode(() => allocator.free(theirs), RangeError, 'FOREIGN_POINTER', /another allocator/);
    // A sub-view is not recorded: C finds it in no arena of this allocator.
    throwsCode(() => allocator.free(theirs.subarray(4)), RangeError, 'FOREIGN_POINTER');
    // A view of the instance's memory that no allocator handed out.
    throwsCode(() => allocator.free(new Uint8Array(gomem.wasmMemory.buffer, 8, 8)), RangeError,
      'FOREIGN_POINTER');
    // A view into another instance's memory.
    const second = await init();
    const elsewhere = second.createAllocator().malloc(32);
    throwsCode(() => allocator.free(elsewhere), RangeError, 'FOREIGN_POINTER', /instance/);
    throwsCode(() => gomem.view(elsewhere), RangeError, 'FOREIGN_POINTER');
    // A range that starts in an allocation and runs past its arena.
    const arenaEnd = allocator.malloc(16);
    const past = new Uint8Array(gomem.wasmMemory.buffer, arenaEnd.byteOffset, 1 << 20);
    throwsCode(() => allocator.free(past), RangeError, 'OUT_OF_RANGE', /OUT_OF_RANGE/);
    assert.equal(allocator.stats().live, 48, 'failed frees changed nothing');
    allocator.free(mine);
    other.free(theirs);
    allocator.destroy();
    other.destroy();
  });

  test('non-views and empty views', () => {
    const allocator = gomem.createAllocator();
    const view = allocator.malloc(8);
    throwsCode(() => allocator.free(view.byteOffset), TypeError, 'INVALID_ARGUMENT',
      /Uint8Array/);
    throwsCode(() => allocator.free(new DataView(view.buffer, view.byteOffset, 8)), TypeError,
      'INVALID_ARGUMENT');
    throwsCode(() => allocator.free(view.subarray(8)), RangeError, 'INVALID_SIZE',
      /INVALID_SIZE/);
    allocator.destroy();
  });
});

describe('borrow', () => {
  test('lends free bytes without taking them', () => {
    const allocator = gomem.createAllocator();
    const lent = allocator.borrow(1000);
    assert.equal(lent.length, 1000);
    lent.fill(7);
    assert.equal(allocator.stats().live, 0);
    assert.equal(allocator.stats().totalMalloc, 0);
    // The bytes are free: freeing them is a double free.
    throwsCode(() => allocator.free(lent), Error, 'DOUBLE_FREE');
    allocator.destroy();
  });

  test('bad sizes', () => {
    const allocator = gomem.createAllocator({ maxBlockSize: 65536 });
    throwsCode(() => allocator.borrow(0), RangeError, 'INVALID_SIZE');
    throwsCode(() => allocator.borrow(-3), RangeError, 'INVALID_SIZE');
    throwsCode(() => allocator.borrow('8'), TypeError, 'INVALID_ARGUMENT');
    throwsCode(() => allocator.borrow(65537), RangeError, 'INVALID_SIZE', /use malloc/);
    throwsCode(() => allocator.borrow(2 ** 40), RangeError, 'INVALID_SIZE');
    assert.equal(allocator.borrow(65536).length, 65536);
    allocator.destroy();
  });
});

describe('freeRest', () => {
  test('keeps the front, frees the rest, returns the kept view', () => {
    const allocator = gomem.createAllocator();
    const view = allocator.malloc(1000);
    view.fill(9);
    const kept = allocator.freeRest(view, 13);
    assert.equal(kept.byteOffset, view.byteOffset);
    assert.equal(kept.length, 13);
    assert.ok(kept.every((byte) => byte === 9));
    assert.equal(allocator.stats().live, 13);
    // The view passed in is used up.
    throwsCode(() => allocator.free(view), Error, 'DOUBLE_FREE', /freeRest/);
    throwsCode(() => gomem.view(view), Error, 'FREED');
    // keep >= length changes nothing and returns a live view of the same bytes.
    assert.equal(allocator.freeRest(kept, 13), kept);
    assert.equal(allocator.freeRest(kept, 100), kept);
    assert.equal(allocator.freeRest(kept, 0).length, 0);
    assert.equal(allocator.stats().live, 0);
    allocator.destroy();
  });

  test('works on sub-views and maps errors', () => {
    const allocator = gomem.createAllocator();
    const view = allocator.malloc(100);
    const kept = allocator.freeRest(view.subarray(50), 10);
    assert.equal(kept.byteOffset, view.byteOffset + 50);
    assert.equal(allocator.stats().live, 60);
    throwsCode(() => allocator.freeRest(view.subarray(50), 5), Error, 'DOUBLE_FREE');
    throwsCode(() => allocator.freeRest(view, -1), RangeError, 'INVALID_SIZE');
    throwsCode(() => allocator.freeRest(view, 2.5), RangeError, 'INVALID_SIZE');
    throwsCode(() => allocator.freeRest(view, '5'), TypeError, 'INVALID_ARGUMENT');
    throwsCode(() => allocator.freeRest(new Uint8Array(4), 1), RangeError, 'FOREIGN_POINTER');
    assert.equal(allocator.stats().live, 60);
    allocator.destroy();
  });
});

describe('trim and stats', () => {
  test('trim releases wholly free arenas', () => {
    const allocator = gomem.createAllocator({ initialSize: 16384 });
    const views = [];
    for (let i = 0; i < 40; i++) views.push(allocator.malloc(4000));
    const grown = allocator.stats();
    assert.ok(grown.arenaCount > 1);
    for (const view of views) allocator.free(view);
    const released = allocator.trim();
    assert.ok(released > 0);
    const after = allocator.stats();
    assert.equal(after.footprint, grown.footprint - released);
    assert.equal(after.arenaCount, 0);
    assert.equal(after.peakFootprint, grown.peakFootprint);
    assert.equal(allocator.trim(), 0);
    allocator.destroy();
  });

  test('stats are numbers that add up', () => {
    const allocator = gomem.createAllocator();
    const view = allocator.malloc(300);
    allocator.free(view.subarray(100));
    const stats = allocator.stats();
    assert.deepEqual(Object.keys(stats),
      ['totalMalloc', 'totalFree', 'live', 'footprint', 'peakFootprint', 'arenaCount', 'metadata',
       'peakLive']);
    for (const value of Object.values(stats)) assert.equal(typeof value, 'number');
    assert.equal(stats.totalMalloc, 300);
    assert.equal(stats.totalFree, 200);
    assert.equal(stats.peakLive, 300);
    assert.equal(stats.live, stats.totalMalloc - stats.totalFree);
    assert.equal(stats.arenaCount, 1);
    assert.ok(stats.footprint >= 16384 && stats.peakFootprint >= stats.footprint);
    assert.ok(stats.metadata > 0);
    allocator.destroy();
  });
});

describe('destroy', () => {
  test('every later call is a clear Error', () => {
    const allocator = gomem.createAllocator();
    const view = allocator.malloc(10);
    assert.equal(allocator.destroyed, false);
    allocator.destroy();
    assert.equal(allocator.destroyed, true);
    const calls = [
      () => allocator.malloc(1), () => allocator.free(view), () => allocator.borrow(1),
      () => allocator.freeRest(view, 1), () => allocator.trim(), () => allocator.stats(),
      () => allocator.view(view), () => allocator.destroy(),
    ];
    for (const call of calls) throwsCode(call, Error, 'DESTROYED', /destroyed.*createAllocator/);
    throwsCode(() => gomem.view(view), Error, 'DESTROYED');
  });
});

test('require() of the ES module works (no top-level await)', async () => {
  const { createRequire } = await import('node:module');
  const require = createRequire(import.meta.url);
  const module = require('../../js/index.mjs');
  assert.equal(typeof module.init, 'function');
  const instance = await module.init();
  assert.equal(instance.createAllocator().malloc(4).length, 4);
});
