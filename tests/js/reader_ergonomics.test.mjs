// What a bl / uint8arraylist / Buffer user looks for on the Reader :
//   - peeks at an offset ahead of the cursor: every fixed-width peek at every cursor position and
//     every offset over buffers of 0..7 bytes (empty ones included), on allocators of alignment 1
//     (structs at odd addresses) and 8, against a DataView over the joined bytes; out of range is
//     END_OF_DATA and nothing moves; bad offsets are INVALID_ARGUMENT / INVALID_SIZE; the same
//     after memory growth, refresh, reset and destroy;
//   - the naming map of docs/js.md ("Coming from bl, uint8arraylist or Buffer"): no aliases, each
//     Buffer / bl / uint8arraylist / DataView read gives what its Reader counterpart gives, and a
//     read given an offset (Buffer's readUint32BE(offset)) throws instead of ignoring it;
//   - INVALID_ARGUMENT is a TypeError everywhere: every public entry point that can raise it.
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { after, before, describe, test } from 'node:test';

import { BufferList } from 'bl';
import { Uint8ArrayList } from 'uint8arraylist';

import { Memory, Reader, RecyclableMemory, init } from '../../js/index.mjs';
import { PEEKS, rng } from './reader_model.mjs';

let gomem;
before(async () => {
  gomem = await init();
});

// The bytes of `lengths` chunks (values from a seeded generator) and a Memory over them, in an
// allocator of `alignment`; chunks alternate between push (allocator views) and pushBytes.
function setUp(alignment, lengths, seed = 1) {
  const allocator = gomem.createAllocator({ alignment });
  if (alignment < 4) allocator.malloc(1); // the structs made next sit at an odd address
  const memory = allocator.createMemory();
  const random = rng(seed);
  const total = lengths.reduce((sum, n) => sum + n, 0);
  const bytes = new Uint8Array(total);
  for (let i = 0; i < total; i++) bytes[i] = random.int(256);
  let at = 0;
  lengths.forEach((n, i) => {
    const chunk = bytes.subarray(at, at + n);
    if (i % 2 === 0 && n > 0) {
      const view = allocator.malloc(n);
      view.set(chunk);
      memory.push(view);
    } else {
      memory.pushBytes(chunk);
    }
    at += n;
  });
  const dv = new DataView(bytes.buffer);
  return { allocator, memory, bytes, dv, total };
}

// Asserts a RangeError END_OF_DATA / a coded error of `Kind`.
function throwsCoded(fn, Kind, code, context) {
  assert.throws(fn, (error) => {
    assert.ok(error instanceof Kind, `${context}: expected ${Kind.name}, got ${error?.name}`);
    assert.equal(error.code, code, context);
    return true;
  }, context);
}

// Buffers of 0..7 bytes, empty ones between, so values start, end and straddle everywhere.
const LENGTHS = [3, 0, 1, 7, 2, 0, 0, 5, 1, 1, 6, 0, 4, 2, 7, 3];

describe('peek at an offset', () => {
  for (const alignment of [1, 8]) {
    test(`every peek, every cursor position, every offset (alignment ${alignment})`, () => {
      const { allocator, memory, bytes, dv, total } = setUp(alignment, LENGTHS);
      if (alignment === 1) assert.notEqual(memory.handle & 3, 0, 'the Memory is misaligned');
      const reader = memory.reader();
      let checked = 0;
      for (let pos = 0; pos <= total; pos++) {
        const left = total - pos;
        for (const [width, name, expect] of PEEKS) {
          // Offsets in range, the first ones out of it, and far out.
          for (let offset = 0; offset <= left + 1; offset++) {
            const context = `alignment ${alignment}, pos ${pos}, ${name}(${offset})`;
            if (offset + width > left) {
              throwsCoded(() => reader[name](offset), RangeError, 'END_OF_DATA', context);
            } else {
              assert.equal(reader[name](offset), expect(dv, pos + offset), context);
              checked++;
            }
            assert.equal(reader.remaining, left, `${context}: remaining`);
            assert.equal(reader.offset, pos, `${context}: offset`);
          }
          throwsCoded(() => reader[name](2 ** 40), RangeError, 'END_OF_DATA', name);
          throwsCoded(() => reader[name](Number.MAX_SAFE_INTEGER), RangeError, 'END_OF_DATA',
            name);
          // The explicit 0 and no argument agree (the fast path and the offset path).
          if (width <= left) assert.equal(reader[name](0), reader[name](), name);
        }
        // peekBytes(n, offset): every slice ahead of the cursor.
        for (let offset = 0; offset <= left; offset++) {
          for (let n = 0; offset + n <= left; n++) {
            assert.deepEqual(reader.peekBytes(n, offset),
              bytes.slice(pos + offset, pos + offset + n),
              `pos ${pos}, peekBytes(${n}, ${offset})`);
          }
          throwsCoded(() => reader.peekBytes(left - offset + 1, offset), RangeError,
            'END_OF_DATA', `pos ${pos}, peekBytes past the end at ${offset}`);
        }
        assert.equal(reader.offset, pos, 'no peek moved the cursor');
        if (pos < total) assert.equal(reader.readUint8(), bytes[pos], `the byte at ${pos}`);
      }
      assert.ok(checked > 10000, `${checked} values checked`);
      reader.destroy();
      memory.destroy();
      allocator.destroy();
    });
  }

  test('a peek at offset k is the peek at the cursor after skip(k)', () => {
    const { allocator, memory, total } = setUp(1, LENGTHS, 7);
    const reader = memory.reader();
    const other = memory.reader();
    for (let k = 0; k < total; k++) {
      for (const [width, name] of PEEKS) {
        if (k + width > total) continue;
        assert.equal(reader[name](k), other[name](), `${name}(${k})`);
      }
      other.skip(1);
    }
    assert.equal(reader.offset, 0);
    memory.destroy();
    allocator.destroy();
  });

  test('bad offsets throw before anything moves', () => {
    const { allocator, memory } = setUp(8, [8, 8]);
    const reader = memory.reader();
    reader.skip(3);
    for (const [width, name] of PEEKS) {
      void width;
      for (const bad of ['4', null, 4n, {}, true]) {
        throwsCoded(() => reader[name](bad), TypeError, 'INVALID_ARGUMENT', `${name}(${bad})`);
      }
      for (const bad of [-1, 1.5, NaN, Infinity, -Infinity, -0.5]) {
        throwsCoded(() => reader[name](bad), RangeError, 'INVALID_SIZE', `${name}(${bad})`);
      }
    }
    throwsCoded(() => reader.peekBytes(1, '1'), TypeError, 'INVALID_ARGUMENT', 'peekBytes');
    throwsCoded(() => reader.peekBytes(1, -1), RangeError, 'INVALID_SIZE', 'peekBytes');
    throwsCoded(() => reader.peekBytes(1, 13), RangeError, 'END_OF_DATA', 'peekBytes');
    assert.equal(reader.offset, 3);
    assert.equal(reader.remaining, 13);
    // -0 is 0.
    assert.equal(reader.peekUint8(-0), reader.peekUint8());
    memory.destroy();
    allocator.destroy();
  });

  test('the END_OF_DATA message names the method, the offset and what remains', () => {
    const { allocator, memory } = setUp(8, [2, 3]);
    const reader = memory.reader();
    assert.throws(() => reader.peekUint32BE(2), (error) => {
      assert.match(error.message, /peekUint32BE\(2\) failed with END_OF_DATA \(5 bytes remain\)/);
      return true;
    });
    memory.destroy();
    allocator.destroy();
  });

  test('offsets see only what the reader covers: refresh extends them', () => {
    const { allocator, memory } = setUp(1, [2, 3]);
    const reader = memory.reader();
    memory.pushBytes(new Uint8Array([0xaa, 0xbb, 0xcc, 0xdd]));
    throwsCoded(() => reader.peekUint8(5), RangeError, 'END_OF_DATA', 'before refresh');
    reader.refresh();
    assert.equal(reader.peekUint32BE(5), 0xaabbccdd);
    assert.equal(reader.peekUint16LE(4), reader.peekUint8(4) | (0xaa << 8));
    memory.destroy();
    allocator.destroy();
  });

  test('after memory growth an offset peek reads through fresh views', () => {
    const { allocator, memory, dv, total } = setUp(1, LENGTHS, 3);
    const reader = memory.reader();
    assert.equal(reader.peekUint32LE(9), dv.getUint32(9, true)); // the views are made
    const buffer = gomem.wasmMemory.buffer;
    const growth = [];
    while (gomem.wasmMemory.buffer === buffer && growth.length < 64) {
      growth.push(allocator.malloc(1 << 20));
    }
    assert.notEqual(gomem.wasmMemory.buffer, buffer, 'memory grew');
    for (let k = 0; k + 8 <= total; k++) {
      assert.equal(reader.peekBigUint64BE(k), dv.getBigUint64(k), `peekBigUint64BE(${k})`);
    }
    for (const view of growth) allocator.free(view);
    memory.destroy();
    allocator.destroy();
  });

  test('an invalid or destroyed reader throws its own error, not END_OF_DATA', () => {
    const { allocator, memory } = setUp(8, [4, 4]);
    const reader = memory.reader();
    memory.reset();
    throwsCoded(() => reader.peekUint32BE(2), Error, 'INVALID_READER', 'after reset');
    throwsCoded(() => reader.peekBytes(1, 2), Error, 'INVALID_READER', 'after reset');
    const second = memory.reader();
    second.destroy();
    throwsCoded(() => second.peekUint8(0), Error, 'DESTROYED', 'destroyed');
    memory.destroy();
    allocator.destroy();
  });
});

// The naming map (docs/js.md, "Coming from bl, uint8arraylist or Buffer"): [Buffer / bl name,
// DataView / uint8arraylist name and littleEndian, the Reader's read, width]. The Reader peek of
// the same name with `read` replaced by `peek` takes an offset as the first two take theirs.
const NAMES = [
  ['readUInt8', 'getUint8', false, 'readUint8', 1],
  ['readInt8', 'getInt8', false, 'readInt8', 1],
  ['readUInt16BE', 'getUint16', false, 'readUint16BE', 2],
  ['readUInt16LE', 'getUint16', true, 'readUint16LE', 2],
  ['readInt16BE', 'getInt16', false, 'readInt16BE', 2],
  ['readInt16LE', 'getInt16', true, 'readInt16LE', 2],
  ['readUInt32BE', 'getUint32', false, 'readUint32BE', 4],
  ['readUInt32LE', 'getUint32', true, 'readUint32LE', 4],
  ['readInt32BE', 'getInt32', false, 'readInt32BE', 4],
  ['readInt32LE', 'getInt32', true, 'readInt32LE', 4],
  ['readBigUInt64BE', 'getBigUint64', false, 'readBigUint64BE', 8],
  ['readBigUInt64LE', 'getBigUint64', true, 'readBigUint64LE', 8],
  ['readBigInt64BE', 'getBigInt64', false, 'readBigInt64BE', 8],
  ['readBigInt64LE', 'getBigInt64', true, 'readBigInt64LE', 8],
];
// 24-bit: Buffer's and bl's readUIntBE(offset, 3) and friends; DataView has none.
const NAMES_24 = [
  ['readUIntBE', 'readUint24BE'], ['readUIntLE', 'readUint24LE'],
  ['readIntBE', 'readInt24BE'], ['readIntLE', 'readInt24LE'],
];

describe('the naming map', () => {
  test('Buffer, bl, uint8arraylist, DataView reads agree with the Reader at every offset', () => {
    const { allocator, memory, bytes, total } = setUp(8, LENGTHS, 11);
    const chunks = [...memory.buffers].map((view) => Uint8Array.from(view));
    const buffer = Buffer.from(bytes);
    const bl = new BufferList(chunks.map((chunk) => Buffer.from(chunk)));
    const list = new Uint8ArrayList(...chunks);
    const dv = new DataView(bytes.buffer);
    const reader = memory.reader();
    for (let offset = 0; offset < total; offset++) {
      for (const [bufferName, viewName, littleEndian, readName, width] of NAMES) {
        if (offset + width > total) continue;
        const peekName = readName.replace('read', 'peek');
        const want = buffer[bufferName](offset);
        const context = `${bufferName}(${offset}) / ${peekName}(${offset})`;
        assert.equal(reader[peekName](offset), want, context);
        assert.equal(bl[bufferName](offset), want, `bl ${context}`);
        assert.equal(list[viewName](offset, littleEndian), want, `uint8arraylist ${context}`);
        assert.equal(dv[viewName](offset, littleEndian), want, `DataView ${context}`);
      }
      for (const [bufferName, readName] of NAMES_24) {
        if (offset + 3 > total) continue;
        const want = buffer[bufferName](offset, 3);
        const peekName = readName.replace('read', 'peek');
        assert.equal(reader[peekName](offset), want, `${bufferName}(${offset}, 3)`);
        assert.equal(bl[bufferName](offset, 3), want, `bl ${bufferName}(${offset}, 3)`);
      }
      // Floats: no Reader method; a DataView over peekBytes, as the table in docs/js.md says.
      if (offset + 8 <= total) {
        const float = new DataView(reader.peekBytes(4, offset).buffer);
        assert.equal(float.getFloat32(0), buffer.readFloatBE(offset), `readFloatBE(${offset})`);
        const double = new DataView(reader.peekBytes(8, offset).buffer);
        assert.equal(double.getFloat64(0, true), buffer.readDoubleLE(offset));
      }
      // slice / subarray / sublist of [offset, offset + n) is peekBytes(n, offset).
      const n = Math.min(5, total - offset);
      const want = bytes.slice(offset, offset + n);
      assert.deepEqual(reader.peekBytes(n, offset), want);
      assert.deepEqual(Uint8Array.from(bl.slice(offset, offset + n)), want);
      assert.deepEqual(list.subarray(offset, offset + n), want);
    }
    // Sequential reads: the Reader's read is bl's readX(0) + consume(width).
    for (const [bufferName, , , readName, width] of NAMES) {
      const r = memory.reader();
      const consumed = new BufferList(chunks.map((chunk) => Buffer.from(chunk)));
      while (r.remaining >= width) {
        assert.equal(r[readName](), consumed[bufferName](0), readName);
        consumed.consume(width);
      }
      r.destroy();
    }
    assert.equal(reader.offset, 0);
    memory.destroy();
    allocator.destroy();
  });

  test("a read given an offset (Buffer's habit) throws, pointing to the peek, and moves nothing",
    () => {
      const { allocator, memory, dv } = setUp(8, [9, 9]);
      const reader = memory.reader();
      reader.skip(1);
      for (const [, , , readName, width] of NAMES) {
        const peekName = readName.replace('read', 'peek');
        for (const offset of [0, 4, '4']) {
          assert.throws(() => reader[readName](offset), (error) => {
            assert.ok(error instanceof TypeError, readName);
            assert.equal(error.code, 'INVALID_ARGUMENT');
            assert.match(error.message,
              new RegExp(`${readName}\\(${offset}\\): reads take no offset`));
            assert.match(error.message, new RegExp(`use ${peekName}\\(offset\\)`));
            return true;
          });
        }
        assert.equal(reader.offset, 1, readName);
        // undefined is no argument.
        const expected = reader[peekName]();
        assert.equal(reader[readName](undefined), expected, readName);
        reader.unread(width);
      }
      for (const [, readName] of NAMES_24) {
        assert.throws(() => reader[readName](1), { name: 'TypeError', code: 'INVALID_ARGUMENT' });
      }
      assert.equal(reader.readUint32BE(), dv.getUint32(1));
      memory.destroy();
      allocator.destroy();
    });

  test('no aliases: the Buffer spellings are not Reader methods (one name per thing)', () => {
    const names = Object.getOwnPropertyNames(Reader.prototype);
    for (const [bufferName, viewName, , readName] of NAMES) {
      assert.ok(names.includes(readName), readName);
      assert.ok(names.includes(readName.replace('read', 'peek')), readName);
      if (bufferName !== readName) assert.ok(!names.includes(bufferName), bufferName);
      assert.ok(!names.includes(viewName), viewName);
    }
    for (const name of ['readUIntBE', 'slice', 'subarray', 'sublist', 'shallowSlice', 'consume',
      'get', 'getUint32', 'readFloatBE', 'readDoubleLE']) {
      assert.ok(!names.includes(name), name);
    }
  });
});

// Every public entry point that raises INVALID_ARGUMENT, each asserted a TypeError with that
// code: the argument checks in JS (options, types, the alignment's value, unread past the start)
// and a C status INVALID_ARGUMENT passed through (a NULL pointer).
describe('INVALID_ARGUMENT is a TypeError everywhere', () => {
  const isInvalidArgument = (context) => (error) => {
    assert.ok(error instanceof TypeError, `${context}: got ${error?.name} ${error?.code}`);
    assert.equal(error.code, 'INVALID_ARGUMENT', context);
    assert.equal(typeof error.message, 'string');
    return true;
  };

  test('init options', async () => {
    for (const [name, options] of [
      ['init(42)', 42], ['init(null)', null], ["init('x')", 'x'],
      ['hardened: "yes"', { hardened: 'yes' }], ['wasm: 42', { wasm: 42 }],
      ['wasm: {}', { wasm: {} }], ['initialMemory: "1"', { initialMemory: '1' }],
      ['maximumMemory: 1n', { maximumMemory: 1n }],
    ]) {
      await assert.rejects(init(options), isInvalidArgument(name));
    }
  });

  let allocator;
  let memory;
  before(() => {
    allocator = gomem.createAllocator();
    memory = allocator.createMemory();
    memory.pushBytes(new Uint8Array([1, 2, 3, 4])).pushBytes(new Uint8Array([5, 6, 7, 8]));
  });
  after(() => allocator.destroy());

  const sweep = [
    // Gomem
    ['createAllocator(null)', () => gomem.createAllocator(null)],
    ['createAllocator(8)', () => gomem.createAllocator(8)],
    ['createAllocator({ compact: 1 })', () => gomem.createAllocator({ compact: 1 })],
    ["createAllocator({ initialSize: '1' })", () => gomem.createAllocator({ initialSize: '1' })],
    ['createAllocator({ maxBlockSize: null })',
      () => gomem.createAllocator({ maxBlockSize: null })],
    ["createAllocator({ alignment: '8' })", () => gomem.createAllocator({ alignment: '8' })],
    ['createAllocator({ alignment: 3 })', () => gomem.createAllocator({ alignment: 3 })],
    ['createAllocator({ alignment: 8192 })', () => gomem.createAllocator({ alignment: 8192 })],
    ["setPageLimit('1')", () => gomem.setPageLimit('1')],
    ['gomem.view(42)', () => gomem.view(42)],
    // Allocator
    ["malloc('16')", () => allocator.malloc('16')],
    ['malloc(16n)', () => allocator.malloc(16n)],
    ['malloc()', () => allocator.malloc()],
    ["borrow('1')", () => allocator.borrow('1')],
    ['free(42)', () => allocator.free(42)],
    ['free([1])', () => allocator.free([1])],
    ['free(a DataView)', () => allocator.free(new DataView(new ArrayBuffer(4)))],
    ['free(NULL view): C status',
      () => allocator.free(new Uint8Array(gomem.wasmMemory.buffer, 0, 4))],
    ['freeRest(42, 1)', () => allocator.freeRest(42, 1)],
    ["freeRest(view, '1')", () => {
      const view = allocator.malloc(8);
      try {
        allocator.freeRest(view, '1');
      } finally {
        allocator.free(view);
      }
    }],
    ['allocator.view({})', () => allocator.view({})],
    // RecyclableMemory
    ['new RecyclableMemory()', () => new RecyclableMemory()],
    ["nextN('1')", () => {
      const recyclable = allocator.createRecyclable();
      try {
        recyclable.nextN('1');
      } finally {
        recyclable.destroy();
      }
    }],
    // Memory
    ['new Memory()', () => new Memory()],
    ['push(42)', () => memory.push(42)],
    ['push(NULL view): C status', () => memory.push(new Uint8Array(gomem.wasmMemory.buffer, 0, 4))],
    ["pushBytes('abc')", () => memory.pushBytes('abc')],
    ['pushBytes(null)', () => memory.pushBytes(null)],
    ['copyTo([])', () => memory.copyTo([])],
    ['equal({})', () => memory.equal({})],
    // Reader
    ['new Reader()', () => new Reader()],
    ...[
      ["readBytes('1')", (r) => r.readBytes('1')],
      ["peekBytes('1')", (r) => r.peekBytes('1')],
      ["peekBytes(1, '1')", (r) => r.peekBytes(1, '1')],
      ["readView('1')", (r) => r.readView('1')],
      ["skip('1')", (r) => r.skip('1')],
      ["unread('1')", (r) => r.unread('1')],
      ['unread(1) at the start', (r) => r.unread(1)],
      ['unread(3) after reading 2', (r) => {
        r.skip(2);
        r.unread(3);
      }],
      ['unread(2 ** 40)', (r) => r.unread(2 ** 40)],
      ['readInto([0])', (r) => r.readInto([0])],
      ['range(1)', (r) => r.range(1)],
      ["rangeN('1', fn)", (r) => r.rangeN('1', () => {})],
      ['rangeN(1, 1)', (r) => r.rangeN(1, 1)],
      ['clipFront(1)', (r) => r.clipFront(1)],
      ["peekUint32BE('1')", (r) => r.peekUint32BE('1')],
      ['peekInt8(null)', (r) => r.peekInt8(null)],
      ['peekBigInt64LE(0n)', (r) => r.peekBigInt64LE(0n)],
      ['readUint32BE(4)', (r) => r.readUint32BE(4)],
      ['readInt8(0)', (r) => r.readInt8(0)],
    ].map(([name, misuse]) => [`reader.${name}`, () => {
      const reader = memory.reader();
      try {
        misuse(reader);
      } finally {
        reader.destroy();
      }
    }]),
  ];

  for (const [name, misuse] of sweep) {
    test(name, () => {
      assert.throws(misuse, isInvalidArgument(name));
    });
  }

  test('pushStream(42) rejects', async () => {
    await assert.rejects(memory.pushStream(42), isInvalidArgument('pushStream(42)'));
  });

  test('the unread past the start moved nothing', () => {
    const reader = memory.reader();
    reader.skip(5);
    assert.throws(() => reader.unread(6), isInvalidArgument('unread(6)'));
    assert.equal(reader.offset, 5);
    assert.equal(reader.readUint8(), 6);
    reader.destroy();
  });
});
