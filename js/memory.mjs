// memory.mjs - the Memory (buffer list) and Reader classes of gomem-wasm, over the C
// gomem_memory and gomem_reader. Both C structs live in wasm memory (made by
// gomem_wasm_memory_new / gomem_wasm_reader_new from an allocator); this file holds only handles.
//
// Invariants this file keeps:
//   - no view of wasm memory is kept across a call that may grow memory: `buffers`, iteration,
//     readView and range re-derive views from the C array after the C call, so they are live
//     when returned (they go stale at the next growth, like any view; the list itself never does);
//   - bytes pushed with pushBytes are the Memory's own allocations, tracked here as
//     (pointer -> length) and freed exactly once: by clipFront when they are dropped, else by
//     reset/destroy;
//   - a Reader is valid while its Memory has the generation it was made in: reset, destroy and
//     another reader's clipFront move the generation on (the C contract says those invalidate
//     readers), and a read through an invalid reader throws instead of reading freed memory;
//   - number reads allocate nothing (64-bit ones only their BigInt): a read whose bytes lie inside
//     the current buffer is done in JS on the C reader's fields (Reader#at, the fast path); any
//     other calls the C function, which writes its out-parameter into the module's scratch area,
//     read back through one cached DataView (re-made only when memory grew);
//   - the C reader's invariant holds after every JS read: the fast path only takes a value that
//     ends before the current buffer's last byte, so the cursor stays on an unread byte;
//   - every C struct field is read and written at its exact byte address, at the offset the
//     module reports (see below), whatever the alignment of the allocator the struct came from.

import { checkCount, codedError, freedHow, statusError } from './errors.mjs';

// The C structs are read and written only at the byte offsets the module reports
// (gomem_wasm_layout(), as runtime.layout: see index.mjs), through a DataView at exact byte
// addresses: they come from the user's allocator, whose alignment may be 1 or 2, so the
// gomem_memory, its gomem_buf array and the gomem_reader may sit at any address. A Uint32Array
// indexed by address >> 2 would silently read and write the word below a misaligned field, so
// the one place that uses one (Reader#at, the fast path) does so only for addresses it has
// checked are multiples of 4.
const U32_MAX = 0xffffffff;

// Reader failures with a hint of their own: END_OF_DATA and OVERFLOW are RangeErrors, unread past
// the start (C's INVALID_ARGUMENT) a TypeError like every INVALID_ARGUMENT (errors.mjs,
// KIND_BY_CODE); the rest go through statusError.
const READER_HINTS = {
  END_OF_DATA: 'check reader.remaining first, or push more data and call reader.refresh()',
  OVERFLOW: 'the LEB128 encoding is longer than 10 bytes or its value needs more than 64 bits',
  INVALID_ARGUMENT: 'unread can move back at most reader.offset bytes',
};

/**
 * Per-instance helpers: a cached DataView, Uint8Array and Uint32Array over memory.buffer, the
 * struct layout, and status names by number. The views are re-made only when memory grew: a
 * growth detaches the old buffer, and a view of a detached buffer has length 0, which is a
 * cheaper test than reading memory.buffer (a call into the engine) on every access. With a
 * resizable buffer (toResizableBuffer) the views track its length and never need re-making.
 */
class Heap {
  constructor(runtime) {
    this.runtime = runtime;
    this.memory = runtime.memory;
    this.names = [];
    for (const [name, number] of Object.entries(runtime.status)) this.names[number] = name;
    this.layout = runtime.layout;
    this.view = null;
    // Empty until the first access: length 0 means "refresh" (as for a view of a detached
    // buffer), and reads of `words` out of its bounds give undefined, which the Reader's fast
    // path takes as "use the DataView" (Reader#at).
    this.u8 = new Uint8Array(0);
    this.words = new Uint32Array(0);
  }

  dv() {
    if (this.u8.length === 0) this.#refresh();
    return this.view;
  }

  bytesOfAll() {
    if (this.u8.length === 0) this.#refresh();
    return this.u8;
  }

  #refresh() {
    const buffer = this.runtime.buffer(); // remembers it as ours, so stale views are recognised
    this.view = new DataView(buffer);
    this.u8 = new Uint8Array(buffer);
    this.words = new Uint32Array(buffer);
  }

  /** The 32-bit field (pointer or size_t) at byte address `ptr`, whatever its alignment. */
  u32(ptr) { return this.dv().getUint32(ptr, true); }

  /** buffers[i].data of the gomem_buf array at `array`. */
  bufData(array, i) {
    const { buf } = this.layout;
    return this.dv().getUint32(array + i * buf.bytes + buf.data, true);
  }

  /** buffers[i].len of the gomem_buf array at `array`. */
  bufLen(array, i) {
    const { buf } = this.layout;
    return this.dv().getUint32(array + i * buf.bytes + buf.len, true);
  }
}

const heaps = new WeakMap();
function heapOf(runtime) {
  let heap = heaps.get(runtime);
  if (heap === undefined) {
    heap = new Heap(runtime);
    heaps.set(runtime, heap);
  }
  return heap;
}

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
    this.#state = {
      runtime, heap: heapOf(runtime), exports: runtime.exports, allocator, allocatorHandle, life,
      handle, generation: 0, owned: new Map(), readers: new Set(),
    };
  }

  /** true once destroy() was called. */
  get destroyed() { return this.#state.handle === 0; }

  /** Total bytes of all buffers. */
  get size() {
    const { heap } = this.#state;
    return heap.u32(live(this.#state, 'size') + heap.layout.memory.size);
  }

  /** Number of buffers, empty ones included. */
  get count() {
    const { heap } = this.#state;
    return heap.u32(live(this.#state, 'count') + heap.layout.memory.count);
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
    if (record?.owner.destroyed) {
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
    // (The heap's cached array is of the current buffer: cheaper than reading memory.buffer.)
    const inWasm = source.buffer === state.heap.bytesOfAll().buffer;
    const from = source.byteOffset;
    const ptr = exports.gomem_alloc(state.allocatorHandle, n) >>> 0;
    if (ptr === 0) throw runtime.fail(runtime.status.NOMEM, `pushBytes(${n} bytes)`);
    const all = state.heap.bytesOfAll();
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
    const { heap } = state;
    const { memory } = heap.layout;
    const count = heap.u32(handle + memory.count);
    const array = heap.u32(handle + memory.buffers);
    const out = new Array(count);
    for (let i = 0; i < count; i++) {
      out[i] = new Uint8Array(heap.view.buffer, heap.bufData(array, i), heap.bufLen(array, i));
    }
    return out;
  }

  /** Iterates over fresh views of the buffers; each is derived when it is reached. */
  *[Symbol.iterator]() {
    const state = this.#state;
    for (let i = 0; ; i++) {
      const handle = live(state, 'iterate');
      const { heap } = state;
      const { memory } = heap.layout;
      if (i >= heap.u32(handle + memory.count)) return;
      const array = heap.u32(handle + memory.buffers);
      yield new Uint8Array(heap.view.buffer, heap.bufData(array, i), heap.bufLen(array, i));
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
    const { heap } = state;
    const { memory } = heap.layout;
    const all = heap.bytesOfAll();
    const count = heap.u32(handle + memory.count);
    const array = heap.u32(handle + memory.buffers);
    let at = 0;
    for (let i = 0; i < count && at < target.length; i++) {
      const data = heap.bufData(array, i);
      const take = Math.min(heap.bufLen(array, i), target.length - at);
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
    return new Reader(this.#state, live(this.#state, 'reader'), INTERNAL);
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

/**
 * A cursor over a Memory (gomem_reader): reads numbers and bytes across buffer boundaries
 * without joining the buffers. Made by memory.reader(). It sees the bytes the list had when it
 * was made; push more and call refresh() to extend it. reset/destroy of the Memory, or
 * clipFront through another reader, invalidate it (reads then throw INVALID_READER).
 *
 * Number reads return Numbers, 64-bit ones BigInts; failures leave the cursor where it was and
 * throw a RangeError coded END_OF_DATA (too few bytes) or OVERFLOW (LEB128). A read takes the
 * value at the cursor and moves past it, and takes no offset (one given is refused: Buffer's
 * reads of the same names take one and do not move); a peek takes the value without moving, at
 * an optional offset ahead of the cursor (bl's readUInt32BE(offset), uint8arraylist's
 * getUint32(offset) on a list consumed up to the cursor). One name per thing, no Buffer-style
 * aliases (docs/js.md, "Coming from bl, uint8arraylist or Buffer").
 */
export class Reader {
  #state;
  #heap;
  #exports;
  #scratch;
  #ptr;
  #generation;
  // Byte addresses of the C reader's fields and of its Memory's `buffers` pointer, and the
  // gomem_buf layout, all from gomem_wasm_layout() and fixed for the reader's life.
  #bufIndexAt;
  #bufOffsetAt;
  #lengthAt;
  #positionAt;
  #buffersAt;
  #bufBytes;
  #bufData;
  #bufLen;
  // The same as indexes into heap.words (address / 4), for the fast path (#at): only when every
  // one of those addresses and offsets is a multiple of 4, else all -1 (a Uint32Array read at -1
  // is undefined, which sends every read to #atBytes). A struct from an allocator of alignment 1
  // or 2 can sit anywhere, and address >> 2 would then name the word below the field.
  #lengthW = -1;
  #bufOffsetW = -1;
  #bufIndexW = -1;
  #positionW = -1;
  #buffersW = -1;
  #bufWords = -1;
  #bufDataW = -1;
  #bufLenW = -1;
  #lastViewCopied = false;

  constructor(state, memoryHandle, token) {
    if (token !== INTERNAL) {
      throw codedError(TypeError, 'INVALID_ARGUMENT', 'new Reader(): use memory.reader()');
    }
    const { exports, runtime } = state;
    const ptr = exports.gomem_wasm_reader_new(state.allocatorHandle, memoryHandle) >>> 0;
    if (ptr === 0) throw runtime.fail(runtime.status.NOMEM, 'memory.reader()');
    this.#state = state;
    this.#heap = state.heap;
    this.#exports = exports;
    this.#scratch = runtime.scratch;
    this.#ptr = ptr;
    this.#generation = state.generation;
    const { buf, memory, reader } = state.heap.layout;
    this.#bufIndexAt = ptr + reader.bufIndex;
    this.#bufOffsetAt = ptr + reader.bufOffset;
    this.#lengthAt = ptr + reader.length;
    this.#positionAt = ptr + reader.position;
    this.#buffersAt = memoryHandle + memory.buffers;
    this.#bufBytes = buf.bytes;
    this.#bufData = buf.data;
    this.#bufLen = buf.len;
    if (((this.#bufIndexAt | this.#bufOffsetAt | this.#lengthAt | this.#positionAt |
          this.#buffersAt | buf.bytes | buf.data | buf.len) & 3) === 0) {
      this.#lengthW = this.#lengthAt >>> 2;
      this.#bufOffsetW = this.#bufOffsetAt >>> 2;
      this.#bufIndexW = this.#bufIndexAt >>> 2;
      this.#positionW = this.#positionAt >>> 2;
      this.#buffersW = this.#buffersAt >>> 2;
      this.#bufWords = buf.bytes >>> 2;
      this.#bufDataW = buf.data >>> 2;
      this.#bufLenW = buf.len >>> 2;
    }
    state.readers.add(this);
  }

  // The reader's address, after checking it may still be used. Every method starts here, so
  // the check is two loads and compares: destroy() sets the generation to -1, which no Memory
  // has, and the allocator's destroy sets life.destroyed (a plain object: a getter costs more).
  #r(action) {
    const state = this.#state;
    if (this.#generation !== state.generation || state.life.destroyed) this.#invalid(action);
    return this.#ptr;
  }

  #invalid(action) {
    if (this.#ptr === 0) {
      throw codedError(Error, 'DESTROYED', `${action}: this Reader was destroyed`);
    }
    if (this.#state.allocator.destroyed || this.#state.handle === 0) live(this.#state, action);
    throw codedError(Error, 'INVALID_READER', `${action}: this Reader is invalid - its Memory ` +
      'was reset, or another reader clipped its front; make a new one with memory.reader()');
  }

  #fail(status, action) {
    const name = this.#heap.names[status] ?? 'UNKNOWN';
    const hint = READER_HINTS[name];
    if (hint !== undefined) {
      const remaining = this.#exports.gomem_reader_remaining(this.#ptr) >>> 0;
      // RangeError, or the kind errors.mjs gives the code (TypeError for INVALID_ARGUMENT).
      return codedError(RangeError, name, `${action} failed with ${name} (${remaining} bytes ` +
        `remain); ${hint}`);
    }
    return this.#state.runtime.fail(status, action);
  }

  // Fixed-width reads and peeks. The fast path (#at) reads the C reader's cursor straight from
  // wasm memory and, when the value lies inside the current buffer with at least one byte after
  // it, reads it with the cached DataView and moves the cursor in JS: no wasm call. Everything
  // else (a value straddling buffers or ending exactly at a buffer's end, too few bytes, an
  // invalid reader) goes through the C function, which writes *out into scratch; #u8 ... #i64
  // read that back little-endian (wasm's byte order). One line per public method, no function
  // passed on the fast path: each method calls #at and one DataView getter.

  /**
   * The address of the next `width` bytes when the fast path may take them, moving the cursor
   * past them when `move`; -1 when the C function must do the read. Strictly inside the buffer
   * (offset + width < len), so the cursor stays on an unread byte and the C invariant "while
   * length > 0 the cursor sits on an unread byte" (src/reader.c) holds without stepping over
   * buffers.
   *
   * The C reader's fields and the buffer entry are read and written as words of heap.words only
   * at addresses known to be multiples of 4 (the reader's and its Memory's, checked when the
   * reader was made; the buffer array's, checked here: it moves as the list grows). Anything
   * else goes to #atBytes, which does the same with the DataView at exact byte addresses: a
   * struct out of an allocator with alignment below 4, too few bytes left (then -1), or views not
   * made yet or detached by a memory growth (a detached array reads undefined; heap.dv() re-makes
   * the views).
   */
  #at(width, move, action) {
    this.#r(action);
    const words = this.#heap.words;
    const length = words[this.#lengthW];
    if (!(width <= length)) return this.#atBytes(width, move);
    const offset = words[this.#bufOffsetW];
    const array = words[this.#buffersW]; // the gomem_memory's buffers pointer
    if ((array & 3) !== 0) return this.#atBytes(width, move);
    // &buffers[buf_index]
    const entry = (array >>> 2) + words[this.#bufIndexW] * this.#bufWords;
    if (offset + width >= words[entry + this.#bufLenW]) return -1;
    if (move) {
      words[this.#bufOffsetW] = offset + width;
      words[this.#lengthW] = length - width;
      words[this.#positionW] += width;
    }
    return words[entry + this.#bufDataW] + offset;
  }

  // #at with every field read and written through the DataView at its exact byte address.
  #atBytes(width, move) {
    const dv = this.#heap.dv();
    const length = dv.getUint32(this.#lengthAt, true);
    if (width > length) return -1;
    const offset = dv.getUint32(this.#bufOffsetAt, true);
    const entry = dv.getUint32(this.#buffersAt, true) +
      dv.getUint32(this.#bufIndexAt, true) * this.#bufBytes;
    if (offset + width >= dv.getUint32(entry + this.#bufLen, true)) return -1;
    if (move) {
      dv.setUint32(this.#bufOffsetAt, offset + width, true);
      dv.setUint32(this.#lengthAt, length - width, true);
      dv.setUint32(this.#positionAt, dv.getUint32(this.#positionAt, true) + width, true);
    }
    return dv.getUint32(entry + this.#bufData, true) + offset;
  }

  /**
   * The address of the `width` bytes that start `ahead` bytes after the cursor, for a peek at an
   * offset (nothing moves): where they lie when they are inside one buffer, else the module's
   * scratch area, into which they are copied in order (a value across buffers, or across empty
   * ones), so the caller reads the value at the returned address either way. The walk reads the
   * cursor and the buffer array at exact byte addresses (any alignment) and costs O(buffers
   * between the cursor and the value). END_OF_DATA, as a read, when fewer than ahead + width
   * bytes remain; the offset is checked as skip's n is (TypeError INVALID_ARGUMENT for a
   * non-number, RangeError INVALID_SIZE for a negative or fractional one).
   */
  #peekAt(width, ahead, action) {
    this.#r(action);
    if (!Number.isInteger(ahead) || ahead < 0) checkCount(ahead, `${action} offset`);
    // Inside the cursor's buffer, as in #at: word reads where the addresses allow.
    const words = this.#heap.words;
    if (ahead + width <= words[this.#lengthW]) {
      const array = words[this.#buffersW];
      if ((array & 3) === 0) {
        const offset = words[this.#bufOffsetW] + ahead;
        const entry = (array >>> 2) + words[this.#bufIndexW] * this.#bufWords;
        if (offset + width <= words[entry + this.#bufLenW]) {
          return words[entry + this.#bufDataW] + offset;
        }
      }
    }
    return this.#peekAtBytes(width, ahead, action);
  }

  // #peekAt through the DataView at exact byte addresses, across buffers.
  #peekAtBytes(width, ahead, action) {
    const dv = this.#heap.dv();
    if (ahead > dv.getUint32(this.#lengthAt, true) - width) {
      throw this.#fail(this.#state.runtime.status.END_OF_DATA, `${action}(${ahead})`);
    }
    const bufBytes = this.#bufBytes;
    const dataAt = this.#bufData;
    const lenAt = this.#bufLen;
    let entry = dv.getUint32(this.#buffersAt, true) +
      dv.getUint32(this.#bufIndexAt, true) * bufBytes;
    let offset = dv.getUint32(this.#bufOffsetAt, true) + ahead;
    let len = dv.getUint32(entry + lenAt, true);
    // To the buffer holding the first byte (it exists: ahead < remaining).
    while (offset >= len) {
      offset -= len;
      entry += bufBytes;
      len = dv.getUint32(entry + lenAt, true);
    }
    let from = dv.getUint32(entry + dataAt, true) + offset;
    if (offset + width <= len) return from;
    const u8 = this.#heap.u8;
    const scratch = this.#scratch;
    for (let at = 0; ;) {
      const take = Math.min(len - offset, width - at);
      u8.copyWithin(scratch + at, from, from + take);
      at += take;
      if (at === width) return scratch;
      entry += bufBytes;
      len = dv.getUint32(entry + lenAt, true);
      from = dv.getUint32(entry + dataAt, true);
      offset = 0;
    }
  }

  #u8(fn, action) {
    const status = fn(this.#r(action), this.#scratch);
    if (status !== 0) throw this.#fail(status, action);
    return this.#heap.dv().getUint8(this.#scratch);
  }

  #u16(fn, action) {
    const status = fn(this.#r(action), this.#scratch);
    if (status !== 0) throw this.#fail(status, action);
    return this.#heap.dv().getUint16(this.#scratch, true);
  }

  #i16(fn, action) {
    const status = fn(this.#r(action), this.#scratch);
    if (status !== 0) throw this.#fail(status, action);
    return this.#heap.dv().getInt16(this.#scratch, true);
  }

  #u32(fn, action) {
    const status = fn(this.#r(action), this.#scratch);
    if (status !== 0) throw this.#fail(status, action);
    return this.#heap.dv().getUint32(this.#scratch, true);
  }

  #i32(fn, action) {
    const status = fn(this.#r(action), this.#scratch);
    if (status !== 0) throw this.#fail(status, action);
    return this.#heap.dv().getInt32(this.#scratch, true);
  }

  #u64(fn, action) {
    const status = fn(this.#r(action), this.#scratch);
    if (status !== 0) throw this.#fail(status, action);
    return this.#heap.dv().getBigUint64(this.#scratch, true);
  }

  #i64(fn, action) {
    const status = fn(this.#r(action), this.#scratch);
    if (status !== 0) throw this.#fail(status, action);
    return this.#heap.dv().getBigInt64(this.#scratch, true);
  }

  // A read given an argument: Buffer's readUint32BE(offset) reads at an offset without moving,
  // the Reader's reads at the cursor and moves, so an offset is refused rather than ignored.
  #noOffset(name, offset) {
    const peek = name.replace('read', 'peek');
    throw codedError(TypeError, 'INVALID_ARGUMENT', `${name}(${String(offset)}): reads take no ` +
      'offset, they read at the cursor and move past the value (unlike Buffer\'s, which read at ' +
      `an offset and do not move); use ${peek}(offset) to read ahead of the cursor without ` +
      'moving, or skip(offset) first');
  }

  // 24-bit values from the 16-bit half and the third byte.
  #be24(at) { return (this.#heap.view.getUint16(at) << 8) | this.#heap.u8[at + 2]; }
  #le24(at) { return this.#heap.view.getUint16(at, true) | (this.#heap.u8[at + 2] << 16); }

  readUint8(offset) {
    if (offset !== undefined) this.#noOffset('readUint8', offset);
    const at = this.#at(1, true, 'readUint8');
    return at >= 0 ? this.#heap.u8[at]
      : this.#u8(this.#exports.gomem_reader_read_u8, 'readUint8');
  }

  readInt8(offset) {
    if (offset !== undefined) this.#noOffset('readInt8', offset);
    const at = this.#at(1, true, 'readInt8');
    return at >= 0 ? this.#heap.view.getInt8(at)
      : (this.#u8(this.#exports.gomem_reader_read_i8, 'readInt8') << 24) >> 24;
  }

  readUint16BE(offset) {
    if (offset !== undefined) this.#noOffset('readUint16BE', offset);
    const at = this.#at(2, true, 'readUint16BE');
    return at >= 0 ? this.#heap.view.getUint16(at)
      : this.#u16(this.#exports.gomem_reader_read_u16_be, 'readUint16BE');
  }

  readUint16LE(offset) {
    if (offset !== undefined) this.#noOffset('readUint16LE', offset);
    const at = this.#at(2, true, 'readUint16LE');
    return at >= 0 ? this.#heap.view.getUint16(at, true)
      : this.#u16(this.#exports.gomem_reader_read_u16_le, 'readUint16LE');
  }

  readInt16BE(offset) {
    if (offset !== undefined) this.#noOffset('readInt16BE', offset);
    const at = this.#at(2, true, 'readInt16BE');
    return at >= 0 ? this.#heap.view.getInt16(at)
      : this.#i16(this.#exports.gomem_reader_read_i16_be, 'readInt16BE');
  }

  readInt16LE(offset) {
    if (offset !== undefined) this.#noOffset('readInt16LE', offset);
    const at = this.#at(2, true, 'readInt16LE');
    return at >= 0 ? this.#heap.view.getInt16(at, true)
      : this.#i16(this.#exports.gomem_reader_read_i16_le, 'readInt16LE');
  }

  readUint24BE(offset) {
    if (offset !== undefined) this.#noOffset('readUint24BE', offset);
    const at = this.#at(3, true, 'readUint24BE');
    return at >= 0 ? this.#be24(at)
      : this.#u32(this.#exports.gomem_reader_read_u24_be, 'readUint24BE');
  }

  readUint24LE(offset) {
    if (offset !== undefined) this.#noOffset('readUint24LE', offset);
    const at = this.#at(3, true, 'readUint24LE');
    return at >= 0 ? this.#le24(at)
      : this.#u32(this.#exports.gomem_reader_read_u24_le, 'readUint24LE');
  }

  readInt24BE(offset) {
    if (offset !== undefined) this.#noOffset('readInt24BE', offset);
    const at = this.#at(3, true, 'readInt24BE');
    return at >= 0 ? (this.#be24(at) << 8) >> 8
      : this.#i32(this.#exports.gomem_reader_read_i24_be, 'readInt24BE');
  }

  readInt24LE(offset) {
    if (offset !== undefined) this.#noOffset('readInt24LE', offset);
    const at = this.#at(3, true, 'readInt24LE');
    return at >= 0 ? (this.#le24(at) << 8) >> 8
      : this.#i32(this.#exports.gomem_reader_read_i24_le, 'readInt24LE');
  }

  readUint32BE(offset) {
    if (offset !== undefined) this.#noOffset('readUint32BE', offset);
    const at = this.#at(4, true, 'readUint32BE');
    return at >= 0 ? this.#heap.view.getUint32(at)
      : this.#u32(this.#exports.gomem_reader_read_u32_be, 'readUint32BE');
  }

  readUint32LE(offset) {
    if (offset !== undefined) this.#noOffset('readUint32LE', offset);
    const at = this.#at(4, true, 'readUint32LE');
    return at >= 0 ? this.#heap.view.getUint32(at, true)
      : this.#u32(this.#exports.gomem_reader_read_u32_le, 'readUint32LE');
  }

  readInt32BE(offset) {
    if (offset !== undefined) this.#noOffset('readInt32BE', offset);
    const at = this.#at(4, true, 'readInt32BE');
    return at >= 0 ? this.#heap.view.getInt32(at)
      : this.#i32(this.#exports.gomem_reader_read_i32_be, 'readInt32BE');
  }

  readInt32LE(offset) {
    if (offset !== undefined) this.#noOffset('readInt32LE', offset);
    const at = this.#at(4, true, 'readInt32LE');
    return at >= 0 ? this.#heap.view.getInt32(at, true)
      : this.#i32(this.#exports.gomem_reader_read_i32_le, 'readInt32LE');
  }

  readBigUint64BE(offset) {
    if (offset !== undefined) this.#noOffset('readBigUint64BE', offset);
    const at = this.#at(8, true, 'readBigUint64BE');
    return at >= 0 ? this.#heap.view.getBigUint64(at)
      : this.#u64(this.#exports.gomem_reader_read_u64_be, 'readBigUint64BE');
  }

  readBigUint64LE(offset) {
    if (offset !== undefined) this.#noOffset('readBigUint64LE', offset);
    const at = this.#at(8, true, 'readBigUint64LE');
    return at >= 0 ? this.#heap.view.getBigUint64(at, true)
      : this.#u64(this.#exports.gomem_reader_read_u64_le, 'readBigUint64LE');
  }

  readBigInt64BE(offset) {
    if (offset !== undefined) this.#noOffset('readBigInt64BE', offset);
    const at = this.#at(8, true, 'readBigInt64BE');
    return at >= 0 ? this.#heap.view.getBigInt64(at)
      : this.#i64(this.#exports.gomem_reader_read_i64_be, 'readBigInt64BE');
  }

  readBigInt64LE(offset) {
    if (offset !== undefined) this.#noOffset('readBigInt64LE', offset);
    const at = this.#at(8, true, 'readBigInt64LE');
    return at >= 0 ? this.#heap.view.getBigInt64(at, true)
      : this.#i64(this.#exports.gomem_reader_read_i64_le, 'readBigInt64LE');
  }

  // Peeks: C has unsigned peeks at the cursor only; the signed ones sign-convert them here. With
  // no argument a peek takes the fast path (#at) as a read does, else C. With an offset (bytes
  // ahead of the cursor, a JS-only extension: C has no peek at an offset) #peekAt finds the
  // bytes in JS. Either way `at` is an address to read the value at, so each method has one
  // getter line.

  peekUint8(offset) {
    const at = offset === undefined ? this.#at(1, false, 'peekUint8')
      : this.#peekAt(1, offset, 'peekUint8');
    return at >= 0 ? this.#heap.u8[at]
      : this.#u8(this.#exports.gomem_reader_peek_u8, 'peekUint8');
  }

  peekUint16BE(offset) {
    const at = offset === undefined ? this.#at(2, false, 'peekUint16BE')
      : this.#peekAt(2, offset, 'peekUint16BE');
    return at >= 0 ? this.#heap.view.getUint16(at)
      : this.#u16(this.#exports.gomem_reader_peek_u16_be, 'peekUint16BE');
  }

  peekUint16LE(offset) {
    const at = offset === undefined ? this.#at(2, false, 'peekUint16LE')
      : this.#peekAt(2, offset, 'peekUint16LE');
    return at >= 0 ? this.#heap.view.getUint16(at, true)
      : this.#u16(this.#exports.gomem_reader_peek_u16_le, 'peekUint16LE');
  }

  peekUint24BE(offset) {
    const at = offset === undefined ? this.#at(3, false, 'peekUint24BE')
      : this.#peekAt(3, offset, 'peekUint24BE');
    return at >= 0 ? this.#be24(at)
      : this.#u32(this.#exports.gomem_reader_peek_u24_be, 'peekUint24BE');
  }

  peekUint24LE(offset) {
    const at = offset === undefined ? this.#at(3, false, 'peekUint24LE')
      : this.#peekAt(3, offset, 'peekUint24LE');
    return at >= 0 ? this.#le24(at)
      : this.#u32(this.#exports.gomem_reader_peek_u24_le, 'peekUint24LE');
  }

  peekUint32BE(offset) {
    const at = offset === undefined ? this.#at(4, false, 'peekUint32BE')
      : this.#peekAt(4, offset, 'peekUint32BE');
    return at >= 0 ? this.#heap.view.getUint32(at)
      : this.#u32(this.#exports.gomem_reader_peek_u32_be, 'peekUint32BE');
  }

  peekUint32LE(offset) {
    const at = offset === undefined ? this.#at(4, false, 'peekUint32LE')
      : this.#peekAt(4, offset, 'peekUint32LE');
    return at >= 0 ? this.#heap.view.getUint32(at, true)
      : this.#u32(this.#exports.gomem_reader_peek_u32_le, 'peekUint32LE');
  }

  peekBigUint64BE(offset) {
    const at = offset === undefined ? this.#at(8, false, 'peekBigUint64BE')
      : this.#peekAt(8, offset, 'peekBigUint64BE');
    return at >= 0 ? this.#heap.view.getBigUint64(at)
      : this.#u64(this.#exports.gomem_reader_peek_u64_be, 'peekBigUint64BE');
  }

  peekBigUint64LE(offset) {
    const at = offset === undefined ? this.#at(8, false, 'peekBigUint64LE')
      : this.#peekAt(8, offset, 'peekBigUint64LE');
    return at >= 0 ? this.#heap.view.getBigUint64(at, true)
      : this.#u64(this.#exports.gomem_reader_peek_u64_le, 'peekBigUint64LE');
  }

  peekInt8(offset) { return (this.peekUint8(offset) << 24) >> 24; }
  peekInt16BE(offset) { return (this.peekUint16BE(offset) << 16) >> 16; }
  peekInt16LE(offset) { return (this.peekUint16LE(offset) << 16) >> 16; }
  peekInt24BE(offset) { return (this.peekUint24BE(offset) << 8) >> 8; }
  peekInt24LE(offset) { return (this.peekUint24LE(offset) << 8) >> 8; }
  peekInt32BE(offset) { return this.peekUint32BE(offset) | 0; }
  peekInt32LE(offset) { return this.peekUint32LE(offset) | 0; }
  peekBigInt64BE(offset) { return BigInt.asIntN(64, this.peekBigUint64BE(offset)); }
  peekBigInt64LE(offset) { return BigInt.asIntN(64, this.peekBigUint64LE(offset)); }

  /**
   * An unsigned LEB128 number as a Number. A value above Number.MAX_SAFE_INTEGER throws a
   * RangeError coded OVERFLOW without moving (use readBigLEB128 for full 64-bit values).
   */
  readLEB128() {
    const value = this.readBigLEB128('readLEB128');
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
      const consumed = this.#heap.u32(this.#scratch + 8);
      this.#exports.gomem_reader_unread(this.#ptr, consumed);
      throw codedError(RangeError, 'OVERFLOW', `readLEB128: the value ${value} is above ` +
        'Number.MAX_SAFE_INTEGER; use readBigLEB128() to get it as a BigInt');
    }
    return Number(value);
  }

  /** An unsigned LEB128 number (up to 10 bytes, 64 bits) as a BigInt. */
  readBigLEB128(action = 'readBigLEB128') {
    const scratch = this.#scratch;
    const status = this.#exports.gomem_reader_read_leb128(this.#r(action), scratch, scratch + 8);
    if (status !== 0) throw this.#fail(status, action);
    return this.#heap.dv().getBigUint64(scratch, true);
  }

  /**
   * Whether the last readView() had to copy (its bytes straddled buffers: the view is a fresh
   * JS-heap Uint8Array) or not (a view into wasm memory, no copy). false before any readView.
   * A getter, like remaining and offset: assigning to it throws a TypeError in strict code (ES
   * modules, classes) and does nothing in sloppy code.
   */
  get lastViewCopied() { return this.#lastViewCopied; }

  /** Bytes left to read. */
  get remaining() { return this.#exports.gomem_reader_remaining(this.#r('remaining')) >>> 0; }

  /** Bytes read since the start of the list (unread lowers it, clipFront resets it to 0). */
  get offset() { return this.#exports.gomem_reader_offset(this.#r('offset')) >>> 0; }

  #count(n, action) {
    checkCount(n, `${action} n`);
    if (n > U32_MAX) throw this.#fail(this.#state.runtime.status.END_OF_DATA, `${action}(${n})`);
    return n;
  }

  /** Moves forward n bytes (END_OF_DATA, not moving, when fewer remain). */
  skip(n) {
    this.#count(n, 'skip');
    const status = this.#exports.gomem_reader_skip(this.#r('skip'), n);
    if (status !== 0) throw this.#fail(status, `skip(${n})`);
  }

  /**
   * Moves back n bytes, to read them again: at most `offset` (TypeError INVALID_ARGUMENT past
   * the start, not moving).
   */
  unread(n) {
    checkCount(n, 'unread n');
    const status = n > U32_MAX ? this.#state.runtime.status.INVALID_ARGUMENT
      : this.#exports.gomem_reader_unread(this.#r('unread'), n);
    if (status !== 0) throw this.#fail(status, `unread(${n})`);
  }

  /** Marks everything read. */
  moveToEnd() { this.#exports.gomem_reader_move_to_end(this.#r('moveToEnd')); }

  /** Extends the reader over bytes pushed to its Memory since it was made or refreshed. */
  refresh() { this.#exports.gomem_reader_refresh(this.#r('refresh')); }

  /** The next n bytes copied to the JS heap; the cursor moves past them. */
  readBytes(n) {
    const out = this.#peekBytes(n, 0, 'readBytes');
    this.#exports.gomem_reader_skip(this.#ptr, n);
    return out;
  }

  /**
   * The n bytes that start `offset` bytes after the cursor (default 0: the next n), copied to
   * the JS heap, without moving (bl's slice(offset, offset + n), uint8arraylist's
   * slice(offset, offset + n)). END_OF_DATA when fewer than offset + n bytes remain.
   */
  peekBytes(n, offset = 0) { return this.#peekBytes(n, offset, 'peekBytes'); }

  #peekBytes(n, ahead, action) {
    this.#count(n, action);
    if (ahead !== 0) checkCount(ahead, `${action} offset`);
    this.#r(action);
    if (n > this.#heap.u32(this.#lengthAt) - ahead) {
      throw this.#fail(this.#state.runtime.status.END_OF_DATA,
        `${action}(${n}${ahead === 0 ? '' : `, ${ahead}`})`);
    }
    const out = new Uint8Array(n);
    this.#copyNext(out, ahead);
    return out;
  }

  /**
   * Fills `target` (a Uint8Array) with the next target.length bytes and moves past them. A
   * live view of this instance's memory is filled by C (gomem_reader_read_bytes); any other
   * array by a copy per buffer crossed.
   */
  readInto(target) {
    if (!(target instanceof Uint8Array)) {
      throw codedError(TypeError, 'INVALID_ARGUMENT', 'readInto(target): target must be a ' +
        'Uint8Array');
    }
    const r = this.#r('readInto');
    const n = target.length;
    if (target.buffer === this.#heap.memory.buffer) {
      const status = this.#exports.gomem_reader_read_bytes(r, target.byteOffset, n);
      if (status !== 0) throw this.#fail(status, `readInto(${n} bytes)`);
      return target;
    }
    if (n > this.#heap.u32(this.#lengthAt)) {
      throw this.#fail(this.#state.runtime.status.END_OF_DATA, `readInto(${n} bytes)`);
    }
    this.#copyNext(target);
    this.#exports.gomem_reader_skip(r, n);
    return target;
  }

  /**
   * The next n bytes, moving past them: a view into wasm memory (no copy, gomem_reader_read_view)
   * when they lie in one buffer, else a JS-heap copy. `lastViewCopied` says which. A view is
   * valid while its buffer lives and memory does not grow (re-read it with gomem.view() rules:
   * it is not recorded, so after a growth it is stale).
   */
  readView(n) {
    this.#count(n, 'readView');
    const r = this.#r('readView');
    const status = this.#exports.gomem_reader_read_view(r, n, this.#scratch);
    if (status === 0) {
      this.#lastViewCopied = false;
      const dv = this.#heap.dv();
      return new Uint8Array(dv.buffer, dv.getUint32(this.#scratch, true), n);
    }
    if (this.#heap.names[status] !== 'STRADDLE') throw this.#fail(status, `readView(${n})`);
    const out = this.readBytes(n);
    this.#lastViewCopied = true;
    return out;
  }

  /**
   * Visits the remaining bytes a buffer's worth at a time, zero-copy: fn(view) gets a view into
   * wasm memory, the cursor already past it (as gomem_reader_range). Returning false (exactly)
   * stops; any other return goes on. fn must not change the Memory or this reader, nor grow
   * memory (the views would go stale). Returns the bytes moved over.
   */
  range(fn) { return this.rangeN(U32_MAX, fn, 'range'); }

  /** As range over at most the next n bytes. */
  rangeN(n, fn, action = 'rangeN') {
    checkCount(n, `${action} n`);
    if (typeof fn !== 'function') {
      throw codedError(TypeError, 'INVALID_ARGUMENT', `${action}: fn must be a function`);
    }
    const r = this.#r(action);
    const heap = this.#heap;
    let left = Math.min(n, heap.u32(this.#lengthAt));
    let moved = 0;
    while (left > 0) {
      const index = heap.u32(this.#bufIndexAt);
      const offset = heap.u32(this.#bufOffsetAt);
      const array = heap.u32(this.#buffersAt);
      const data = heap.bufData(array, index);
      const take = Math.min(heap.bufLen(array, index) - offset, left);
      this.#exports.gomem_reader_skip(r, take);
      left -= take;
      moved += take;
      if (fn(new Uint8Array(heap.view.buffer, data + offset, take)) === false) break;
      this.#r(action);
    }
    return moved;
  }

  // Copies the target.length bytes that start `ahead` bytes after the cursor (ahead + length at
  // most remaining) into target, without moving: the walk reads the cursor and the buffer array
  // straight from wasm memory.
  #copyNext(target, ahead = 0) {
    const n = target.length;
    if (n === 0) return;
    const heap = this.#heap;
    const all = heap.bytesOfAll();
    const array = heap.u32(this.#buffersAt);
    let index = heap.u32(this.#bufIndexAt);
    let offset = heap.u32(this.#bufOffsetAt) + ahead;
    // To the buffer holding the first byte (it exists: ahead < remaining when n > 0).
    for (let len = heap.bufLen(array, index); offset >= len; len = heap.bufLen(array, index)) {
      offset -= len;
      index++;
    }
    for (let at = 0; at < n; index++, offset = 0) {
      const data = heap.bufData(array, index) + offset;
      const take = Math.min(heap.bufLen(array, index) - offset, n - at);
      if (take > 0) target.set(all.subarray(data, data + take), at);
      at += take;
    }
  }

  /**
   * Drops what has been read from the front of the Memory (gomem_reader_clip_front): offset
   * becomes 0, size shrinks by it, reading continues where it was. Bytes the Memory owns
   * (pushBytes) are freed as they are dropped (a dropped prefix by a segmented free); every
   * other dropped non-empty piece is passed to release(view), if given, so its owner can free
   * it. Other readers over the Memory become invalid.
   */
  clipFront(release) {
    if (release !== undefined && typeof release !== 'function') {
      throw codedError(TypeError, 'INVALID_ARGUMENT', 'clipFront(release): release must be a ' +
        'function or undefined');
    }
    const state = this.#state;
    const r = this.#r('clipFront');
    // The dropped pieces are exactly the first `offset` bytes of the list.
    const heap = this.#heap;
    let position = heap.u32(this.#positionAt);
    if (position === 0) return;
    const array = heap.u32(this.#buffersAt);
    const pieces = [];
    for (let i = 0; position > 0; i++) {
      const data = heap.bufData(array, i);
      const take = Math.min(heap.bufLen(array, i), position);
      if (take > 0) pieces.push(data, take);
      position -= take;
    }
    this.#exports.gomem_reader_clip_front(r, 0, 0);
    state.generation++;
    this.#generation = state.generation;
    const { owned } = state;
    for (let i = 0; i < pieces.length; i += 2) {
      const data = pieces[i];
      const take = pieces[i + 1];
      const ownedLen = owned.get(data);
      if (ownedLen === undefined) {
        if (release !== undefined) release(state.runtime.bytes(data, take));
        continue;
      }
      owned.delete(data);
      if (take < ownedLen) owned.set(data + take, ownedLen - take);
      const status = this.#exports.gomem_free(state.allocatorHandle, data, take);
      if (status !== 0) throw state.runtime.fail(status, `clipFront: freeing ${take} bytes`);
    }
  }

  /** Frees the C reader. Calling it again is a no-op; any other method then throws DESTROYED. */
  destroy() {
    if (this.#ptr === 0) return;
    const state = this.#state;
    if (!state.allocator.destroyed) {
      this.#exports.gomem_wasm_reader_delete(state.allocatorHandle, this.#ptr);
    }
    state.readers.delete(this);
    this.#ptr = 0;
    this.#generation = -1;
  }
}
