// Types of gomem-wasm's JS wrapper (js/index.mjs). Every buffer is a Uint8Array view into the
// wasm instance's linear memory: byteOffset is the C pointer, length the size.

/** Where init() finds gomem.wasm. */
export interface InitOptions {
  /**
   * The module's bytes, a compiled module, a fetch Response, or where to load it from. A URL or
   * string is fetched (instantiateStreaming when the server sends application/wasm,
   * arrayBuffer + instantiate otherwise); in Node.js a file: URL or a plain path is read from
   * disk. Default: gomem.wasm beside index.mjs, named by `new URL('./gomem.wasm',
   * import.meta.url)` (which Vite, webpack 5 and Parcel emit); in Node.js, when that file is
   * missing (a bundle), the one in the installed gomem-wasm package. With a bundler that does
   * not emit it (esbuild), pass what `import wasm from 'gomem-wasm/gomem.wasm'` gives through
   * a file or binary loader (see gomem-wasm/gomem.wasm's types).
   */
  wasm?: ArrayBuffer | ArrayBufferView | WebAssembly.Module | Response | URL | string;
  /**
   * Load gomem.hardened.wasm instead of gomem.wasm (ignored when `wasm` is given): the C library
   * built with GOMEM_HARDENED, where freeing a range across two allocations is an Error coded
   * SPANS_ALLOCATIONS and freed bytes are overwritten with 0xDF. Slower; for development.
   */
  hardened?: boolean;
  /**
   * Load gomem.shared.wasm over a new shared memory (a SharedArrayBuffer) that workers join with
   * attach(gomem.forWorker()): one heap for every worker (docs/workers.md). maximumMemory is then
   * also the memory's declared maximum (0: 4 GiB). Not with `hardened`. In a browser the page must
   * be cross-origin isolated (COOP/COEP headers); without SharedArrayBuffer init throws an Error
   * coded UNSUPPORTED.
   */
  shared?: boolean;
  /**
   * With `shared`: how many descriptions from share() may be in flight at once, in all workers
   * together (default 4096, at most 1048576).
   */
  sharedViews?: number;
  /** Bytes to grow wasm memory by at once, so allocations up to that total never grow it. */
  initialMemory?: number;
  /**
   * Most bytes the instance's allocators may take from wasm memory (its page limit; about 70 KiB
   * of gomem's code data and stack come on top). Allocations beyond it fail with NOMEM.
   */
  maximumMemory?: number;
}

/**
 * Loads and starts a gomem.wasm instance. Each call makes a new instance with its own memory;
 * views of one instance are foreign to every other.
 * @throws TypeError (code INVALID_ARGUMENT) for a bad `wasm` or `hardened`; RangeError
 * INVALID_SIZE for a bad memory size (an initialMemory above 0xfffff000 included: no wasm32
 * memory can hold it besides gomem's own), NOMEM when initialMemory cannot be had now; Error when
 * the module's struct
 * layout (gomem_wasm_layout, which the wrapper takes its field offsets from) cannot be used by
 * this wrapper; Error coded WASM_NOT_FOUND when the module cannot be found, fetched or read (an
 * HTTP error, a server's page that is not wasm, no import.meta.url in an iife or cjs bundle, no
 * file beside a Node.js bundle nor an installed package), its message saying what to pass as
 * `wasm`; the fs error (ENOENT, ...) for a path given as `wasm` that cannot be read;
 * WebAssembly.CompileError for bytes that are not a wasm module.
 */
export function init(options?: InitOptions): Promise<Gomem>;

/**
 * What gomem.forWorker() returns, to post to one worker for attach(): the compiled module, the
 * shared memory, the region for the worker's stack and thread-locals, and its state. Every part
 * is structured-cloneable; nothing is copied.
 */
export interface WorkerMessage {
  readonly gomemShared: 1;
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  readonly region: number;
  readonly state: Int32Array;
}

/**
 * A view in the shared memory described for another worker (gomem.share, gomem.viewOf). Good
 * until its bytes are freed through it once; afterwards every use is an Error coded FREED.
 */
export interface SharedView {
  readonly ptr: number;
  readonly length: number;
  readonly stamp: number;
}

/** An allocator described for another worker (allocator.share, gomem.openAllocator). */
export interface SharedAllocator {
  readonly handle: number;
  readonly maxBlockSize: number;
}

/**
 * In a worker: joins the shared memory of an init({ shared: true }) instance. `message` is what
 * its gomem.forWorker() returned, posted to this worker; each message is attached once.
 * @throws TypeError INVALID_ARGUMENT for anything else, or a message attached (or released)
 * already; Error UNSUPPORTED without SharedArrayBuffer.
 */
export function attach(message: WorkerMessage): Promise<Gomem>;

/** Options of a scalable allocator (gomem_allocator_options); 0 or absent means the default. */
export interface AllocatorOptions {
  /** First arena's size in bytes (default 16 KiB); arenas then double. */
  initialSize?: number;
  /**
   * Largest arena in bytes, at least the page size 4096, rounded up to whole pages (default
   * 4 MiB). A larger malloc gets a region of its own; borrow lends at most this much.
   */
  maxBlockSize?: number;
  /**
   * Least memory before speed (default false): arenas are tried oldest first, and in each every
   * hole before the arena's untouched end, so memory grows only when no hole holds a request.
   * The default tries the arena that served last first and carves untouched space early, which
   * is faster but holds more where free space is fragmented.
   */
  compact?: boolean;
  /**
   * Alignment of every allocation: a power of two up to 4096 (default 8). It applies to the C
   * structs of the Memory, Reader and RecyclableMemory made from the allocator too; the wrapper
   * reads them at their exact addresses, so every alignment, 1 and 2 included, works with them.
   */
  alignment?: number;
}

/** Counters of an allocator (gomem_stats). */
export interface AllocatorStats {
  /** Bytes handed out since creation; a bigint only beyond 2^53 (where a number loses bytes). */
  totalMalloc: number | bigint;
  /** Bytes given back since creation; a bigint only beyond 2^53. */
  totalFree: number | bigint;
  /** Bytes allocated now: totalMalloc - totalFree. */
  live: number;
  /** Bytes of all arenas and dedicated regions held now. */
  footprint: number;
  /** Largest footprint seen. */
  peakFootprint: number;
  /** Arenas plus dedicated regions. */
  arenaCount: number;
  /** Bytes of the allocator's own bookkeeping (index nodes, tables). */
  metadata: number;
  /** Largest `live` seen; with `peakFootprint`, what the free space between blocks cost. */
  peakLive: number;
}

/**
 * Status names of the C library (gomem_status_name) plus the wrapper's own codes. Errors the
 * wrapper throws are built-in kinds with this `.code`, one kind per code wherever it is thrown:
 * RangeError for NOMEM, INVALID_SIZE, FOREIGN_POINTER, OUT_OF_RANGE, END_OF_DATA and OVERFLOW;
 * TypeError for INVALID_ARGUMENT (an argument of the wrong type, or a value no call accepts: an
 * alignment that is not a power of two, unread past the start), as Node.js's
 * ERR_INVALID_ARG_TYPE and ERR_INVALID_ARG_VALUE are; Error for DOUBLE_FREE, DESTROYED, FREED,
 * INVALID_READER, SPANS_ALLOCATIONS and WASM_NOT_FOUND; StaleViewError for STALE_VIEW.
 */
export type GomemErrorCode =
  | 'NOMEM' | 'INVALID_ARGUMENT' | 'INVALID_SIZE' | 'FOREIGN_POINTER' | 'OUT_OF_RANGE'
  | 'DOUBLE_FREE' | 'END_OF_DATA' | 'OVERFLOW' | 'STRADDLE' | 'UNSUPPORTED' | 'SPANS_ALLOCATIONS'
  | 'STALE_VIEW' | 'DESTROYED' | 'FREED' | 'INVALID_READER'
  // init(): the module could not be found, fetched or read (an Error; the message says what to
  // pass as init({ wasm })).
  | 'WASM_NOT_FOUND';

/** An error thrown by gomem-wasm: one of the built-in kinds, tagged with a code. */
export type GomemError = Error & { code: GomemErrorCode };

/**
 * A view whose ArrayBuffer was detached when wasm memory grew, used where its bytes are needed
 * and made outside gomem (e.g. with subarray), so they cannot be recovered. Re-derive the view
 * gomem handed out with `gomem.view(v)` and take the subarray again.
 */
export class StaleViewError extends Error {
  readonly code: 'STALE_VIEW';
}

/** One loaded gomem.wasm instance. */
export class Gomem {
  private constructor();
  /**
   * The instance's WebAssembly.Memory: every view gomem hands out is a view of its buffer. (A
   * `Memory` is something else: a buffer list, made by allocator.createMemory().)
   */
  readonly wasmMemory: WebAssembly.Memory;
  /** The module's raw exports, for the parts of the C API not wrapped yet. */
  readonly exports: WebAssembly.Exports;
  /** true when this instance runs gomem.hardened.wasm (init({ hardened: true })). */
  readonly hardened: boolean;
  /**
   * A new scalable allocator.
   * @throws TypeError INVALID_ARGUMENT for options that are not an object, a non-number size or
   * alignment, a non-boolean compact, or an alignment that is not a power of two up to 4096;
   * RangeError INVALID_SIZE for a negative, fractional or too large size; RangeError NOMEM when
   * memory cannot grow to hold it.
   */
  createAllocator(options?: AllocatorOptions): Allocator;
  /**
   * A live view of the bytes `view` shows. Every memory.grow detaches the old ArrayBuffer, and
   * a detached view reads as empty (length 0, byteOffset 0); for a view gomem handed out
   * (malloc, freeRest, or an earlier view()) this returns a live view of the same bytes. A view
   * that is still live is returned as it is.
   * @throws StaleViewError for a detached view gomem did not hand out (a subarray);
   * RangeError FOREIGN_POINTER for a view of other memory; Error FREED for a view already
   * freed; Error DESTROYED when its allocator was destroyed.
   */
  view(view: Uint8Array): Uint8Array;
  /** Caps the bytes all allocators of this instance may hold together; 0 removes the cap. */
  setPageLimit(bytes: number): void;
  /** Bytes all allocators of this instance hold from wasm memory now. */
  pageBytesHeld(): number;

  // The methods below work on an instance over a shared memory (init({ shared: true }) or
  // attach()); on another they throw an Error coded UNSUPPORTED. See docs/workers.md.

  /** true for an instance over a shared memory. */
  readonly shared: boolean;
  /**
   * A message for one worker, to post and pass to attach() there. It reserves a 64 KiB region
   * for the worker's stack, given back by the worker's detach() or by releaseWorker().
   * @throws RangeError NOMEM when the page limit or the memory's maximum is reached.
   */
  forWorker(): WorkerMessage;
  /**
   * Gives back the region of a worker that ended without detach(). Only once that worker runs
   * no more: the region is its stack. false (and nothing done) when it was given back already.
   */
  releaseWorker(message: WorkerMessage): boolean;
  /**
   * Leaves the shared memory (in a worker that is done): gives back this instance's region.
   * Every later call on the instance, and on the allocators, Memories and Readers made from it,
   * throws an Error coded DESTROYED. What they hold stays allocated: free it first.
   */
  detach(): void;
  /**
   * An Allocator over the C allocator another worker's allocator.share() described. It may not
   * be destroyed (only its creator may).
   * @throws TypeError INVALID_ARGUMENT for anything but such a description.
   */
  openAllocator(description: SharedAllocator): Allocator;
  /**
   * { ptr, length, stamp } of a view in the shared memory, to post to another worker (whose
   * viewOf turns it back into a view). Posting it hands the bytes on: stop using them here.
   * Sharing a view twice gives the same description.
   * @throws RangeError FOREIGN_POINTER for a view of other memory; Error FREED for bytes freed
   * through a description already; RangeError NOMEM when `sharedViews` descriptions are in flight.
   */
  share(view: Uint8Array): SharedView;
  /**
   * The view a description from share() names, over this instance's view of the memory.
   * @throws TypeError INVALID_ARGUMENT for anything else; RangeError OUT_OF_RANGE for bytes past
   * the memory's end; Error FREED when its bytes were freed through it (in any worker).
   */
  viewOf(description: SharedView): Uint8Array;
}

/**
 * The scalable allocator: a growing list of arenas that hands out views and takes back any
 * sub-range of them. After destroy() every method throws an Error coded DESTROYED.
 */
export class Allocator {
  private constructor();
  /** true once destroy() was called. */
  readonly destroyed: boolean;
  /** Largest arena (and largest borrow) in bytes, after rounding up to whole pages. */
  readonly maxBlockSize: number;
  /**
   * `size` bytes, aligned to the allocator's alignment, as a view (byteOffset is the address).
   * Their content is unspecified.
   * @throws TypeError INVALID_ARGUMENT for a non-number; RangeError INVALID_SIZE for 0,
   * negative, NaN or fractional sizes and for sizes no wasm32 memory can ever hold (above
   * 0xfffff000); RangeError NOMEM when memory cannot hold it now.
   */
  malloc(size: number): Uint8Array;
  /**
   * Frees the bytes `view` shows: a whole allocation, or any sub-range of one passed as a
   * subarray (segmented free). A view gomem handed out is freed correctly even after memory
   * growth detached it.
   * @throws Error DOUBLE_FREE when some byte is free already (a view freed, given to freeRest or
   * recycled before); RangeError FOREIGN_POINTER for a view of another allocator, instance or an
   * ordinary array, or one a RecyclableMemory handed out (recycle frees it); RangeError
   * OUT_OF_RANGE for a range past its arena; RangeError INVALID_SIZE for an empty view;
   * StaleViewError for a detached subarray; RangeError NOMEM when a middle range needs a
   * bookkeeping node and none can be had (nothing is freed then).
   */
  free(view: Uint8Array): void;
  /**
   * Free bytes lent until the next call on this allocator: not counted as allocated, not to be
   * freed (that is a DOUBLE_FREE). Not recorded, so after memory growth it is a stale view.
   * @throws as malloc; RangeError INVALID_SIZE above maxBlockSize.
   */
  borrow(size: number): Uint8Array;
  /**
   * Keeps the first `keep` bytes of `view` and frees the rest; returns the view of the kept
   * bytes (empty when keep is 0). The view passed in is used up: freeing it again is a
   * DOUBLE_FREE. keep >= view's length changes nothing and returns a live view of it.
   * @throws as free; TypeError / RangeError for a `keep` that is not a whole number >= 0.
   */
  freeRest(view: Uint8Array, keep: number): Uint8Array;
  /** Same as Gomem.view, after checking the allocator is not destroyed. */
  view(view: Uint8Array): Uint8Array;
  /** Releases arenas whose every byte is free; returns the bytes released. */
  trim(): number;
  /** The allocator's counters. */
  stats(): AllocatorStats;
  /**
   * This allocator described for another worker of the same shared memory, whose
   * gomem.openAllocator() makes an Allocator over it.
   * @throws Error UNSUPPORTED when the instance has no shared memory.
   */
  share(): SharedAllocator;
  /**
   * Releases every arena: every view it handed out becomes invalid. Calling it again (or any
   * other method) throws an Error coded DESTROYED. An allocator from openAllocator() refuses
   * with an Error coded UNSUPPORTED.
   */
  destroy(): void;
}

// --- describeMemory (js/describe.mjs) ---------------------------------------------------------

/** A free range of an arena: the bytes [start, end), as addresses in wasm memory. */
export interface FreeRange {
  /** Address of the first free byte (comparable with a view's byteOffset). */
  start: number;
  /** Address one past the last free byte. */
  end: number;
}

/** One arena of an allocator, as Allocator#describeMemory reports it. */
export interface ArenaDescription {
  /** Address of its first byte. */
  base: number;
  /** Its bytes (page-rounded). */
  size: number;
  /** A region of its own for one malloc above maxBlockSize (released when that is freed). */
  dedicated: boolean;
  /** Bytes allocated in it: size - freeBytes. */
  live: number;
  /** Bytes free in it: the sum of its free ranges. */
  freeBytes: number;
  /** Size of its largest free range (0 when it has none). */
  largestFree: number;
  /** 1 - largestFree / freeBytes (0 when nothing is free): see MemoryDescription. */
  fragmentation: number;
  /** Its free ranges in address order: sorted, disjoint, never adjacent, inside the arena. */
  free: FreeRange[];
}

/**
 * A picture of an allocator's memory (Allocator#describeMemory): every byte of `footprint` is
 * in one arena, and either live or in one free range, so live + free === footprint; live and
 * footprint equal stats().live and stats().footprint.
 */
export interface MemoryDescription {
  /** Its arenas and dedicated regions, in the order they were added. */
  arenas: ArenaDescription[];
  /** Bytes of all arenas. */
  footprint: number;
  /** Bytes allocated: footprint - free. */
  live: number;
  /** Bytes free in all arenas. */
  free: number;
  /** Number of free ranges in all arenas. */
  freeBlocks: number;
  /** The largest free range of any arena (the largest malloc that fits without growing). */
  largestFree: number;
  /**
   * 1 - largestFree / free, in [0, 1): 0 when the free bytes are one range (or none are free),
   * near 1 when they are scattered over many small ranges, so that little of the free space can
   * serve one large request. Free bytes in different arenas count as scattered too.
   */
  fragmentation: number;
}

export interface Allocator {
  /**
   * A picture of this allocator's memory: its arenas, the free ranges in each (a walk of the C
   * free-block indexes, under the allocator's lock), live and free bytes and fragmentation.
   * O(arenas + free ranges). Changes nothing in this allocator; the picture is written into the
   * module's scratch area or, when larger, a buffer from a small allocator the instance keeps for
   * it (taking that may grow wasm memory, like any allocation).
   * @throws Error DESTROYED when the allocator was destroyed; RangeError NOMEM when no buffer for
   * a large picture can be had.
   */
  describeMemory(): MemoryDescription;
}

// --- RecyclableMemory (js/recyclable.mjs) ---------------------------------------------------

export interface Allocator {
  /**
   * A recyclable memory (gomem_recyclable) over this allocator: nextN hands out views, one
   * recycle() frees them all.
   * @throws RangeError NOMEM; Error DESTROYED when the allocator was destroyed.
   */
  createRecyclable(): RecyclableMemory;
}

/**
 * Allocations recorded and freed together (GoMem's RecyclableMemory): nextN(n) returns a view
 * of n new bytes from its allocator, recycle() frees every one handed out since the last
 * recycle. Views are recorded like malloc's (gomem.view() re-derives them after memory growth).
 * Allocator#free refuses them (recycle frees them); after recycle they are freed views: free
 * throws DOUBLE_FREE, push and gomem.view throw FREED. Every method throws Error DESTROYED after
 * destroy() or after its allocator was destroyed.
 */
export class RecyclableMemory {
  private constructor();
  /** The allocator whose bytes nextN hands out. */
  readonly allocator: Allocator;
  /** true once destroy() was called or its allocator was destroyed. */
  readonly destroyed: boolean;
  /** Allocations handed out since the last recycle. */
  readonly count: number;
  /** Bytes handed out since the last recycle (what recycle() frees). */
  readonly size: number;
  /**
   * `n` new bytes (content unspecified) as a view into wasm memory; do not free it.
   * @throws TypeError INVALID_ARGUMENT for a non-number; RangeError INVALID_SIZE for 0,
   * negative, NaN or fractional sizes and for sizes no wasm32 memory can ever hold (above
   * 0xfffff000); RangeError NOMEM when memory cannot hold it now.
   */
  nextN(n: number): Uint8Array;
  /** Frees everything nextN handed out since the last recycle; returns the bytes freed. */
  recycle(): number;
  /** Recycles and frees the C struct. Idempotent. */
  destroy(): void;
}

// --- Memory and Reader (js/memory.mjs, js/reader.mjs) ---------------------------------------

export interface Allocator {
  /**
   * An empty buffer list (gomem_memory) whose own array lives in this allocator's memory (as
   * does the struct itself, at the allocator's alignment).
   * @throws RangeError NOMEM; Error DESTROYED when the allocator was destroyed.
   */
  createMemory(): Memory;
}

/**
 * A list of buffers in wasm memory (gomem_memory). push records (pointer, length) pairs and
 * copies nothing; pushBytes copies JS-heap bytes once into an allocation the Memory owns.
 * Every method throws Error DESTROYED after destroy() or after its allocator was destroyed.
 */
export class Memory implements Iterable<Uint8Array> {
  private constructor();
  /** true once destroy() was called. */
  readonly destroyed: boolean;
  /** Total bytes of all buffers. */
  readonly size: number;
  /** Number of buffers, empty ones included. */
  readonly count: number;
  /** Address of the C gomem_memory, for the raw exports. */
  readonly handle: number;
  /**
   * Fresh views of every buffer, derived from the list in wasm memory when read (live when
   * returned; stale after a later memory growth, so read `buffers` again rather than keeping them).
   */
  readonly buffers: Uint8Array[];
  /**
   * Appends a view of this instance's wasm memory without copying: one an allocator handed out
   * (found by its record even when memory growth detached it), a subarray of one, or any live
   * view. The bytes must outlive their place in the list. Returns this.
   * @throws RangeError FOREIGN_POINTER for a view of the JS heap or another instance (use
   * pushBytes); TypeError INVALID_ARGUMENT for a non-Uint8Array; Error FREED for a freed view;
   * Error DESTROYED for a view of a destroyed allocator; StaleViewError for a detached subarray;
   * RangeError NOMEM when the list cannot grow.
   */
  push(view: Uint8Array): this;
  /**
   * Copies the bytes once into a new allocation in wasm memory and appends it; the Memory owns
   * it (freed by reset, destroy, or a reader's clipFront that drops it). Empty input appends an
   * empty buffer. Returns this.
   * @throws TypeError INVALID_ARGUMENT; RangeError NOMEM.
   */
  pushBytes(bytes: ArrayBufferView | ArrayBuffer): this;
  /**
   * Appends every chunk of a ReadableStream, a Node.js Readable or an (async) iterable of byte
   * chunks (strings are UTF-8 encoded), each copied once into wasm memory. Resolves to the bytes
   * added. BYOB reading into wasm memory is impossible (its buffer cannot be transferred).
   */
  pushStream(
    stream: ReadableStream<ArrayBufferView | ArrayBuffer> | AsyncIterable<ArrayBufferView | ArrayBuffer | string> | Iterable<ArrayBufferView | ArrayBuffer>,
  ): Promise<number>;
  /** All bytes joined, copied to the JS heap. */
  toBytes(): Uint8Array;
  /** Copies the first min(size, target.length) bytes joined into target; returns how many. */
  copyTo(target: Uint8Array): number;
  /**
   * Same size, same number of buffers and equal bytes buffer by buffer (the same bytes split
   * differently are not equal).
   * @throws RangeError FOREIGN_POINTER for a Memory of another instance.
   */
  equal(other: Memory): boolean;
  /** Forgets every buffer and frees owned bytes; readers over it become invalid. */
  reset(): void;
  /** A Reader at the start, covering the current size. */
  reader(): Reader;
  /** Frees the list, owned bytes and its readers. Idempotent. */
  destroy(): void;
  /** Fresh views of the buffers in order, each derived when reached. */
  [Symbol.iterator](): Iterator<Uint8Array>;
}

/**
 * A cursor over a Memory (gomem_reader). Reads cross buffer boundaries without joining them.
 * Number reads allocate nothing; 64-bit reads return BigInts. A failed read leaves the cursor
 * where it was and throws RangeError END_OF_DATA (too few bytes) or OVERFLOW (LEB128). A reader
 * sees the bytes its Memory had when made (refresh() extends it over later pushes); the Memory's
 * reset/destroy and another reader's clipFront invalidate it: every method then throws Error
 * coded 'INVALID_READER' (or DESTROYED).
 *
 * Fixed-width reads and peeks whose bytes lie inside the current buffer (ending before its last
 * byte) are done in JS, reading and moving the C reader's cursor in wasm memory through cached
 * views: no wasm call. The rest (values across buffers, at a buffer's end, errors) call C.
 */
export class Reader {
  private constructor();
  /** Bytes left to read. */
  readonly remaining: number;
  /** Bytes read from the start of the list (unread lowers it; clipFront resets it to 0). */
  readonly offset: number;

  // Reads take the value at the cursor and move past it. Names as DataView's getters and Node's
  // Buffer (readUint32BE is Buffer's alias of readUInt32BE), no aliases; unlike Buffer's, a read
  // takes no offset: one given is a TypeError INVALID_ARGUMENT (use the peek of the same name).
  // Too few bytes left: RangeError END_OF_DATA, not moving.
  /** Reads an unsigned byte. */
  readUint8(): number;
  /** Reads a signed byte. */
  readInt8(): number;
  /** Reads an unsigned 16-bit big-endian integer. */
  readUint16BE(): number;
  /** Reads an unsigned 16-bit little-endian integer. */
  readUint16LE(): number;
  /** Reads a signed 16-bit big-endian integer. */
  readInt16BE(): number;
  /** Reads a signed 16-bit little-endian integer. */
  readInt16LE(): number;
  /** Reads an unsigned 24-bit big-endian integer. */
  readUint24BE(): number;
  /** Reads an unsigned 24-bit little-endian integer. */
  readUint24LE(): number;
  /** Reads a signed 24-bit big-endian integer. */
  readInt24BE(): number;
  /** Reads a signed 24-bit little-endian integer. */
  readInt24LE(): number;
  /** Reads an unsigned 32-bit big-endian integer. */
  readUint32BE(): number;
  /** Reads an unsigned 32-bit little-endian integer. */
  readUint32LE(): number;
  /** Reads a signed 32-bit big-endian integer. */
  readInt32BE(): number;
  /** Reads a signed 32-bit little-endian integer. */
  readInt32LE(): number;
  /** Reads an unsigned 64-bit big-endian integer (BigInt). */
  readBigUint64BE(): bigint;
  /** Reads an unsigned 64-bit little-endian integer (BigInt). */
  readBigUint64LE(): bigint;
  /** Reads a signed 64-bit big-endian integer (BigInt). */
  readBigInt64BE(): bigint;
  /** Reads a signed 64-bit little-endian integer (BigInt). */
  readBigInt64LE(): bigint;

  // Peeks read what the read of the same name would, without moving. `offset` (default 0) is in
  // bytes ahead of the cursor: peekUint32BE(4) is the 4 bytes after the next 4, as bl's
  // readUInt32BE(4) or uint8arraylist's getUint32(4) on a list consumed up to the cursor. Out of
  // range (offset + width > remaining) is RangeError END_OF_DATA, as for reads; a non-number
  // offset TypeError INVALID_ARGUMENT, a negative or fractional one RangeError INVALID_SIZE.
  // With no offset a peek is as fast as a read; with one, O(buffers between the cursor and
  // the value), done in JS.
  /** The unsigned byte `offset` bytes ahead, not moving. */
  peekUint8(offset?: number): number;
  /** The signed byte `offset` bytes ahead, not moving. */
  peekInt8(offset?: number): number;
  /** The unsigned 16-bit big-endian integer `offset` bytes ahead, not moving. */
  peekUint16BE(offset?: number): number;
  /** The unsigned 16-bit little-endian integer `offset` bytes ahead, not moving. */
  peekUint16LE(offset?: number): number;
  /** The signed 16-bit big-endian integer `offset` bytes ahead, not moving. */
  peekInt16BE(offset?: number): number;
  /** The signed 16-bit little-endian integer `offset` bytes ahead, not moving. */
  peekInt16LE(offset?: number): number;
  /** The unsigned 24-bit big-endian integer `offset` bytes ahead, not moving. */
  peekUint24BE(offset?: number): number;
  /** The unsigned 24-bit little-endian integer `offset` bytes ahead, not moving. */
  peekUint24LE(offset?: number): number;
  /** The signed 24-bit big-endian integer `offset` bytes ahead, not moving. */
  peekInt24BE(offset?: number): number;
  /** The signed 24-bit little-endian integer `offset` bytes ahead, not moving. */
  peekInt24LE(offset?: number): number;
  /** The unsigned 32-bit big-endian integer `offset` bytes ahead, not moving. */
  peekUint32BE(offset?: number): number;
  /** The unsigned 32-bit little-endian integer `offset` bytes ahead, not moving. */
  peekUint32LE(offset?: number): number;
  /** The signed 32-bit big-endian integer `offset` bytes ahead, not moving. */
  peekInt32BE(offset?: number): number;
  /** The signed 32-bit little-endian integer `offset` bytes ahead, not moving. */
  peekInt32LE(offset?: number): number;
  /** The unsigned 64-bit big-endian integer (BigInt) `offset` bytes ahead, not moving. */
  peekBigUint64BE(offset?: number): bigint;
  /** The unsigned 64-bit little-endian integer (BigInt) `offset` bytes ahead, not moving. */
  peekBigUint64LE(offset?: number): bigint;
  /** The signed 64-bit big-endian integer (BigInt) `offset` bytes ahead, not moving. */
  peekBigInt64BE(offset?: number): bigint;
  /** The signed 64-bit little-endian integer (BigInt) `offset` bytes ahead, not moving. */
  peekBigInt64LE(offset?: number): bigint;

  /**
   * Unsigned LEB128 as a Number.
   * @throws RangeError OVERFLOW (not moving) when the value is above Number.MAX_SAFE_INTEGER
   * (use readBigLEB128), or the encoding is longer than 10 bytes / needs more than 64 bits.
   */
  readLEB128(): number;
  /** Unsigned LEB128 (up to 64 bits) as a BigInt. */
  readBigLEB128(): bigint;

  /** The next n bytes copied to the JS heap, moving past them. */
  readBytes(n: number): Uint8Array;
  /**
   * The n bytes starting `offset` bytes after the cursor (default 0), copied to the JS heap, not
   * moving (bl's and uint8arraylist's slice(offset, offset + n)).
   * @throws RangeError END_OF_DATA when offset + n > remaining.
   */
  peekBytes(n: number, offset?: number): Uint8Array;
  /** Fills target with the next target.length bytes and moves past them; returns target. */
  readInto(target: Uint8Array): Uint8Array;
  /**
   * The next n bytes as a view into wasm memory (zero-copy, gomem_reader_read_view), moving past
   * them, when they lie in one buffer; null, moving nothing, when they straddle buffers (C's
   * GOMEM_ERR_STRADDLE). Copy those with readBytes: `reader.readView(n) ?? reader.readBytes(n)`.
   * The view lives as long as its bytes (until reset, destroy, or a clipFront that frees them)
   * and is not recorded: it goes stale at the next memory growth. n 0 gives an empty view.
   * @throws RangeError END_OF_DATA (not moving) when fewer than n bytes remain.
   */
  readView(n: number): Uint8Array | null;
  /** Moves forward n bytes. @throws RangeError END_OF_DATA when fewer remain. */
  skip(n: number): void;
  /** Moves back n bytes. @throws TypeError INVALID_ARGUMENT (not moving) when n > offset. */
  unread(n: number): void;
  /** Marks everything read. */
  moveToEnd(): void;
  /** Extends the reader over bytes pushed since it was made or refreshed. */
  refresh(): void;
  /**
   * Visits the remaining bytes a buffer's worth at a time as views into wasm memory, the cursor
   * already past each; returning exactly false stops. fn must not change the Memory or reader
   * or grow memory. Returns the bytes moved over.
   */
  range(fn: (view: Uint8Array) => boolean | void): number;
  /** As range over at most the next n bytes. */
  rangeN(n: number, fn: (view: Uint8Array) => boolean | void): number;
  /**
   * Drops what was read from the front of the Memory; offset becomes 0 and reading continues.
   * Owned (pushBytes) bytes are freed as they are dropped; other dropped pieces go to release.
   * Other readers over the Memory become invalid.
   */
  clipFront(release?: (view: Uint8Array) => void): void;
  /** Frees the C reader. Idempotent. */
  destroy(): void;
}
