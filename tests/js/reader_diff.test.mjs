// Differential test of the Reader (js/reader.mjs over the C gomem_reader): seeded random bytes
// split into random chunks (empty ones included, pushed both as allocator views and with
// pushBytes), random sequences of reads and peeks (at the cursor and at offsets ahead of it)
// compared with a DataView over the joined bytes. The model also tracks what readView must do
// (a view, or null and no move when the bytes straddle chunks), unread limits, refresh after
// more pushes, and clipFront. A failure prints the seed and the operation number to replay it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';

import { Reader, init } from '../../js/index.mjs';
import { FIXED, PEEKS, leb128, rng, throwsCode } from './reader_model.mjs';

let gomem;
let allocator;
before(async () => {
  gomem = await init();
  allocator = gomem.createAllocator();
});
after(() => allocator.destroy());

// Chunk lengths: many empty and tiny chunks, so values straddle 2, 3 and more buffers.
function chunkLength(random) {
  const r = random();
  if (r < 0.15) return 0;
  if (r < 0.6) return 1 + random.int(4);
  if (r < 0.9) return 1 + random.int(16);
  return 1 + random.int(300);
}

// maxBytes: bytes of the round (random below it, or exactly it when `exact`); pushBatch: most
// chunks pushed at once; maxRun: longest readBytes/readView/skip.
function runRound(seed, operations, { maxBytes = 3000, exact = false, pushBatch = 6,
  maxRun = 700 } = {}) {
  const random = rng(seed);
  // All the bytes this round will ever push, and how they are split.
  const total = exact ? maxBytes : random.int(maxBytes);
  const bytes = new Uint8Array(total);
  for (let i = 0; i < total; i++) {
    // Bias some bytes towards LEB128 continuation groups and small values.
    const r = random();
    bytes[i] = r < 0.1 ? 0x80 | random.int(128) : r < 0.2 ? random.int(2) : random.int(256);
  }
  const dv = new DataView(bytes.buffer);
  const chunks = []; // [start, end) in `bytes`
  for (let at = 0; at < total || random() < 0.3;) {
    const len = Math.min(chunkLength(random), total - at);
    chunks.push([at, at + len]);
    at += len;
    if (at >= total && random() < 0.7) break;
  }
  const memory = allocator.createMemory();
  const mallocs = [];
  let pushed = 0; // chunks pushed so far
  let pushedEnd = 0; // bytes pushed so far
  const pushChunks = (k) => {
    for (const stop = Math.min(chunks.length, pushed + k); pushed < stop; pushed++) {
      const [start, end] = chunks[pushed];
      if (end > start && random() < 0.5) {
        const view = allocator.malloc(end - start);
        view.set(bytes.subarray(start, end));
        mallocs.push(view);
        memory.push(view);
      } else {
        memory.pushBytes(bytes.subarray(start, end));
      }
      pushedEnd = end;
    }
  };
  pushChunks(1 + random.int(chunks.length + 1));
  const reader = memory.reader();
  let visible = pushedEnd; // bytes the reader covers
  let pos = 0; // reader position in `bytes`
  let base = 0; // bytes clipped from the front
  // The [start, end) of the non-empty chunk holding byte `p`.
  const chunkAt = (p) => {
    let lo = 0;
    let hi = chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (chunks[mid][1] > p) hi = mid;
      else lo = mid + 1;
    }
    return chunks[lo];
  };
  // How much the round exercised, so a model that never reaches the interesting cases fails.
  const seen = {
    values: 0, straddling: 0, aheadStraddling: 0, views: 0, straddles: 0, errors: 0, clips: 0,
  };
  const straddlesAt = (p, width) => chunkAt(p)[1] < p + width;

  for (let op = 0; op < operations; op++) {
    const context = `seed ${seed}, operation ${op}, pos ${pos}, visible ${visible}`;
    const left = visible - pos;
    const pick = random.int(100);
    if (pick < 40) {
      const [width, name, expect] = FIXED[random.int(FIXED.length)];
      if (width <= left) {
        if (straddlesAt(pos, width)) seen.straddling++;
        assert.equal(reader[name](), expect(dv, pos), `${context}: ${name}`);
        pos += width;
        seen.values++;
      } else {
        throwsCode(() => reader[name](), 'END_OF_DATA', `${context}: ${name}`);
        seen.errors++;
      }
    } else if (pick < 50) {
      // At the cursor (no argument) or at an offset ahead of it, up to just past the end.
      const [width, name, expect] = PEEKS[random.int(PEEKS.length)];
      const ahead = random() < 0.5 ? undefined
        : random.int(Math.max(0, Math.min(left - width, 32)) + 2);
      const at = pos + (ahead ?? 0);
      const call = `${name}(${ahead ?? ''})`;
      if (at + width <= visible) {
        if (ahead !== undefined && straddlesAt(at, width)) seen.aheadStraddling++;
        assert.equal(reader[name](ahead), expect(dv, at), `${context}: ${call}`);
      } else {
        throwsCode(() => reader[name](ahead), 'END_OF_DATA', `${context}: ${call}`);
      }
    } else if (pick < 58) {
      const n = random.int(Math.min(left + 3, maxRun));
      const name = random() < 0.5 ? 'readBytes' : 'peekBytes';
      if (n <= left) {
        assert.deepEqual(reader[name](n), bytes.slice(pos, pos + n), `${context}: ${name}(${n})`);
        if (name === 'readBytes') pos += n;
      } else {
        throwsCode(() => reader[name](n), 'END_OF_DATA', `${context}: ${name}(${n})`);
      }
    } else if (pick < 66) {
      const n = random.int(Math.min(left + 3, maxRun));
      if (n <= left) {
        const view = reader.readView(n);
        if (n > 0 && chunkAt(pos)[1] < pos + n) {
          assert.equal(view, null, `${context}: readView(${n}) straddles`);
          assert.equal(reader.offset, pos - base, `${context}: a straddle moves nothing`);
          seen.straddles++;
        } else {
          assert.deepEqual(view, bytes.subarray(pos, pos + n), `${context}: readView(${n})`);
          assert.equal(view.buffer, gomem.wasmMemory.buffer, `${context}: a view, not a copy`);
          seen.views++;
          pos += n;
        }
      } else {
        throwsCode(() => reader.readView(n), 'END_OF_DATA', `${context}: readView(${n})`);
      }
    } else if (pick < 72) {
      const n = random.int(Math.min(left + 3, maxRun));
      if (n <= left) {
        reader.skip(n);
        pos += n;
      } else {
        throwsCode(() => reader.skip(n), 'END_OF_DATA', `${context}: skip(${n})`);
      }
    } else if (pick < 80) {
      const n = random.int(pos - base + 3);
      if (n <= pos - base) {
        reader.unread(n);
        pos -= n;
      } else {
        assert.throws(() => reader.unread(n), { name: 'TypeError', code: 'INVALID_ARGUMENT' },
          `${context}: unread(${n})`);
      }
    } else if (pick < 88) {
      const expected = leb128(bytes, pos, visible);
      const big = random() < 0.5;
      const name = big ? 'readBigLEB128' : 'readLEB128';
      if (expected.error !== undefined) {
        throwsCode(() => reader[name](), expected.error, `${context}: ${name}`);
      } else if (!big && expected.value > BigInt(Number.MAX_SAFE_INTEGER)) {
        throwsCode(() => reader.readLEB128(), 'OVERFLOW', `${context}: readLEB128 (unsafe)`);
      } else {
        const value = reader[name]();
        assert.equal(value, big ? expected.value : Number(expected.value), `${context}: ${name}`);
        pos += expected.length;
      }
    } else if (pick < 92) {
      const n = random.int(Math.min(left + 2, 4 * maxRun));
      const stopAfter = random() < 0.3 ? 1 : Infinity;
      let calls = 0;
      const got = [];
      const moved = reader.rangeN(n, (view) => {
        got.push(...view);
        calls++;
        return calls >= stopAfter ? false : undefined;
      });
      assert.deepEqual(Uint8Array.from(got), bytes.subarray(pos, pos + moved), context);
      if (stopAfter === Infinity) assert.equal(moved, Math.min(n, left), `${context}: rangeN`);
      pos += moved;
    } else if (pick < 95) {
      if (pushed < chunks.length) pushChunks(1 + random.int(pushBatch));
      if (random() < 0.7) {
        reader.refresh();
        visible = pushedEnd;
      }
    } else if (pick < 97) {
      reader.clipFront();
      base = pos;
      seen.clips++;
      assert.equal(memory.size, pushedEnd - base, `${context}: size after clipFront`);
    } else {
      assert.equal(reader.remaining, visible - pos, `${context}: remaining`);
      assert.equal(reader.offset, pos - base, `${context}: offset`);
    }
  }
  assert.equal(reader.remaining, visible - pos);
  assert.equal(reader.offset, pos - base);
  // What is left in the Memory is what was not clipped, split as pushed.
  assert.deepEqual(memory.toBytes(), bytes.subarray(base, pushedEnd));
  memory.destroy();
  // Clipped allocator views were not freed by clipFront (not owned); free them whole here.
  for (const view of mallocs) allocator.free(view);
  return seen;
}

function addUp(total, seen) {
  for (const [key, value] of Object.entries(seen)) total[key] = (total[key] ?? 0) + value;
  return total;
}

test('random chunks, random reads: the Reader agrees with a DataView', () => {
  let total = {};
  for (let seed = 1; seed <= 60; seed++) total = addUp(total, runRound(seed, 400));
  assert.equal(allocator.stats().live, 0, 'every byte freed');
  assert.ok(total.values > 3000 && total.straddling > 500 && total.aheadStraddling > 50 &&
    total.straddles > 100 && total.views > 100 && total.errors > 100 && total.clips > 20,
  JSON.stringify(total));
  if (process.env.GOMEM_DIFF_STATS) console.log('short rounds', total);
});

test('one long round of thousands of operations', () => {
  const seen = runRound(0x5eed, 20000,
    { maxBytes: 1 << 17, exact: true, pushBatch: 400, maxRun: 16 });
  assert.equal(allocator.stats().live, 0, 'every byte freed');
  assert.ok(seen.values > 5000 && seen.straddling > 500 && seen.aheadStraddling > 50 &&
    seen.straddles > 100, JSON.stringify(seen));
  if (process.env.GOMEM_DIFF_STATS) console.log('long round', seen);
});

// The fixed-width methods are made from one table (FIXED_WIDTH in js/reader.mjs): the Reader must
// have exactly the reads and peeks the model lists, each of which the tests here check against a
// DataView, so a row missing from either side fails here; and the types must declare each one
// with its doc comment, as they are not written out in the JS.
test('the Reader has exactly the fixed-width reads and peeks of the model, all typed', () => {
  const fixedWidth = /^(read|peek)(Big)?U?[Ii]nt(8|16|24|32|64)(BE|LE)?$/;
  const methods = Object.getOwnPropertyNames(Reader.prototype).filter((name) =>
    fixedWidth.test(name));
  assert.deepEqual(methods.sort(), [...FIXED, ...PEEKS].map(([, name]) => name).sort());
  for (const name of methods) {
    const descriptor = Object.getOwnPropertyDescriptor(Reader.prototype, name);
    assert.equal(typeof descriptor.value, 'function', name);
    assert.equal(descriptor.value.name, name, `${name}: its own name, for stack traces`);
    assert.equal(descriptor.enumerable, false, `${name}: not enumerable, as class methods`);
  }
  const types = readFileSync(new URL('../../js/index.d.ts', import.meta.url), 'utf8');
  const start = types.indexOf('export class Reader {');
  const readerTypes = types.slice(start, types.indexOf('\n}\n', start));
  for (const name of methods) {
    assert.match(readerTypes, new RegExp(`/\\*\\*(?:(?!\\*/)[^])*\\*/\\n  ${name}\\(`),
      `${name}: declared in js/index.d.ts's Reader with a doc comment`);
  }
});

// The JS fast path (js/reader.mjs, Reader#readAt) takes a value only when it ends strictly inside
// the current buffer; a value ending exactly at a buffer's end, or starting at its last byte, is
// copied out and the cursor moved by C. Every width, order and peek at every start position
// around a buffer edge (an empty buffer in between as well), checked against a DataView, with the
// cursor checked after each read by the next byte it gives.
test('fixed-width reads at buffer edges agree with a DataView, and the cursor stays right', () => {
  const all = [...FIXED, ...PEEKS];
  let cases = 0;
  for (const [width, name, expect] of all) {
    const peek = name.startsWith('peek');
    for (let first = 1; first <= width + 2; first++) {
      for (const emptyBetween of [false, true]) {
        // first bytes | (empty) | width + 1 bytes | 2 bytes; values from the index so every
        // byte differs.
        const lengths = [first, ...(emptyBetween ? [0] : []), width + 1, 2];
        const total = lengths.reduce((a, b) => a + b, 0);
        const bytes = Uint8Array.from({ length: total }, (_, i) => (i * 37 + 11 + width) & 0xff);
        const dv = new DataView(bytes.buffer);
        for (let start = 0; start <= first; start++) {
          const memory = allocator.createMemory();
          let at = 0;
          for (const length of lengths) {
            memory.pushBytes(bytes.subarray(at, at + length));
            at += length;
          }
          const reader = memory.reader();
          reader.skip(start);
          const context = `${name}, buffers ${lengths}, start ${start}`;
          assert.equal(reader[name](), expect(dv, start), context);
          const next = peek ? start : start + width;
          assert.equal(reader.offset, next, `${context}: offset`);
          assert.equal(reader.remaining, total - next, `${context}: remaining`);
          if (next < total) assert.equal(reader.readUint8(), bytes[next], `${context}: next byte`);
          memory.destroy();
          cases++;
        }
      }
    }
  }
  assert.ok(cases > 1000, `${cases} cases`);
  assert.equal(allocator.stats().live, 0, 'every byte freed');
});

test('reads ending exactly at the end of the data, then END_OF_DATA without moving', () => {
  for (const [width, name, expect] of FIXED) {
    for (const lengths of [[width], [width + 3], [1, width], [width, 0]]) {
      const total = lengths.reduce((a, b) => a + b, 0);
      const bytes = Uint8Array.from({ length: total }, (_, i) => 0xf0 ^ i);
      const memory = allocator.createMemory();
      let at = 0;
      for (const length of lengths) {
        memory.pushBytes(bytes.subarray(at, at + length));
        at += length;
      }
      const reader = memory.reader();
      reader.skip(total - width);
      assert.equal(reader[name](), expect(new DataView(bytes.buffer), total - width), name);
      assert.equal(reader.remaining, 0);
      throwsCode(() => reader[name](), 'END_OF_DATA', `${name} past the end`);
      throwsCode(() => reader.readUint8(), 'END_OF_DATA', `${name}: readUint8 past the end`);
      assert.equal(reader.offset, total);
      reader.unread(width); // the cursor can go back over the last buffer's end
      assert.equal(reader[name](), expect(new DataView(bytes.buffer), total - width), name);
      memory.destroy();
    }
  }
  assert.equal(allocator.stats().live, 0, 'every byte freed');
});
