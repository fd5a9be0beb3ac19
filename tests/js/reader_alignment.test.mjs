// The wrapper's C structs at any alignment. gomem_wasm_memory_new, gomem_wasm_reader_new and
// gomem_wasm_recyclable_new take their structs from the user's allocator, and so does the list's
// gomem_buf array: with alignment 1 or 2 they sit at any address, and the wrapper must still read
// and write every field at its exact byte address (a Uint32Array indexed by address >> 2 reads
// the word below: the original report's repro read 0x05060708 at offset 8 for the first four bytes, or
// trapped). Run on the default and the hardened module:
//   - the original repro (a Reader over an allocator of alignment 1 or 2) at alignments 1, 2
//     and 4, values and offsets asserted;
//   - every other method that reads a struct field (buffers, iteration, copyTo, readInto,
//     readView, rangeN, clipFront, RecyclableMemory's count and size) at alignments 1 and 2;
//   - a Memory and Reader at multiples of 4 over a list array at an odd address (the fast path
//     checks the array's alignment on every read: the array moves as the list grows);
//   - a fast-check property: random alignment (1..4096), initialSize, odd-sized mallocs before
//     the Memory, bytes split into random chunks (empty ones included, pushed as allocator views or
//     with pushBytes), then random reads, peeks, skips, readBytes, readView, unread, rangeN and
//     clipFront checked against a DataView over the joined bytes, remaining and offset after each
//     one, and the mallocs before the Memory checked untouched at the end.
// GOMEM_FC_RUNS sets the runs of the property per module (default 500), GOMEM_FC_SEED replays a
// failing seed (fast-check prints it with the shrunk counterexample).
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import fc from 'fast-check';

import { init } from '../../js/index.mjs';
import { FIXED, PEEKS, throwsCode } from './reader_model.mjs';

const RUNS = Number(process.env.GOMEM_FC_RUNS ?? 500);
const { GOMEM_FC_SEED } = process.env;
const SEED = GOMEM_FC_SEED === undefined ? undefined : Number(GOMEM_FC_SEED);

const ALIGNMENTS = Array.from({ length: 13 }, (_, k) => 2 ** k); // 1 .. 4096

// An allocator of `alignment` whose next allocation is not 4-aligned when alignment < 4: one
// byte is taken first, so the structs made next sit just after it.
function misalignedAllocator(gomem, alignment) {
  const allocator = gomem.createAllocator({ alignment });
  allocator.malloc(1);
  return allocator;
}

// One scenario of the property (see the arbitrary below); `seen` counts what the runs covered.
function checkScenario(gomem, scenario, seen) {
  const { alignment, initialSize, mallocsBefore, bytes, chunks, ops } = scenario;
  const allocator = gomem.createAllocator({ alignment, initialSize });
  try {
    // Odd-sized allocations before the Memory, each filled with its own byte.
    const guards = mallocsBefore.map((size, i) => allocator.malloc(size).fill(0xa5 ^ i));
    const memory = allocator.createMemory();
    const views = [];
    const bounds = []; // where each chunk ends in `bytes`: readView straddles the ones inside
    let at = 0;
    const pushChunk = (end, asView) => {
      const chunk = bytes.subarray(at, end);
      if (asView && chunk.length > 0) {
        const view = allocator.malloc(chunk.length);
        view.set(chunk);
        views.push(view);
        memory.push(view);
      } else {
        memory.pushBytes(chunk);
      }
      at = end;
      bounds.push(end);
    };
    for (const { length, asView } of chunks) pushChunk(Math.min(at + length, bytes.length), asView);
    if (at < bytes.length) pushChunk(bytes.length, false);
    const reader = memory.reader();
    if ((memory.handle & 3) !== 0) seen.misaligned++;

    const total = bytes.length;
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let pos = 0; // reader position in `bytes`
    let base = 0; // bytes clipped from the front
    ops.forEach((op, i) => {
      const context = `alignment ${alignment}, op ${i} ${JSON.stringify(op)}, pos ${pos}`;
      const left = total - pos;
      const { n } = op;
      switch (op.kind) {
        case 'read': {
          const [width, name, expect] = FIXED[op.which];
          if (width > left) {
            throwsCode(() => reader[name](), 'END_OF_DATA', `${context}: ${name}`);
            break;
          }
          assert.equal(reader[name](), expect(dv, pos), `${context}: ${name}`);
          pos += width;
          seen.values++;
          break;
        }
        case 'peek': {
          const [width, name, expect] = PEEKS[op.which];
          if (width > left) throwsCode(() => reader[name](), 'END_OF_DATA', `${context}: ${name}`);
          else assert.equal(reader[name](), expect(dv, pos), `${context}: ${name}`);
          break;
        }
        case 'skip':
          if (n > left) {
            throwsCode(() => reader.skip(n), 'END_OF_DATA', context);
          } else {
            reader.skip(n);
            pos += n;
          }
          break;
        case 'readView':
          if (n > left) {
            throwsCode(() => reader.readView(n), 'END_OF_DATA', context);
          } else if (bounds.some((end) => pos < end && end < pos + n)) {
            assert.equal(reader.readView(n), null, `${context}: straddles`);
            assert.equal(reader.offset, pos - base, `${context}: a straddle moves nothing`);
          } else {
            assert.deepEqual(Uint8Array.from(reader.readView(n)), bytes.slice(pos, pos + n),
              context);
            pos += n;
          }
          break;
        case 'readBytes':
        case 'peekBytes':
          if (n > left) {
            throwsCode(() => reader[op.kind](n), 'END_OF_DATA', context);
          } else {
            assert.deepEqual(Uint8Array.from(reader[op.kind](n)), bytes.slice(pos, pos + n),
              context);
            if (op.kind === 'readBytes') pos += n;
          }
          break;
        case 'unread':
          if (n > pos - base) {
            assert.throws(() => reader.unread(n),
              { name: 'TypeError', code: 'INVALID_ARGUMENT' }, context);
          } else {
            reader.unread(n);
            pos -= n;
          }
          break;
        case 'rangeN': {
          const got = [];
          const moved = reader.rangeN(n, (view) => {
            got.push(...view);
          });
          assert.equal(moved, Math.min(n, left), context);
          assert.deepEqual(Uint8Array.from(got), bytes.slice(pos, pos + moved), context);
          pos += moved;
          break;
        }
        case 'clipFront':
          reader.clipFront();
          base = pos;
          assert.equal(memory.size, total - base, `${context}: size after clipFront`);
          break;
        default:
          throw new Error(`unknown op ${op.kind}`);
      }
      assert.equal(reader.remaining, total - pos, `${context}: remaining`);
      assert.equal(reader.offset, pos - base, `${context}: offset`);
    });
    assert.deepEqual(memory.toBytes(), bytes.slice(base));
    memory.destroy();
    guards.forEach((guard, i) => {
      const live = allocator.view(guard);
      assert.equal(live.findIndex((byte) => byte !== (0xa5 ^ i)), -1,
        `alignment ${alignment}: the malloc(${guard.length}) before the Memory was overwritten`);
      allocator.free(live);
    });
    // Allocator views were not freed by clipFront (the Memory does not own them).
    for (const view of views) allocator.free(view);
    assert.equal(allocator.stats().live, 0, 'every byte freed');
  } finally {
    allocator.destroy();
  }
}

const scenarioArbitrary = fc.record({
  // Alignments below 4 (the ones that misplace the structs) weighted up.
  alignment: fc.oneof({ arbitrary: fc.constantFrom(1, 2), weight: 2 },
    { arbitrary: fc.constantFrom(...ALIGNMENTS), weight: 3 }),
  initialSize: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 1 << 17 })),
  mallocsBefore: fc.array(fc.nat(40).map((k) => 2 * k + 1), { maxLength: 5, size: 'max' }),
  bytes: fc.uint8Array({ maxLength: 300, size: 'max' }),
  // Chunk lengths from the front (0: an empty buffer); bytes left after them are one more chunk.
  chunks: fc.array(fc.record({ length: fc.nat(24), asView: fc.boolean() }),
    { maxLength: 30, size: 'max' }),
  ops: fc.array(fc.oneof(
    { arbitrary: fc.record({ kind: fc.constant('read'), which: fc.nat(FIXED.length - 1) }),
      weight: 6 },
    fc.record({ kind: fc.constant('peek'), which: fc.nat(PEEKS.length - 1) }),
    { arbitrary: fc.record({
      kind: fc.constantFrom('skip', 'readBytes', 'peekBytes', 'readView', 'unread', 'rangeN'),
      n: fc.nat(16),
    }), weight: 3 },
    fc.record({ kind: fc.constant('clipFront') }),
  ), { maxLength: 60, size: 'max' }),
});

for (const [label, options] of [['default module', {}], ['hardened module', { hardened: true }]]) {
  describe(`C structs at any alignment (${label})`, () => {
    let gomem;
    before(async () => {
      gomem = await init(options);
      assert.equal(gomem.hardened, options.hardened === true);
    });

    test('the original repro at alignments 1, 2 and 4: values and offsets', () => {
      for (const alignment of [1, 2, 4]) {
        const allocator = misalignedAllocator(gomem, alignment);
        const memory = allocator.createMemory();
        const reader = memory.pushBytes(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])).reader();
        const context = `alignment ${alignment}`;
        assert.equal(memory.handle % alignment, 0, context);
        if (alignment < 4) assert.notEqual(memory.handle % 4, 0, `${context}: misaligned Memory`);
        assert.equal(reader.readUint32BE(), 0x01020304, context);
        assert.equal(reader.offset, 4, context);
        assert.equal(reader.remaining, 6, context);
        assert.equal(reader.readUint32LE(), 0x08070605, context);
        assert.equal(reader.offset, 8, context);
        assert.equal(reader.readUint16BE(), 0x090a, context);
        assert.equal(reader.offset, 10, context);
        assert.equal(reader.remaining, 0, context);
        throwsCode(() => reader.readUint8(), 'END_OF_DATA', context);
        reader.unread(10);
        assert.equal(reader.readBigUint64BE(), 0x0102030405060708n, context);
        assert.equal(memory.size, 10, context);
        assert.equal(memory.count, 1, context);
        allocator.destroy();
      }
    });

    test('every struct field the wrapper reads, at alignments 1 and 2', () => {
      for (const alignment of [1, 2]) {
        const context = `alignment ${alignment}`;
        const allocator = misalignedAllocator(gomem, alignment);
        const memory = allocator.createMemory();
        const parts = [[1, 2, 3], [], [4, 5, 6, 7, 8], [9]].map((p) => Uint8Array.from(p));
        for (const part of parts) memory.pushBytes(part);
        // A list array of odd address: a view pushed after an odd-sized allocation.
        const view = allocator.malloc(3);
        view.set([10, 11, 12]);
        memory.push(view);
        const all = Uint8Array.from({ length: 12 }, (_, i) => i + 1);
        assert.equal(memory.count, 5, context);
        assert.equal(memory.size, 12, context);
        assert.deepEqual(memory.buffers.map((b) => [...b]), [...parts, view].map((p) => [...p]),
          context);
        assert.deepEqual([...memory].map((b) => b.length), [3, 0, 5, 1, 3], context);
        assert.deepEqual(memory.toBytes(), all, context);

        const reader = memory.reader();
        assert.deepEqual(reader.peekBytes(4), all.subarray(0, 4), context);
        assert.deepEqual(reader.readInto(new Uint8Array(2)), all.subarray(0, 2), context);
        const target = allocator.malloc(3);
        assert.deepEqual([...reader.readInto(target)], [3, 4, 5], context);
        assert.equal(reader.offset, 5, context);
        assert.deepEqual([...reader.readView(2)], [6, 7], context);
        const pieces = [];
        assert.equal(reader.rangeN(3, (v) => { pieces.push([...v]); }), 3, context);
        assert.deepEqual(pieces, [[8], [9], [10]], context);
        assert.equal(reader.offset, 10, context);
        reader.clipFront(); // frees the owned bytes dropped (the first three parts)
        assert.equal(memory.size, 2, context);
        assert.equal(reader.offset, 0, context);
        assert.equal(reader.readUint16BE(), 0x0b0c, context);
        memory.destroy();
        allocator.free(target);
        allocator.free(view);
        assert.equal(allocator.stats().live, 1, `${context}: only the first malloc(1) is live`);

        const recyclable = allocator.createRecyclable();
        recyclable.nextN(5);
        recyclable.nextN(7);
        assert.equal(recyclable.count, 2, context);
        assert.equal(recyclable.size, 12, context);
        assert.equal(recyclable.recycle(), 12, context);
        assert.equal(recyclable.count, 0, context);
        recyclable.destroy();
        allocator.destroy();
      }
    });

    test('a 4-aligned Memory and Reader over a list array at an odd address', () => {
      // Where the gomem_memory keeps its array pointer, from the module's layout table (entry 5:
      // offsetof(gomem_memory, buffers)); copied, as the allocator below grows memory.
      const table = gomem.exports.gomem_wasm_layout() >>> 0;
      const buffersOffset = new Uint8Array(gomem.wasmMemory.buffer)[table + 5];
      for (const alignment of [1, 2]) {
        const context = `alignment ${alignment}`;
        const allocator = gomem.createAllocator({ alignment });
        // The Memory and Reader first, at the start of a fresh arena (a multiple of 4); then an
        // odd-sized allocation, so the list's array, allocated at the first push, follows it.
        const memory = allocator.createMemory();
        const reader = memory.reader();
        memory.pushBytes(new Uint8Array([1]));
        memory.pushBytes(Uint8Array.from({ length: 17 }, (_, i) => i + 2)); // 2 .. 18
        reader.refresh();
        const array = new DataView(gomem.wasmMemory.buffer).getUint32(memory.handle + buffersOffset,
          true);
        assert.equal(memory.handle % 4, 0, context);
        assert.notEqual(array % 4, 0, `${context}: the list array at ${array}`);
        assert.equal(reader.readUint8(), 1, context);
        assert.equal(reader.readUint32BE(), 0x02030405, context);
        assert.equal(reader.readUint16LE(), 0x0706, context);
        assert.equal(reader.readUint24BE(), 0x08090a, context);
        assert.equal(reader.peekInt8(), 11, context);
        assert.equal(reader.readBigUint64LE(), 0x1211100f0e0d0c0bn, context);
        assert.equal(reader.offset, 18, context);
        assert.equal(reader.remaining, 0, context);
        allocator.destroy();
      }
    });

    test('property: reads over a Memory from any allocator agree with a DataView', () => {
      const seen = { runs: 0, misaligned: 0, values: 0 };
      fc.assert(fc.property(scenarioArbitrary, (scenario) => {
        seen.runs++;
        checkScenario(gomem, scenario, seen);
      }), { numRuns: RUNS, seed: SEED });
      if (RUNS >= 100) {
        assert.ok(seen.misaligned > RUNS / 10 && seen.values > RUNS, JSON.stringify(seen));
        if (process.env.GOMEM_DIFF_STATS) console.log(label, seen);
      }
    });
  });
}
