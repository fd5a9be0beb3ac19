// views.mjs - cached views of one gomem instance's wasm memory, and the C struct fields that
// js/memory.mjs (Memory) and js/reader.mjs (Reader) read through them.
//
// The C structs are read and written only at the byte offsets the module reports
// (gomem_wasm_layout(), as runtime.layout: see index.mjs), through a DataView at exact byte
// addresses: they come from the user's allocator, whose alignment may be 1 or 2, so the
// gomem_memory, its gomem_buf array and the gomem_reader may sit at any address. A Uint32Array
// indexed by address >> 2 would silently read and write the word below a misaligned field, so
// the one place that uses `words` (the Reader's fast path, Reader#at) does so only for addresses
// it has checked are multiples of 4.

/** The largest value of a 32-bit field (size_t and pointers on wasm32). */
export const U32_MAX = 0xffffffff;

/**
 * A cached DataView, Uint8Array and Uint32Array over one instance's memory buffer, and the
 * struct layout. The views are re-made only when memory grew: a growth detaches the old buffer,
 * and a view of a detached buffer has length 0, which is a cheaper test than reading
 * memory.buffer (a call into the engine) on every access. With a resizable buffer
 * (toResizableBuffer) the views track its length and never need re-making.
 *
 * A shared memory (docs/workers.md) never detaches: its old views keep their length while
 * another worker grows it. There the module keeps the memory's page count at `pagesAt`
 * (runtime.limits.memoryPagesAt), and sync() re-makes the views when it says the memory is
 * larger than they are: one load, against about 36 ns for reading memory.buffer.
 */
class Views {
  constructor(runtime) {
    this.runtime = runtime;
    this.layout = runtime.layout;
    this.pagesW = runtime.limits.memoryPagesAt >>> 2; // 0: not shared
    this.view = null;
    // Empty until the first access: length 0 means "refresh" (as for a view of a detached
    // buffer), and reads of `words` out of its bounds give undefined, which the Reader's fast
    // path takes as "use the DataView" (Reader#at).
    this.u8 = new Uint8Array(0);
    this.words = new Uint32Array(0);
  }

  /** The DataView over the current buffer. */
  dv() {
    if (this.u8.length === 0 || this.pagesW !== 0) this.sync();
    return this.view;
  }

  /** The Uint8Array over the whole current buffer (its index is the address). */
  bytesOfAll() {
    if (this.u8.length === 0 || this.pagesW !== 0) this.sync();
    return this.u8;
  }

  /** Re-makes the views when they no longer cover the whole memory. */
  sync() {
    if (this.u8.length === 0 || this.words[this.pagesW] * 65536 > this.u8.length) this.#refresh();
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

const viewsByRuntime = new WeakMap();

/** The one Views of an instance (runtime), made at its first use. */
export function viewsOf(runtime) {
  let views = viewsByRuntime.get(runtime);
  if (views === undefined) {
    views = new Views(runtime);
    viewsByRuntime.set(runtime, views);
  }
  return views;
}
