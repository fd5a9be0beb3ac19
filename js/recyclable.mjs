// recyclable.mjs - RecyclableMemory of gomem-wasm, over the C gomem_recyclable (made in wasm
// memory by gomem_wasm_recyclable_new from an allocator): nextN(n) hands out n new bytes and
// recycle() frees everything handed out since the last recycle in one call.
//
// Invariants this file keeps:
//   - every view nextN hands out is recorded by the Runtime of index.mjs (Runtime#hand), exactly
//     like Allocator#malloc's views, so growth, stale views and gomem.view() work the same way;
//   - the records of the views handed out since the last recycle are kept here, and recycle()
//     and destroy() mark them freed ('recycle'): freeing, pushing or re-deriving such a view
//     afterwards throws, and Allocator#free refuses a view that is still live (recycle frees it);
//   - the C struct is used only through the C functions, except its list's count and size, read
//     with a DataView at the byte offsets the module reports (runtime.layout, from
//     gomem_wasm_layout(): the struct comes from the user's allocator, so it may sit at any
//     alignment).

import { checkSize, codedError } from './errors.mjs';

const INTERNAL = Symbol('gomem internal');

/**
 * Made by Allocator#createRecyclable() (index.mjs), which passes its private runtime and handle.
 * @internal
 */
export function createRecyclable(runtime, allocatorHandle, allocator) {
  return new RecyclableMemory(runtime, allocatorHandle, allocator, INTERNAL);
}

/**
 * Recorded allocations freed together: nextN(n) returns a view of n new bytes from the allocator
 * that made it, recycle() frees all of them at once (GoMem's RecyclableMemory). Suits
 * per-message or per-frame scratch bytes: take what the message needs, recycle when done.
 */
export class RecyclableMemory {
  #runtime;
  #allocator;
  #allocatorHandle;
  #handle;
  // Records (Runtime#hand) of the views handed out since the last recycle.
  #records = [];

  constructor(runtime, allocatorHandle, allocator, token) {
    if (token !== INTERNAL) {
      throw codedError(TypeError, 'INVALID_ARGUMENT',
        'new RecyclableMemory(): make one with allocator.createRecyclable()');
    }
    const handle = runtime.exports.gomem_wasm_recyclable_new(allocatorHandle) >>> 0;
    if (handle === 0) throw runtime.fail(runtime.status.NOMEM, 'createRecyclable()');
    this.#runtime = runtime;
    this.#allocator = allocator;
    this.#allocatorHandle = allocatorHandle;
    this.#handle = handle;
  }

  /** The Allocator whose bytes nextN hands out. */
  get allocator() { return this.#allocator; }

  /**
   * true once destroy() was called or its allocator was destroyed: either way the bytes it
   * handed out are gone.
   */
  get destroyed() { return this.#handle === 0 || this.#allocator.destroyed; }

  /** Number of allocations handed out since the last recycle. */
  get count() { return this.#listField('count'); }

  /** Bytes handed out since the last recycle (what recycle() will free). */
  get size() { return this.#listField('size'); }

  /**
   * `n` new bytes (content unspecified) as a view recorded like malloc's: after memory growth
   * gomem.view(v) gives a live view of them. Do not free it: recycle() does.
   */
  nextN(n) {
    const handle = this.#live('nextN');
    const runtime = this.#runtime;
    checkSize(n, 'nextN size', runtime.limits.arenaLimit);
    const ptr = runtime.exports.gomem_recyclable_next_n(handle, n) >>> 0;
    if (ptr === 0) throw runtime.fail(runtime.status.NOMEM, `nextN(${n} bytes)`);
    return runtime.hand(ptr, n, this, this.#records);
  }

  /**
   * Frees every allocation handed out since the last recycle, in one call; returns the bytes
   * freed. Their views are then freed views: freeing, pushing or gomem.view() of them throws.
   * The RecyclableMemory (and its allocator) stay usable.
   */
  recycle() {
    const handle = this.#live('recycle');
    const runtime = this.#runtime;
    const bytes = this.size;
    const status = runtime.exports.gomem_recyclable_recycle(handle);
    this.#forget();
    // Only if something freed these bytes behind the wrapper's back (the raw exports); the
    // other allocations were still freed.
    if (status !== 0) throw runtime.fail(status, `recycle() of ${bytes} bytes`);
    return bytes;
  }

  /**
   * Recycles, then frees the C struct. Calling it again is a no-op; any other method then throws
   * DESTROYED. After the allocator was destroyed it only marks this one destroyed (the
   * allocator's destroy released everything).
   */
  destroy() {
    if (this.#handle === 0) return;
    if (!this.#allocator.destroyed) {
      this.#runtime.exports.gomem_wasm_recyclable_delete(this.#allocatorHandle, this.#handle);
    }
    this.#forget();
    this.#handle = 0;
  }

  #forget() {
    for (const record of this.#records) record.freed = 'recycle';
    this.#records.length = 0;
  }

  // A size_t field of the struct's gomem_memory (its `memory` member).
  #listField(field) {
    const { layout } = this.#runtime;
    return this.#runtime.u32(this.#live(field) + layout.recyclable.memory + layout.memory[field]);
  }

  #live(action) {
    if (this.#handle === 0) {
      throw codedError(Error, 'DESTROYED', `${action}: this RecyclableMemory was destroyed; ` +
        'create a new one with allocator.createRecyclable()');
    }
    if (this.#allocator.destroyed) {
      throw codedError(Error, 'DESTROYED', `${action}: the allocator of this RecyclableMemory ` +
        'was destroyed, and with it every byte it handed out; create a new allocator');
    }
    return this.#handle;
  }
}
