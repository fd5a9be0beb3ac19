// Reader (js/reader.mjs) over a Memory: every read with its boundaries - empty memory, empty
// buffers, values straddling 2 and 3+ buffers - readView's view-or-null, peek, skip, unread,
// LEB128, range/rangeN, clipFront, refresh, and the errors (END_OF_DATA, OVERFLOW, invalid
// readers).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { Reader, init } from '../../js/index.mjs';
import { throwsCode } from './helpers.mjs';

let gomem;
let allocator;
before(async () => {
  gomem = await init();
  allocator = gomem.createAllocator();
});
after(() => allocator.destroy());

// A Memory holding `chunks` (arrays of byte values), one pushBytes each.
function memoryOf(...chunks) {
  const memory = allocator.createMemory();
  for (const chunk of chunks) memory.pushBytes(Uint8Array.from(chunk));
  return memory;
}

const seq = (n, from = 1) => Array.from({ length: n }, (_, i) => (from + i) & 0xff);

describe('empty memory and empty buffers', () => {
  test('every read on an empty Memory is END_OF_DATA and moves nothing', () => {
    for (const memory of [memoryOf(), memoryOf([], [], [])]) {
      const reader = memory.reader();
      assert.ok(reader instanceof Reader);
      assert.equal(reader.remaining, 0);
      assert.equal(reader.offset, 0);
      for (const read of ['readUint8', 'readInt8', 'readUint16BE', 'readUint24LE', 'readUint32BE',
        'readInt32LE', 'readBigUint64BE', 'readBigInt64LE', 'peekUint8', 'peekUint32LE',
        'readLEB128', 'readBigLEB128']) {
        throwsCode(() => reader[read](), RangeError, 'END_OF_DATA', new RegExp(read));
      }
      throwsCode(() => reader.readBytes(1), RangeError, 'END_OF_DATA');
      throwsCode(() => reader.readView(1), RangeError, 'END_OF_DATA');
      throwsCode(() => reader.skip(1), RangeError, 'END_OF_DATA');
      throwsCode(() => reader.unread(1), TypeError, 'INVALID_ARGUMENT');
      assert.deepEqual(reader.readBytes(0), new Uint8Array(0));
      assert.equal(reader.readView(0).length, 0);
      reader.skip(0);
      reader.unread(0);
      assert.equal(reader.range(() => assert.fail('no pieces')), 0);
      reader.clipFront();
      assert.equal(reader.offset, 0);
      memory.destroy();
    }
  });

  test('empty buffers between, before and after are skipped by every read', () => {
    const memory = memoryOf([], [0x12], [], [], [0x34, 0x56], [], [0x78], []);
    const reader = memory.reader();
    assert.equal(reader.remaining, 4);
    assert.equal(reader.peekUint32BE(), 0x12345678);
    assert.equal(reader.readUint16LE(), 0x3412);
    assert.equal(reader.readUint16BE(), 0x5678);
    throwsCode(() => reader.readUint8(), RangeError, 'END_OF_DATA');
    reader.unread(4);
    assert.equal(reader.readUint32LE(), 0x78563412);
    memory.destroy();
  });
});

describe('fixed-width reads', () => {
  const chunkings = {
    'one buffer': [seq(16, 0xf0)],
    'two buffers': [seq(3, 0xf0), seq(13, 0xf3)],
    'three+ buffers':
      [seq(1, 0xf0), [], seq(1, 0xf1), seq(2, 0xf2), [], seq(1, 0xf4), seq(11, 0xf5)],
    'one byte each': seq(16, 0xf0).map((b) => [b]),
  };
  for (const [name, chunks] of Object.entries(chunkings)) {
    test(`every width and byte order, ${name}`, () => {
      const joined = Uint8Array.from(chunks.flat());
      const dv = new DataView(joined.buffer);
      const memory = memoryOf(...chunks);
      const reader = memory.reader();
      assert.equal(reader.readUint8(), dv.getUint8(0));
      assert.equal(reader.readInt8(), dv.getInt8(1));
      assert.equal(reader.peekUint16BE(), dv.getUint16(2));
      assert.equal(reader.peekInt16LE(), dv.getInt16(2, true));
      assert.equal(reader.readUint16BE(), dv.getUint16(2));
      assert.equal(reader.readInt16LE(), dv.getInt16(4, true));
      const u24be = (o) => (joined[o] << 16) | (joined[o + 1] << 8) | joined[o + 2];
      const u24le = (o) => (joined[o + 2] << 16) | (joined[o + 1] << 8) | joined[o];
      assert.equal(reader.peekUint24BE(), u24be(6));
      assert.equal(reader.peekInt24BE(), (u24be(6) << 8) >> 8);
      assert.equal(reader.peekUint24LE(), u24le(6));
      assert.equal(reader.peekInt24LE(), (u24le(6) << 8) >> 8);
      assert.equal(reader.readInt24BE(), (u24be(6) << 8) >> 8);
      reader.unread(3);
      assert.equal(reader.readUint24LE(), u24le(6));
      reader.unread(3);
      assert.equal(reader.readInt24LE(), (u24le(6) << 8) >> 8);
      reader.unread(3);
      assert.equal(reader.readUint24BE(), u24be(6));
      assert.equal(reader.offset, 9);
      reader.unread(9);
      assert.equal(reader.peekUint32LE(), dv.getUint32(0, true));
      assert.equal(reader.peekInt32BE(), dv.getInt32(0));
      assert.equal(reader.peekInt32LE(), dv.getInt32(0, true));
      assert.equal(reader.readUint32BE(), dv.getUint32(0));
      assert.equal(reader.readInt32BE(), dv.getInt32(4));
      reader.unread(4);
      assert.equal(reader.readUint32LE(), dv.getUint32(4, true));
      reader.unread(4);
      assert.equal(reader.readInt32LE(), dv.getInt32(4, true));
      assert.equal(reader.peekBigUint64BE(), dv.getBigUint64(8));
      assert.equal(reader.peekBigUint64LE(), dv.getBigUint64(8, true));
      assert.equal(reader.peekBigInt64BE(), dv.getBigInt64(8));
      assert.equal(reader.peekBigInt64LE(), dv.getBigInt64(8, true));
      assert.equal(reader.readBigUint64BE(), dv.getBigUint64(8));
      reader.unread(8);
      assert.equal(reader.readBigUint64LE(), dv.getBigUint64(8, true));
      reader.unread(8);
      assert.equal(reader.readBigInt64BE(), dv.getBigInt64(8));
      reader.unread(8);
      assert.equal(reader.readBigInt64LE(), dv.getBigInt64(8, true));
      assert.equal(reader.remaining, 0);
      assert.equal(reader.offset, 16);
      // failures leave the cursor where it was
      reader.unread(3);
      throwsCode(() => reader.readUint32BE(), RangeError, 'END_OF_DATA', /3 bytes remain/);
      throwsCode(() => reader.readBigUint64LE(), RangeError, 'END_OF_DATA');
      assert.equal(reader.remaining, 3);
      assert.equal(reader.readUint24BE(), u24be(13));
      reader.destroy();
      memory.destroy();
    });
  }
});

describe('bytes, views, skip, unread', () => {
  test('readBytes and peekBytes copy to the JS heap across buffers', () => {
    const memory = memoryOf([1, 2], [], [3, 4, 5], [6]);
    const reader = memory.reader();
    const peeked = reader.peekBytes(5);
    assert.deepEqual(peeked, Uint8Array.from([1, 2, 3, 4, 5]));
    assert.notEqual(peeked.buffer, gomem.wasmMemory.buffer);
    assert.equal(reader.offset, 0);
    assert.deepEqual(reader.readBytes(1), Uint8Array.from([1]));
    assert.deepEqual(reader.readBytes(5), Uint8Array.from([2, 3, 4, 5, 6]));
    throwsCode(() => reader.readBytes(1), RangeError, 'END_OF_DATA');
    throwsCode(() => reader.readBytes(-1), RangeError, 'INVALID_SIZE');
    throwsCode(() => reader.readBytes('1'), TypeError, 'INVALID_ARGUMENT');
    throwsCode(() => reader.readBytes(2 ** 40), RangeError, 'END_OF_DATA');
    memory.destroy();
  });

  test('readInto fills JS-heap and wasm targets', () => {
    const memory = memoryOf([1, 2], [3, 4, 5], [6]);
    const reader = memory.reader();
    const heap = new Uint8Array(3);
    assert.equal(reader.readInto(heap), heap);
    assert.deepEqual(heap, Uint8Array.from([1, 2, 3]));
    const wasm = allocator.malloc(3);
    reader.readInto(wasm);
    assert.deepEqual(wasm, Uint8Array.from([4, 5, 6]));
    throwsCode(() => reader.readInto(new Uint8Array(1)), RangeError, 'END_OF_DATA');
    reader.unread(1);
    throwsCode(() => reader.readInto(allocator.malloc(2)), RangeError, 'END_OF_DATA');
    throwsCode(() => reader.readInto([0]), TypeError, 'INVALID_ARGUMENT');
    memory.destroy();
  });

  test('readView: a view into wasm memory in one buffer, null (nothing moved) across buffers',
    () => {
      const memory = memoryOf([1, 2, 3, 4], [5, 6], [], [7], [8, 9]);
      const buffers = memory.buffers;
      const reader = memory.reader();
      const first = reader.readView(3);
      assert.equal(first.buffer, gomem.wasmMemory.buffer);
      assert.equal(first.byteOffset, buffers[0].byteOffset);
      assert.deepEqual(first, Uint8Array.from([1, 2, 3]));
      // The view's bytes are the Memory's: a write through one is seen through the other.
      first[0] = 0xee;
      assert.equal(memory.buffers[0][0], 0xee);
      assert.equal(reader.offset, 3);
      // 4 | 5: straddles two buffers, so null and the cursor stays; readBytes copies them.
      assert.equal(reader.readView(2), null);
      assert.equal(reader.offset, 3);
      assert.equal(reader.remaining, 6);
      assert.deepEqual(reader.readBytes(2), Uint8Array.from([4, 5]));
      // 6 | (empty) | 7 | 8: across three buffers and an empty one, the same.
      assert.equal(reader.readView(3), null);
      assert.equal(reader.offset, 5);
      assert.equal(reader.readUint8(), 6);
      // 7 alone, then the rest of the last buffer: each in one buffer, views.
      assert.deepEqual(reader.readView(1), Uint8Array.from([7]));
      const last = reader.readView(2);
      assert.equal(last.byteOffset, buffers[4].byteOffset);
      assert.deepEqual(last, Uint8Array.from([8, 9]));
      assert.equal(reader.remaining, 0);
      // Ending exactly at a buffer's end is in one buffer: a view (here the list's end).
      reader.unread(3);
      assert.deepEqual(reader.readView(1), Uint8Array.from([7]));
      reader.unread(1);
      assert.equal(reader.readView(3), null, '7 | 8 9');
      assert.equal(reader.offset, 6);
      // Too few bytes is END_OF_DATA, as for every read, not null.
      reader.skip(3);
      throwsCode(() => reader.readView(1), RangeError, 'END_OF_DATA');
      assert.equal(reader.readView(0).length, 0, 'n 0 is an empty view, even at the end');
      memory.destroy();
    });

  test('skip and unread cross buffer boundaries and empty buffers', () => {
    const memory = memoryOf([1], [], [2, 3], [], [], [4, 5, 6]);
    const reader = memory.reader();
    reader.skip(4);
    assert.equal(reader.offset, 4);
    assert.equal(reader.readUint8(), 5);
    reader.unread(5);
    assert.equal(reader.readUint8(), 1);
    reader.skip(5);
    assert.equal(reader.remaining, 0);
    throwsCode(() => reader.skip(1), RangeError, 'END_OF_DATA');
    throwsCode(() => reader.unread(7), TypeError, 'INVALID_ARGUMENT', /offset/);
    assert.equal(reader.offset, 6);
    reader.unread(6);
    assert.equal(reader.remaining, 6);
    reader.moveToEnd();
    assert.equal(reader.remaining, 0);
    memory.destroy();
  });
});

describe('LEB128', () => {
  test('one to ten bytes, Number and BigInt', () => {
    const memory = memoryOf([0x00, 0x7f, 0x80], [0x01, 0xe5, 0x8e], [0x26],
      [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], [0xff, 0x01], [0x80, 0x80, 0x00]);
    const reader = memory.reader();
    assert.equal(reader.readLEB128(), 0);
    assert.equal(reader.readLEB128(), 127);
    assert.equal(reader.readLEB128(), 128);
    assert.equal(reader.readLEB128(), 624485);
    const before = reader.offset;
    throwsCode(() => reader.readLEB128(), RangeError, 'OVERFLOW', /readBigLEB128/);
    assert.equal(reader.offset, before, 'not moved');
    assert.equal(reader.readBigLEB128(), 2n ** 64n - 1n);
    assert.equal(reader.readLEB128(), 0, 'non-minimal encoding accepted');
    assert.equal(reader.remaining, 0);
    memory.destroy();
  });

  test('truncated is END_OF_DATA, too long is OVERFLOW', () => {
    const truncated = memoryOf([0x80, 0x80]);
    throwsCode(() => truncated.reader().readLEB128(), RangeError, 'END_OF_DATA');
    truncated.destroy();
    const long = memoryOf(new Array(11).fill(0x80).concat([0]));
    const reader = long.reader();
    throwsCode(() => reader.readBigLEB128(), RangeError, 'OVERFLOW');
    assert.equal(reader.offset, 0);
    long.destroy();
  });
});

describe('range, rangeN', () => {
  test('visits zero-copy pieces, cursor already past each', () => {
    const memory = memoryOf([1, 2, 3], [], [4], [5, 6, 7, 8]);
    const reader = memory.reader();
    reader.skip(1);
    const seen = [];
    assert.equal(reader.rangeN(4, (view) => {
      assert.equal(view.buffer, gomem.wasmMemory.buffer);
      seen.push([...view], reader.offset);
    }), 4);
    assert.deepEqual(seen, [[2, 3], 3, [4], 4, [5], 5]);
    seen.length = 0;
    assert.equal(reader.range((view) => { seen.push([...view]); }), 3);
    assert.deepEqual(seen, [[6, 7, 8]]);
    assert.equal(reader.range(() => assert.fail()), 0);
    reader.unread(8);
    let calls = 0;
    assert.equal(reader.range(() => { calls++; return false; }), 3, 'false stops');
    assert.equal(calls, 1);
    assert.equal(reader.offset, 3);
    assert.equal(reader.rangeN(0, () => assert.fail()), 0);
    throwsCode(() => reader.range(1), TypeError, 'INVALID_ARGUMENT');
    memory.destroy();
  });
});

describe('clipFront, refresh, validity', () => {
  test('clipFront drops what was read and frees owned bytes, readers continue', () => {
    const memory = memoryOf([1, 2, 3], [4, 5], [6, 7, 8, 9]);
    const reader = memory.reader();
    const other = memory.reader();
    const live = allocator.stats().live;
    reader.skip(6);
    reader.clipFront();
    assert.equal(reader.offset, 0);
    assert.equal(memory.size, 3);
    assert.equal(memory.count, 1);
    assert.deepEqual(memory.toBytes(), Uint8Array.from([7, 8, 9]));
    assert.equal(allocator.stats().live, live - 6, 'owned bytes freed, the prefix segmented');
    assert.equal(reader.readUint16BE(), 0x0708);
    throwsCode(() => other.readUint8(), Error, 'INVALID_READER');
    memory.reset();
    assert.equal(allocator.stats().live, live - 9);
    throwsCode(() => reader.readUint8(), Error, 'INVALID_READER', /reset/);
    memory.destroy();
  });

  test('clipFront passes pushed (not owned) pieces to release', () => {
    const memory = allocator.createMemory();
    const a = allocator.malloc(4);
    a.set([1, 2, 3, 4]);
    const b = allocator.malloc(4);
    b.set([5, 6, 7, 8]);
    memory.push(a).push(b);
    const reader = memory.reader();
    reader.skip(6);
    const released = [];
    reader.clipFront((view) => released.push(view));
    assert.equal(released.length, 2);
    assert.equal(released[0].byteOffset, a.byteOffset);
    assert.equal(released[0].length, 4);
    assert.equal(released[1].byteOffset, b.byteOffset);
    assert.deepEqual(released[1], Uint8Array.from([5, 6]));
    allocator.free(released[0]);
    allocator.free(released[1]); // a segmented free of b's prefix
    assert.equal(reader.readUint16LE(), 0x0807);
    reader.clipFront();
    assert.equal(memory.size, 0);
    throwsCode(() => reader.clipFront(1), TypeError, 'INVALID_ARGUMENT');
    memory.destroy();
    allocator.free(b.subarray(2));
  });

  test('refresh extends over pushed bytes; destroy', () => {
    const memory = memoryOf([1]);
    const reader = memory.reader();
    memory.pushBytes(Uint8Array.from([2, 3]));
    assert.equal(reader.remaining, 1);
    reader.refresh();
    assert.equal(reader.remaining, 3);
    assert.equal(reader.readUint24BE(), 0x010203);
    reader.destroy();
    reader.destroy();
    throwsCode(() => reader.readUint8(), Error, 'DESTROYED');
    const second = memory.reader();
    memory.destroy();
    throwsCode(() => second.remaining, Error, 'DESTROYED');
    throwsCode(() => new Reader(), TypeError, 'INVALID_ARGUMENT');
  });
});
