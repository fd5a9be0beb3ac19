// memory.mjs - the Memory class of gomem-wasm: a buffer list over the C gomem_memory, which lives
// in wasm memory (made by gomem_wasm_memory_new from an allocator); this file holds only its
// handle. Its readers are js/reader.mjs; the views it reads the C struct through, js/views.mjs.
//
// Invariants this file keeps:
//   - no view of wasm memory is kept across a call that may grow memory: `buffers` and iteration
//     re-derive views from the C array after the C call, so they are live when returned (they
//     go stale at the next growth, like any view; the list itself never does);
//   - bytes pushed with pushBytes are the Memory's own allocations, tracked here as
//     (pointer -> length) and freed exactly once: by a reader's clipFront when they are dropped,
//     else by reset/destroy;
//   - reset, destroy and a reader's clipFront move the list's generation on (the C contract says
//     those invalidate readers): a Reader made in an older generation refuses to read;
//   - every C struct field is read at its exact byte address, at the offset the module reports,
//     whatever the alignment of the allocator the struct came from (js/views.mjs).

import { codedError, freedHow, statusError } from './errors.mjs';
import { createReader } from './reader.mjs';
import { U32_MAX, viewsOf } from './views.mjs';

const hex = (ptr) => `0x${ptr.toString(16)}`;

/**
 * Made by Allocator#createMemory() (index.mjs), which passes its private runtime, handle and
 * life ({ destroyed }, set when the allocator is destroyed).
 * @internal
 */
export function createMemory(runtime, allocatorHandle, allocator, life) {
  return new Memory(runtime, allocatorHandle, allocator, INTERNAL, life);
}

const INTERNAL = Symbol('gomem internal');

const textEncoder = new TextEncoder();

// The chunks of a stream as an async iterable: ReadableStream.getReader() where the stream is not
// async-iterable itself (older browsers), the object itself otherwise (Node Readable, iterables).
async function* chunksOf(stream) {
  if (stream && typeof stream[Symbol.asyncIterator] !== 'function' &&
      typeof stream.getReader === 'function') {
    const reader = stream.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        yield value;
      }
    } finally {
      reader.releaseLock();
    }
  }
  if (stream == null || (typeof stream[Symbol.asyncIterator] !== 'function' &&
                         typeof stream[Symbol.iterator] !== 'function')) {
    throw codedError(TypeError, 'INVALID_ARGUMENT',
      'pushStream(stream): pass a ReadableStream, a Node.js Readable or an iterable of byte chunks');
  }
  yield* stream;
}

/**
 * A list of buffers in wasm memory (gomem_memory): records (pointer, length) pairs, copies
 * nothing on push. Its own array lives in wasm memory and comes from the allocator that made it.
 */
export class Memory {
  #state;

  constructor(runtime, allocatorHandle, allocator, token, life) {
    if (token !== INTERNAL) {
      throw codedError(TypeError, 'INVALID_ARGUMENT',
        'new Memory(): make a Memory with allocator.createMemory()');
    }
    const handle = runtime.exports.gomem_wasm_memory_new(allocatorHandle) >>> 0;
    if (handle === 0) throw runtime.fail(runtime.status.NOMEM, 'createMemory()');
    // Shared with the readers (js/reader.mjs): they check `handle`, `generation` and `life`, and
    // a reader's clipFront frees the `owned` bytes it drops and moves the generation on.
    this.#state = {
      runtime, views: viewsOf(runtime), exports: runtime.exports, allocator, allocatorHandle, life,
      handle, generation: 0, owned: new Map(), readers: new Set(),
    };
  }

  /** true once destroy() was called. */
  get destroyed() { return this.#state.handle === 0; }

  /** Total bytes of all buffers. */
  get size() {
    const { views } = this.#state;
    return views.u32(live(this.#state, 'size') + views.layout.memory.size);
  }

  /** Number of buffers, empty ones included. */
  get count() {
    const { views } = this.#state;
    return views.u32(live(this.#state, 'count') + views.layout.memory.count);
  }

  /** The address of the C gomem_memory, for the raw exports. */
  get handle() { return live(this.#state, 'handle'); }

  /**
   * Appends a view of wasm memory (one the allocator handed out, a subarray of one, or any live
   * view of this instance's memory) without copying. A view handed out by malloc is found by
   * its record even after memory growth detached it. The bytes must outlive their place in the
   * list (the list does not own them). An empty view appends an empty buffer.
   */
  push(view) {
    const state = this.#state;
    const handle = live(state, 'push');
    let where;
    try {
      where = state.runtime.locate(view, 'push');
    } catch (error) {
      if (error.code !== 'FOREIGN_POINTER') throw error;
      throw codedError(RangeError, 'FOREIGN_POINTER', `push(a view of ${view.length} bytes) ` +
        'failed with FOREIGN_POINTER: the view is not inside this gomem instance\'s memory ' +
        '(push records pointers, it copies nothing); use memory.pushBytes(bytes) to copy bytes ' +
        'from the JS heap (or another instance) into wasm memory once');
    }
    const { ptr, len, record } = where;
    if (record?.freed) {
      throw codedError(Error, 'FREED', `push: this view was ${freedHow(record)}; its bytes are ` +
        'no longer yours');
    }
    if (record?.owner?.destroyed) {
      throw codedError(Error, 'DESTROYED', 'push: the allocator (or RecyclableMemory) that ' +
        'handed out this view was destroyed');
    }
    const status = state.exports.gomem_memory_push_one(handle, len === 0 ? 0 : ptr, len);
    if (status !== 0) throw state.runtime.fail(status, `push(${len} bytes at ${hex(ptr)})`);
    return this;
  }

  /**
   * Copies bytes (a Uint8Array or any ArrayBufferView / ArrayBuffer, from the JS heap or
   * anywhere) once into a new allocation in wasm memory and appends it. The Memory owns that
   * allocation: it is freed by reset(), destroy(), or a reader's clipFront() that drops it.
   */
  pushBytes(bytes) {
    const state = this.#state;
    const handle = live(state, 'pushBytes');
    const source = toUint8Array(bytes, 'pushBytes');
    const n = source.length;
    const { exports, runtime } = state;
    if (n === 0) {
      const status = exports.gomem_memory_push_one(handle, 0, 0);
      if (status !== 0) throw runtime.fail(status, 'pushBytes(0 bytes)');
      return this;
    }
    if (n > U32_MAX) throw runtime.fail(runtime.status.NOMEM, `pushBytes(${n} bytes)`);
    // A source inside wasm memory would be detached by a growth in malloc: note where it is.
    // (The cached array is of the current buffer: cheaper than reading memory.buffer.)
    const inWasm = source.buffer === state.views.bytesOfAll().buffer;
    const from = source.byteOffset;
    const ptr = exports.gomem_alloc(state.allocatorHandle, n) >>> 0;
    if (ptr === 0) throw runtime.fail(runtime.status.NOMEM, `pushBytes(${n} bytes)`);
    const all = state.views.bytesOfAll();
    if (inWasm) all.copyWithin(ptr, from, from + n);
    else all.set(source, ptr);
    const status = exports.gomem_memory_push_one(handle, ptr, n);
    if (status !== 0) {
      exports.gomem_free(state.allocatorHandle, ptr, n);
      throw runtime.fail(status, `pushBytes(${n} bytes)`);
    }
    state.owned.set(ptr, n);
    return this;
  }

  /**
   * Appends every chunk of a stream, each copied once into wasm memory (as pushBytes): a WHATWG
   * ReadableStream of byte chunks, a Node.js Readable, or any (async) iterable of them. Resolves
   * to the number of bytes added. A BYOB reader cannot read straight into wasm memory: BYOB
   * transfers the target's ArrayBuffer, and a WebAssembly.Memory's buffer cannot be transferred,
   * so one copy per chunk is the floor.
   */
  async pushStream(stream) {
    live(this.#state, 'pushStream');
    let added = 0;
    for await (const chunk of chunksOf(stream)) {
      const bytes = typeof chunk === 'string' ? textEncoder.encode(chunk) : chunk;
      this.pushBytes(bytes);
      added += bytes.byteLength;
    }
    return added;
  }

  /** Fresh views of every buffer, derived from the C array now (so live when returned). */
  get buffers() {
    const state = this.#state;
    const handle = live(state, 'buffers');
    const { views } = state;
    const { memory } = views.layout;
    const count = views.u32(handle + memory.count);
    const array = views.u32(handle + memory.buffers);
    const out = new Array(count);
    for (let i = 0; i < count; i++) {
      out[i] = new Uint8Array(views.view.buffer, views.bufData(array, i), views.bufLen(array, i));
    }
    return out;
  }

  /** Iterates over fresh views of the buffers; each is derived when it is reached. */
  *[Symbol.iterator]() {
    const state = this.#state;
    for (let i = 0; ; i++) {
      const handle = live(state, 'iterate');
      const { views } = state;
      const { memory } = views.layout;
      if (i >= views.u32(handle + memory.count)) return;
      const array = views.u32(handle + memory.buffers);
      yield new Uint8Array(views.view.buffer, views.bufData(array, i), views.bufLen(array, i));
    }
  }

  /** All bytes joined, copied to the JS heap. */
  toBytes() {
    const out = new Uint8Array(this.size);
    this.copyTo(out);
    return out;
  }

  /**
   * Copies the first min(size, target.length) bytes, joined, into target (a Uint8Array in the
   * JS heap or in wasm memory, not overlapping the buffers); returns how many.
   */
  copyTo(target) {
    const state = this.#state;
    const handle = live(state, 'copyTo');
    if (!(target instanceof Uint8Array)) {
      throw codedError(TypeError, 'INVALID_ARGUMENT', 'copyTo(target): target must be a ' +
        'Uint8Array');
    }
    const { views } = state;
    const { memory } = views.layout;
    const all = views.bytesOfAll();
    const count = views.u32(handle + memory.count);
    const array = views.u32(handle + memory.buffers);
    let at = 0;
    for (let i = 0; i < count && at < target.length; i++) {
      const data = views.bufData(array, i);
      const take = Math.min(views.bufLen(array, i), target.length - at);
      target.set(all.subarray(data, data + take), at);
      at += take;
    }
    return at;
  }

  /**
   * true when both lists have the same size, the same number of buffers and equal bytes buffer
   * by buffer (gomem_memory_equal: the same bytes split differently are not equal).
   */
  equal(other) {
    const state = this.#state;
    const handle = live(state, 'equal');
    if (!(other instanceof Memory)) {
      throw codedError(TypeError, 'INVALID_ARGUMENT', 'equal(other): other must be a Memory');
    }
    const otherState = other.#state;
    const otherHandle = live(otherState, 'equal');
    if (otherState.runtime !== state.runtime) {
      throw statusError('FOREIGN_POINTER', 'the other Memory belongs to another gomem instance',
        'equal(other)');
    }
    return state.exports.gomem_memory_equal(handle, otherHandle) !== 0;
  }

  /**
   * Forgets every buffer (the array is kept) and frees the bytes pushBytes copied in. Every
   * Reader over this Memory becomes invalid (its reads throw INVALID_READER).
   */
  reset() {
    const state = this.#state;
    const handle = live(state, 'reset');
    state.exports.gomem_memory_reset(handle);
    state.generation++;
    freeOwned(state);
  }

  /** A Reader at the start of the list, covering its current size (see Reader). */
  reader() {
    return createReader(this.#state, live(this.#state, 'reader'));
  }

  /**
   * Frees the list's array, the bytes pushBytes copied in and the readers. Calling it again is
   * a no-op; any other method throws DESTROYED. After the allocator was destroyed it only marks
   * this Memory destroyed (the allocator's destroy released everything).
   */
  destroy() {
    const state = this.#state;
    if (state.handle === 0) return;
    if (!state.allocator.destroyed) {
      for (const reader of state.readers) reader.destroy();
      freeOwned(state);
      state.exports.gomem_wasm_memory_delete(state.allocatorHandle, state.handle);
    }
    state.readers.clear();
    state.owned.clear();
    state.handle = 0;
    state.generation++;
  }
}

function live(state, action) {
  if (state.handle === 0) {
    throw codedError(Error, 'DESTROYED', `${action}: this Memory was destroyed; create a new one ` +
      'with allocator.createMemory()');
  }
  if (state.allocator.destroyed) {
    throw codedError(Error, 'DESTROYED', `${action}: the allocator of this Memory was destroyed, ` +
      'and with it the list; create a new allocator and Memory');
  }
  return state.handle;
}

function freeOwned(state) {
  for (const [ptr, len] of state.owned) {
    const status = state.exports.gomem_free(state.allocatorHandle, ptr, len);
    if (status !== 0) {
      throw state.runtime.fail(status, `freeing pushed bytes (${len} at ${hex(ptr)})`);
    }
  }
  state.owned.clear();
}

function toUint8Array(bytes, action) {
  if (bytes instanceof Uint8Array) return bytes;
  if (ArrayBuffer.isView(bytes)) {
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  if (bytes instanceof ArrayBuffer) return new Uint8Array(bytes);
  throw codedError(TypeError, 'INVALID_ARGUMENT', `${action}(bytes): bytes must be a ` +
    'Uint8Array, another ArrayBufferView or an ArrayBuffer');
}

