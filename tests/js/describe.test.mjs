// Allocator#describeMemory (js/describe.mjs over gomem_wasm_describe): the picture of an
// allocator's memory agrees with a model of what is allocated, after random mallocs and (whole
// and segmented) frees, in the default and the hardened module; its totals agree with stats();
// the C walk's contract when the caller's buffer is too small; the wrapper's retry with a larger
// buffer, which leaves the described allocator untouched.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { init } from '../../js/index.mjs';
import { generator } from '../shared/random.mjs';
import { throwsCode } from './helpers.mjs';

let modules;
before(async () => {
  modules = { default: await init(), hardened: await init({ hardened: true }) };
});

// Checks the shape of a picture and returns it: ranges sorted, disjoint, never adjacent, inside
// their arena; arenas disjoint; every total the sum of its parts; fragmentation as defined.
function checkPicture(picture, allocator) {
  const stats = allocator.stats();
  assert.equal(picture.footprint, stats.footprint, 'footprint as stats()');
  assert.equal(picture.live, stats.live, 'live as stats()');
  assert.equal(picture.arenas.length, stats.arenaCount, 'arenas as stats()');
  assert.equal(picture.live + picture.free, picture.footprint, 'live + free = footprint');
  let footprint = 0, free = 0, blocks = 0, largest = 0;
  const spans = [];
  for (const arena of picture.arenas) {
    const end = arena.base + arena.size;
    let sum = 0, biggest = 0, previousEnd = -1;
    for (const range of arena.free) {
      assert.ok(range.start >= arena.base && range.end <= end, 'free range inside its arena');
      assert.ok(range.start < range.end, 'free range not empty');
      assert.ok(range.start > previousEnd, 'free ranges sorted, disjoint and not adjacent');
      previousEnd = range.end;
      sum += range.end - range.start;
      biggest = Math.max(biggest, range.end - range.start);
    }
    assert.equal(arena.freeBytes, sum, 'an arena\'s free bytes are its ranges');
    assert.equal(arena.live + arena.freeBytes, arena.size);
    assert.equal(arena.largestFree, biggest);
    assert.equal(arena.fragmentation, sum === 0 ? 0 : 1 - biggest / sum);
    footprint += arena.size;
    free += sum;
    blocks += arena.free.length;
    largest = Math.max(largest, biggest);
    spans.push([arena.base, end]);
  }
  spans.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < spans.length; i++) {
    assert.ok(spans[i][0] >= spans[i - 1][1], 'arenas do not overlap');
  }
  assert.equal(picture.footprint, footprint);
  assert.equal(picture.free, free);
  assert.equal(picture.freeBlocks, blocks);
  assert.equal(picture.largestFree, largest);
  assert.equal(picture.fragmentation, free === 0 ? 0 : 1 - largest / free);
  assert.ok(picture.fragmentation >= 0 && picture.fragmentation < 1);
  return picture;
}

// The free ranges the model expects: each arena minus the live intervals, merged.
function expectedFree(arena, live) {
  const ranges = [];
  let at = arena.base;
  const end = arena.base + arena.size;
  for (const [start, stop] of live) {
    if (stop <= arena.base || start >= end) continue;
    if (start > at) ranges.push({ start: at, end: start });
    at = Math.max(at, stop);
  }
  if (at < end) ranges.push({ start: at, end });
  return ranges;
}

// model: key -> { view, ptr, from, to }: bytes [from, to) of a view malloc handed out at ptr
// (kept as numbers: a subarray goes stale when memory grows, the numbers do not).
function checkAgainstModel(allocator, model) {
  const picture = checkPicture(allocator.describeMemory(), allocator);
  const live = [...model.values()].map(({ ptr, from, to }) => [ptr + from, ptr + to])
    .sort((a, b) => a[0] - b[0]);
  let modelLive = 0;
  for (const [start, stop] of live) {
    modelLive += stop - start;
    const home = picture.arenas.filter((arena) =>
      start >= arena.base && stop <= arena.base + arena.size);
    assert.equal(home.length, 1, `live bytes [${start}, ${stop}) lie in exactly one arena`);
  }
  assert.equal(picture.live, modelLive, 'live bytes as the model');
  for (const arena of picture.arenas) {
    assert.deepEqual(arena.free, expectedFree(arena, live), `free ranges of arena ${arena.base}`);
  }
  return picture;
}

for (const name of ['default', 'hardened']) {
  describe(`describeMemory (${name} module)`, () => {
    test('a new allocator has no arenas', () => {
      const allocator = modules[name].createAllocator();
      assert.deepEqual(allocator.describeMemory(), {
        arenas: [], footprint: 0, live: 0, free: 0, freeBlocks: 0, largestFree: 0,
        fragmentation: 0,
      });
      const view = allocator.malloc(100);
      const picture = checkPicture(allocator.describeMemory(), allocator);
      assert.equal(picture.arenas.length, 1);
      assert.equal(picture.live, 100);
      assert.deepEqual(picture.arenas[0].free,
        expectedFree(picture.arenas[0], [[view.byteOffset, view.byteOffset + 100]]));
      allocator.destroy();
    });

    test('free ranges agree with a model after random mallocs and frees', () => {
      for (const seed of [1, 2, 3]) {
        const random = generator(seed * 7919);
        const allocator = modules[name].createAllocator({ initialSize: 16384,
          maxBlockSize: 65536 });
        const model = new Map();
        let key = 0;
        const piece = (entry) => allocator.view(entry.view).subarray(entry.from, entry.to);
        for (let step = 0; step < 600; step++) {
          const roll = random.next();
          if (roll < 0.5 || model.size === 0) {
            // Mostly small blocks, some up to 16 KiB, a few above maxBlockSize (dedicated).
            const size = roll < 0.01 ? 65536 + random.below(100000)
              : 1 + (random.next() < 0.9 ? random.below(512) : random.below(16384));
            const view = allocator.malloc(size);
            model.set(key++, { view, ptr: view.byteOffset, from: 0, to: size });
          } else {
            const keys = [...model.keys()];
            const which = keys[random.below(keys.length)];
            const entry = model.get(which);
            model.delete(which);
            const length = entry.to - entry.from;
            if (length > 2 && random.next() < 0.3) {
              // Segmented free: a middle piece, keeping the front (and the back, if any) live.
              const from = entry.from + 1 + random.below(length - 2);
              const to = from + 1 + random.below(entry.to - from - 1);
              allocator.free(allocator.view(entry.view).subarray(from, to));
              model.set(key++, { ...entry, to: from });
              if (to < entry.to) model.set(key++, { ...entry, from: to });
            } else {
              allocator.free(piece(entry));
            }
          }
          if (step % 25 === 0) checkAgainstModel(allocator, model);
        }
        const picture = checkAgainstModel(allocator, model);
        assert.ok(picture.freeBlocks > 5, 'enough free blocks that the scratch area is too small');
        assert.ok(picture.arenas.length > 1, 'several arenas');
        for (const entry of model.values()) allocator.free(piece(entry));
        model.clear();
        checkAgainstModel(allocator, model);
        assert.equal(allocator.describeMemory().live, 0);
        allocator.destroy();
      }
    });

    test('a dedicated region, and trim', () => {
      const allocator = modules[name].createAllocator({ maxBlockSize: 8192 });
      const small = allocator.malloc(64);
      const big = allocator.malloc(20000);
      let picture = checkPicture(allocator.describeMemory(), allocator);
      const dedicated = picture.arenas.filter((arena) => arena.dedicated);
      assert.equal(dedicated.length, 1);
      assert.ok(big.byteOffset >= dedicated[0].base &&
        big.byteOffset + big.length <= dedicated[0].base + dedicated[0].size);
      allocator.free(big); // released at once
      picture = checkPicture(allocator.describeMemory(), allocator);
      assert.equal(picture.arenas.filter((arena) => arena.dedicated).length, 0);
      allocator.free(small);
      assert.ok(allocator.trim() > 0);
      assert.deepEqual(allocator.describeMemory().arenas, []);
      allocator.destroy();
    });

    test('a large picture is taken through a larger buffer, changing nothing described', () => {
      // An arena filled with 16-byte blocks, every other one freed: as many free ranges as
      // blocks freed, far beyond the scratch area (64 bytes: an arena and five ranges).
      const fragmented = (arenaBytes) => {
        const allocator = modules[name].createAllocator({ initialSize: arenaBytes,
          maxBlockSize: arenaBytes });
        const model = new Map();
        const views = [];
        for (let i = 0; i < arenaBytes / 16; i++) views.push(allocator.malloc(16));
        views.forEach((view, i) => {
          if (i % 2 === 0) allocator.free(view);
          else model.set(i, { view, ptr: view.byteOffset, from: 0, to: 16 });
        });
        return { allocator, model };
      };
      const small = fragmented(65536);
      const before = small.allocator.stats();
      const first = checkAgainstModel(small.allocator, small.model);
      assert.equal(first.arenas.length, 1);
      assert.equal(first.freeBlocks, 2048);
      assert.equal(first.fragmentation, 1 - 16 / 32768, 'only 16-byte holes: fragmented');
      assert.deepEqual(small.allocator.stats(), before, 'describing changes nothing');
      assert.deepEqual(small.allocator.describeMemory(), first, 'the same picture again');
      // Four times as many ranges: the buffer the instance keeps for pictures grows.
      const large = fragmented(262144);
      const second = checkAgainstModel(large.allocator, large.model);
      assert.equal(second.freeBlocks, 8192);
      assert.deepEqual(checkAgainstModel(small.allocator, small.model), first);
      small.allocator.destroy();
      large.allocator.destroy();
    });

    test('a destroyed allocator throws DESTROYED', () => {
      const allocator = modules[name].createAllocator();
      allocator.destroy();
      throwsCode(() => allocator.describeMemory(), Error, 'DESTROYED');
    });
  });
}

describe('gomem_wasm_describe (the C walk)', () => {
  test('returns the bytes needed and writes only whole records that fit', () => {
    const gomem = modules.default;
    const { exports } = gomem;
    const handle = exports.gomem_allocator_create_ex(0, 0) >>> 0;
    const blocks = [];
    for (let i = 0; i < 10; i++) blocks.push(exports.gomem_alloc(handle, 24) >>> 0);
    for (let i = 0; i < 10; i += 2) assert.equal(exports.gomem_free(handle, blocks[i], 24), 0);
    // One arena: 20 bytes of gomem_arena_info, then (start, end) pairs: the five freed blocks,
    // merged with nothing (each lies between live ones), and the arena's untouched rest.
    const needed = exports.gomem_wasm_describe(handle, 0, 0) >>> 0;
    assert.equal(needed, 20 + 6 * 8);
    const out = exports.gomem_alloc(handle, 256) >>> 0; // after the walk above: not in it
    const after = exports.gomem_wasm_describe(handle, 0, 0) >>> 0;
    const bytes = () => new Uint8Array(gomem.wasmMemory.buffer, out, 256);
    for (const capacity of [0, 19, 20, 27, 28, after - 1, after, 256]) {
      bytes().fill(0xaa);
      assert.equal(exports.gomem_wasm_describe(handle, out, capacity) >>> 0, after);
      const written = capacity >= after ? after
        : capacity < 20 ? 0 : 20 + Math.floor((capacity - 20) / 8) * 8;
      const view = bytes();
      assert.ok(view.subarray(written).every((byte) => byte === 0xaa),
        `capacity ${capacity}: nothing written past ${written}`);
      if (written >= 20) {
        const data = new DataView(gomem.wasmMemory.buffer, out, 256);
        assert.equal(data.getUint32(4, true), 16384, 'the arena\'s size');
        assert.equal(data.getUint32(8, true), 16384 - 5 * 24 - 256, 'its free bytes');
      }
    }
    exports.gomem_allocator_destroy(handle);
  });
});
