// Types of gomem-wasm's JS wrapper (js/index.mjs). Every buffer is a Uint8Array view into the
// wasm instance's linear memory: byteOffset is the C pointer, length the size.

/** Where init() finds gomem.wasm. */
export interface InitOptions {
  /**
   * The module's bytes, a compiled module, or where to load it from. A URL or string is fetched
   * (instantiateStreaming when the server sends application/wasm, arrayBuffer + instantiate
   * otherwise); in Node.js a file: URL or a plain path is read from disk. Default: gomem.wasm
   * beside index.mjs.
   */
  wasm?: ArrayBuffer | ArrayBufferView | WebAssembly.Module | URL | string;
}

/**
 * Loads and starts a gomem.wasm instance. Each call makes a new instance with its own memory;
 * views of one instance are foreign to every other.
 * @throws TypeError (code INVALID_ARGUMENT) for a bad `wasm`; Error when the module's struct
 * layout does not match this wrapper or an HTTP fetch fails; WebAssembly.CompileError for bytes
 * that are not a wasm module.
 */
export function init(options?: InitOptions): Promise<Gomem>;

/** Options of a scalable allocator (gomem_allocator_options); 0 or absent means the default. */
export interface AllocatorOptions {
  /** First arena's size in bytes (default 16 KiB); arenas then double. */
  initialSize?: number;
  /**
   * Largest arena in bytes, at least the page size 4096, rounded up to whole pages (default
   * 4 MiB). A larger malloc gets a region of its own; borrow lends at most this much.
   */
  maxBlockSize?: number;
  /** Alignment of every allocation: a power of two up to 4096 (default 8). */
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
}

/**
 * Status names of the C library (gomem_status_name) plus the wrapper's own codes. Errors the
 * wrapper throws are built-in kinds with this `.code`: RangeError for NOMEM, INVALID_SIZE,
 * FOREIGN_POINTER, OUT_OF_RANGE; TypeError for INVALID_ARGUMENT; Error for DOUBLE_FREE,
 * DESTROYED and FREED; StaleViewError for STALE_VIEW.
 */
export type GomemErrorCode =
  | 'NOMEM' | 'INVALID_ARGUMENT' | 'INVALID_SIZE' | 'FOREIGN_POINTER' | 'OUT_OF_RANGE'
  | 'DOUBLE_FREE' | 'END_OF_DATA' | 'OVERFLOW' | 'STRADDLE' | 'UNSUPPORTED'
  | 'STALE_VIEW' | 'DESTROYED' | 'FREED';

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
  /** The instance's memory: every view gomem hands out is a view of its buffer. */
  readonly memory: WebAssembly.Memory;
  /** The module's raw exports, for the parts of the C API not wrapped yet. */
  readonly exports: WebAssembly.Exports;
  /**
   * A new scalable allocator.
   * @throws TypeError / RangeError (INVALID_ARGUMENT, INVALID_SIZE) for bad options;
   * RangeError NOMEM when memory cannot grow to hold it.
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
   * negative, NaN or fractional sizes; RangeError NOMEM when memory cannot hold it.
   */
  malloc(size: number): Uint8Array;
  /**
   * Frees the bytes `view` shows: a whole allocation, or any sub-range of one passed as a
   * subarray (segmented free). A view gomem handed out is freed correctly even after memory
   * growth detached it.
   * @throws Error DOUBLE_FREE when some byte is free already; RangeError FOREIGN_POINTER for a
   * view of another allocator, instance or an ordinary array; RangeError OUT_OF_RANGE for a
   * range past its arena; RangeError INVALID_SIZE for an empty view; StaleViewError for a
   * detached subarray; RangeError NOMEM when a middle range needs a bookkeeping node and none
   * can be had (nothing is freed then).
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
   * Releases every arena: every view it handed out becomes invalid. Calling it again (or any
   * other method) throws an Error coded DESTROYED.
   */
  destroy(): void;
}
