// Memory (js/memory.mjs): a buffer list in wasm memory. push of views, pushBytes copies from the
// JS heap, count/size/buffers/toBytes/copyTo/equal/reset/destroy/iteration, the errors for views
// it cannot push, and that the list stays valid across memory growth (views re-derived).
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { Memory, StaleViewError, init } from '../../js/index.mjs';
import { throwsCode } from './helpers.mjs';

let gomem;
before(async () => {
  gomem = await init();
});

const bytes = (...values) => Uint8Array.from(values);

describe('Memory basics', () => {
  test('a new Memory is empty', () => {
    const allocator = gomem.createAllocator();
    const memory = allocator.createMemory();
    assert.ok(memory instanceof Memory);
    assert.equal(memory.size, 0);
    assert.equal(memory.count, 0);
    assert.deepEqual(memory.buffers, []);
    assert.deepEqual([...memory], []);
    assert.deepEqual(memory.toBytes(), new Uint8Array(0));
    assert.equal(memory.copyTo(new Uint8Array(4)), 0);
    assert.ok(memory.handle > 0);
    memory.destroy();
    allocator.destroy();
  });

  test('push records views without copying; buffers are views of the same bytes', () => {
    const allocator = gomem.createAllocator();
    const memory = allocator.createMemory();
    const a = allocator.malloc(4);
    a.set([1, 2, 3, 4]);
    const b = allocator.malloc(16);
    b.fill(9);
    memory.push(a).push(b.subarray(2, 5)).push(a.subarray(0, 0));
    assert.equal(memory.count, 3);
    assert.equal(memory.size, 7);
    const [first, second, third] = memory.buffers;
    assert.equal(first.buffer, gomem.wasmMemory.buffer);
    assert.equal(first.byteOffset, a.byteOffset);
    assert.equal(second.byteOffset, b.byteOffset + 2);
    assert.equal(third.length, 0);
    a[0] = 42; // no copy: the list sees the change
    assert.deepEqual(memory.toBytes(), bytes(42, 2, 3, 4, 9, 9, 9));
    memory.destroy();
    allocator.destroy();
  });

  test('pushBytes copies once from the JS heap and the Memory owns the copy', () => {
    const allocator = gomem.createAllocator();
    const memory = allocator.createMemory();
    const source = bytes(1, 2, 3);
    memory.pushBytes(source).pushBytes(new Uint8Array(0)).pushBytes(new Uint16Array([0x0504]));
    memory.pushBytes(bytes(6, 7).buffer);
    source[0] = 99; // copied: the list keeps the old byte
    assert.equal(memory.count, 4);
    assert.deepEqual(memory.toBytes(), bytes(1, 2, 3, 4, 5, 6, 7));
    assert.equal(memory.buffers[1].length, 0);
    const live = allocator.stats().live;
    assert.ok(live >= 7, `live ${live}`);
    memory.reset();
    assert.equal(memory.size, 0);
    assert.equal(memory.count, 0);
    assert.ok(allocator.stats().live < live, 'reset freed the owned copies');
    memory.destroy();
    assert.equal(allocator.stats().live, 0, 'destroy freed the list array too');
    allocator.destroy();
  });

  test('pushBytes of a view of wasm memory (copied, even if malloc grows memory)', () => {
    const allocator = gomem.createAllocator();
    const memory = allocator.createMemory();
    const a = allocator.malloc(8);
    a.set([1, 2, 3, 4, 5, 6, 7, 8]);
    memory.pushBytes(a.subarray(2, 6));
    a.fill(0);
    assert.deepEqual(memory.toBytes(), bytes(3, 4, 5, 6));
    memory.destroy();
    allocator.destroy();
  });

  test('copyTo copies min(size, target) bytes; toBytes is a JS-heap copy', () => {
    const allocator = gomem.createAllocator();
    const memory = allocator.createMemory();
    memory.pushBytes(bytes(1, 2)).pushBytes(bytes(3)).pushBytes(bytes(4, 5, 6));
    const short = new Uint8Array(4);
    assert.equal(memory.copyTo(short), 4);
    assert.deepEqual(short, bytes(1, 2, 3, 4));
    const long = new Uint8Array(10).fill(0xee);
    assert.equal(memory.copyTo(long), 6);
    assert.deepEqual(long, bytes(1, 2, 3, 4, 5, 6, 0xee, 0xee, 0xee, 0xee));
    const inWasm = allocator.malloc(6);
    assert.equal(memory.copyTo(inWasm), 6);
    assert.deepEqual(inWasm, bytes(1, 2, 3, 4, 5, 6));
    const copy = memory.toBytes();
    assert.notEqual(copy.buffer, gomem.wasmMemory.buffer);
    throwsCode(() => memory.copyTo([1, 2]), TypeError, 'INVALID_ARGUMENT');
    memory.destroy();
    allocator.destroy();
  });

  test('equal: same bytes split the same way', () => {
    const allocator = gomem.createAllocator();
    const a = allocator.createMemory();
    const b = allocator.createMemory();
    const c = allocator.createMemory();
    a.pushBytes(bytes(1, 2)).pushBytes(bytes(3));
    b.pushBytes(bytes(1, 2)).pushBytes(bytes(3));
    c.pushBytes(bytes(1)).pushBytes(bytes(2, 3));
    assert.equal(a.equal(b), true);
    assert.equal(a.equal(a), true);
    assert.equal(a.equal(c), false, 'split differently');
    b.pushBytes(bytes(4));
    assert.equal(a.equal(b), false);
    throwsCode(() => a.equal({}), TypeError, 'INVALID_ARGUMENT');
    for (const m of [a, b, c]) m.destroy();
    allocator.destroy();
  });

  test('iteration yields fresh views in order', () => {
    const allocator = gomem.createAllocator();
    const memory = allocator.createMemory();
    for (let i = 0; i < 20; i++) memory.pushBytes(new Uint8Array(i).fill(i));
    let i = 0;
    for (const view of memory) {
      assert.equal(view.length, i);
      assert.ok(view.every((x) => x === i));
      i++;
    }
    assert.equal(i, 20);
    memory.destroy();
    allocator.destroy();
  });
});

describe('Memory errors', () => {
  test('push rejects JS-heap views, pointing to pushBytes', () => {
    const allocator = gomem.createAllocator();
    const memory = allocator.createMemory();
    throwsCode(() => memory.push(new Uint8Array(4)), RangeError, 'FOREIGN_POINTER', /pushBytes/);
    throwsCode(() => memory.push('abc'), TypeError, 'INVALID_ARGUMENT');
    throwsCode(() => memory.pushBytes('abc'), TypeError, 'INVALID_ARGUMENT');
    assert.equal(memory.count, 0, 'nothing pushed');
    memory.destroy();
    allocator.destroy();
  });

  test('push rejects freed views and views of a destroyed allocator', () => {
    const allocator = gomem.createAllocator();
    const other = gomem.createAllocator();
    const memory = allocator.createMemory();
    const view = allocator.malloc(8);
    allocator.free(view);
    throwsCode(() => memory.push(view), Error, 'FREED');
    const foreign = other.malloc(8);
    other.destroy();
    throwsCode(() => memory.push(foreign), Error, 'DESTROYED');
    memory.destroy();
    allocator.destroy();
  });

  test('push rejects views of another gomem instance', async () => {
    const second = await init();
    const allocator = gomem.createAllocator();
    const otherAllocator = second.createAllocator();
    const memory = allocator.createMemory();
    throwsCode(() => memory.push(otherAllocator.malloc(4)), RangeError, 'FOREIGN_POINTER',
      /pushBytes/);
    const otherMemory = otherAllocator.createMemory();
    throwsCode(() => memory.equal(otherMemory), RangeError, 'FOREIGN_POINTER');
    memory.destroy();
    allocator.destroy();
    otherAllocator.destroy();
  });

  test('destroyed Memory and destroyed allocator', () => {
    const allocator = gomem.createAllocator();
    const memory = allocator.createMemory();
    memory.pushBytes(bytes(1));
    memory.destroy();
    memory.destroy(); // no-op
    assert.equal(memory.destroyed, true);
    throwsCode(() => memory.size, Error, 'DESTROYED');
    throwsCode(() => memory.pushBytes(bytes(1)), Error, 'DESTROYED');
    throwsCode(() => memory.reader(), Error, 'DESTROYED');
    const second = allocator.createMemory();
    second.pushBytes(bytes(1, 2));
    allocator.destroy();
    throwsCode(() => second.count, Error, 'DESTROYED', /allocator/);
    second.destroy(); // only marks it
    throwsCode(() => allocator.createMemory(), Error, 'DESTROYED');
    throwsCode(() => new Memory(), TypeError, 'INVALID_ARGUMENT');
  });
});

describe('Memory and memory growth', () => {
  test('push, grow memory with many 1 MiB mallocs: buffers stay valid, readers still work', () => {
    const allocator = gomem.createAllocator();
    const memory = allocator.createMemory();
    const handed = allocator.malloc(5);
    handed.set([10, 11, 12, 13, 14]);
    memory.push(handed);
    memory.pushBytes(bytes(1, 2, 3));
    const reader = memory.reader();
    assert.equal(reader.readUint16BE(), 0x0a0b);
    const oldBuffer = gomem.wasmMemory.buffer;
    const big = [];
    for (let i = 0; i < 40; i++) big.push(allocator.malloc(1 << 20));
    if (gomem.wasmMemory.buffer.resizable !== true) {
      assert.notEqual(gomem.wasmMemory.buffer, oldBuffer, 'memory grew');
      assert.equal(handed.length, 0, 'the old view is detached');
    }
    // push still finds the detached malloc view by its record
    memory.push(handed);
    memory.pushBytes(new Uint8Array(300).fill(7)); // may grow the list's array
    for (let i = 0; i < 200; i++) memory.pushBytes(bytes(i & 0xff));
    assert.equal(memory.count, 204);
    assert.equal(memory.size, 5 + 3 + 5 + 300 + 200);
    for (const view of memory.buffers) assert.equal(view.buffer, gomem.wasmMemory.buffer);
    const joined = memory.toBytes();
    assert.deepEqual(joined.subarray(0, 13),
      bytes(10, 11, 12, 13, 14, 1, 2, 3, 10, 11, 12, 13, 14));
    // the reader made before growth reads on, and sees pushed bytes after refresh
    assert.equal(reader.readUint32BE(), 0x0c0d0e01);
    assert.equal(reader.remaining, 2);
    reader.refresh();
    assert.equal(reader.remaining, memory.size - 6);
    reader.skip(2 + 5);
    const view = reader.readView(300);
    assert.notEqual(view, null, 'the 300 bytes lie in one buffer');
    assert.equal(view.buffer, gomem.wasmMemory.buffer);
    assert.ok(view.every((x) => x === 7));
    for (const b of big) allocator.free(b);
    memory.destroy();
    allocator.destroy();
  });

  test('a stale subarray cannot be pushed (StaleViewError)', () => {
    const allocator = gomem.createAllocator();
    const memory = allocator.createMemory();
    const sub = allocator.malloc(16).subarray(4, 8);
    const old = gomem.wasmMemory.buffer;
    const big = [];
    for (let i = 0; i < 400 && gomem.wasmMemory.buffer === old; i++) {
      big.push(allocator.malloc(1 << 20));
    }
    if (gomem.wasmMemory.buffer.resizable !== true) {
      assert.notEqual(gomem.wasmMemory.buffer, old, 'memory grew');
      assert.throws(() => memory.push(sub), StaleViewError);
    }
    memory.destroy();
    allocator.destroy();
  });
});
