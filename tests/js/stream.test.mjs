// Memory#pushStream: a WHATWG ReadableStream, a Node.js Readable and plain iterables are appended
// chunk by chunk, each copied once into wasm memory, and read back across chunk boundaries.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { before, test } from 'node:test';

import { init } from '../../js/index.mjs';
import { throwsCode } from './helpers.mjs';

let gomem;
before(async () => {
  gomem = await init();
});

// Random chunks (1..1500 bytes, as network packets) of a known byte sequence.
function chunksOf(total, seed) {
  let state = seed;
  const chunks = [];
  for (let at = 0; at < total;) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    const size = Math.min(1 + (state % 1500), total - at);
    chunks.push(Uint8Array.from({ length: size }, (_, i) => (at + i) * 7 & 0xff));
    at += size;
  }
  return chunks;
}

function joined(chunks) {
  const all = new Uint8Array(chunks.reduce((sum, c) => sum + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return all;
}

async function checkSource(makeSource, chunks) {
  const allocator = gomem.createAllocator();
  const memory = allocator.createMemory();
  const added = await memory.pushStream(makeSource(chunks));
  const expected = joined(chunks);
  assert.equal(added, expected.length);
  assert.equal(memory.count, chunks.length);
  assert.deepEqual(memory.toBytes(), expected);
  // A 32-bit value read across a chunk boundary matches the joined bytes.
  const reader = memory.reader();
  const first = chunks[0].length;
  reader.skip(first - 2);
  assert.equal(reader.readUint32BE(), new DataView(expected.buffer).getUint32(first - 2));
  reader.destroy();
  memory.destroy();
  assert.equal(allocator.stats().live, 0);
  allocator.destroy();
}

test('a WHATWG ReadableStream', async () => {
  const chunks = chunksOf(100_000, 1);
  await checkSource((cs) => new ReadableStream({
    start(controller) {
      for (const c of cs) controller.enqueue(c);
      controller.close();
    },
  }), chunks);
});

test('a ReadableStream without async iteration goes through getReader()', async () => {
  const chunks = chunksOf(20_000, 2);
  await checkSource((cs) => {
    const stream = new ReadableStream({
      start(controller) {
        for (const c of cs) controller.enqueue(c);
        controller.close();
      },
    });
    return { getReader: () => stream.getReader() };
  }, chunks);
});

test('a Node.js Readable and a plain iterable', async () => {
  const chunks = chunksOf(50_000, 3);
  await checkSource((cs) => Readable.from(cs.map((c) => Buffer.from(c))), chunks);
  await checkSource((cs) => cs, chunks);
});

test('a source that is not a stream is a TypeError', async () => {
  const memory = gomem.createAllocator().createMemory();
  await assert.rejects(memory.pushStream(42), (error) => {
    assert.ok(error instanceof TypeError);
    assert.equal(error.code, 'INVALID_ARGUMENT');
    return true;
  });
  memory.destroy();
  throwsCode(() => memory.count, Error, 'DESTROYED');
});
