// index.mjs - the entry of the gomem-wasm package: loads gomem.wasm (the freestanding module
// built by scripts/build-wasm-module.sh) and wraps its scalable allocator in JS classes whose
// buffers are Uint8Array views into the module's linear memory.
//
// Invariants this file keeps (docs/design.md, D4):
//   - every view the wrapper hands out as an owned buffer is recorded with the (pointer, length)
//     it shows, because a memory.grow detaches the ArrayBuffer under it and a detached view reads
//     byteOffset 0 and length 0: the record is the only place its bytes are still known;
//   - every ArrayBuffer ever taken from the memory is remembered, so a view whose buffer is one
//     of ours but no longer the current one is known to be stale (an error), and a view of any
//     other buffer is known to be foreign (an error), never confused with live bytes;
//   - no view is created before a call that may grow memory and used after it: C calls run
//     first, views are made from memory.buffer afterwards.
// No top-level await, so `require()` of this ES module works where Node.js has require(esm)
// (20.19+, 22.12+); js/index.cjs, the package's "require" entry, covers every Node.js 20+.

import { StaleViewError, checkCount, checkSize, codedError, freedHow, statusError }
  from './errors.mjs';

export { StaleViewError } from './errors.mjs';

import { createMemory } from './memory.mjs';
export { Memory } from './memory.mjs';
export { Reader } from './reader.mjs';

import { describeMemory } from './describe.mjs';

import { RecyclableMemory, createRecyclable } from './recyclable.mjs';
export { RecyclableMemory } from './recyclable.mjs';

import { addDescription, checkDescription, checkSharedSupport, checkWorkerMessage, claimRegion,
  createDescriptionTable, createSharedMemory, enter, freedDescription, releaseRegion, retire,
  sharedImports, tableFull, workerMessage } from './shared.mjs';

// The structs the wrapper reads or writes in wasm memory and the fields it uses, in the order of
// gomem_wasm_layout() (src/wasm_exports.c): a count byte, then per struct its size and the offset
// of each field, one byte each. Only the field widths are known here (pointers and size_t are 4
// bytes on wasm32, the stats totals uint64_t; a gomem_recyclable holds a whole gomem_memory):
// every size and offset is the module's, as runtime.layout ({ buf: { bytes, data, len }, ... }).
// A struct the wrapper writes through the scratch area (options, stats) must fit in it.
const LAYOUT = {
  buf: { data: 4, len: 4 },
  memory: { buffers: 4, count: 4, size: 4 },
  reader: { bufIndex: 4, bufOffset: 4, length: 4, position: 4 },
  recyclable: { memory: 'memory' },
  stats: {
    totalMalloc: 8, totalFree: 8, live: 4, footprint: 4, peakFootprint: 4, arenaCount: 4,
    metadata: 4, peakLive: 4,
  },
  options: { initialSize: 4, maxBlockSize: 4, alignment: 4, buddy: 4, compact: 1 },
  arenaInfo: { base: 4, size: 4, freeBytes: 4, dedicated: 1 },
  pageInfo: { pageSize: 4 },
  scratch: {},
};
// The limits that follow the layout in gomem_wasm_layout(), 32-bit each, in this order
// (GOMEM_ARENA_LIMIT, GOMEM_DEFAULT_MAX_BLOCK, GOMEM_DEFAULT_ALIGNMENT and GOMEM_MAX_ALIGNMENT of
// gomem.h), as runtime.limits. The C library decides; the wrapper words its messages with them.
// Then memoryPagesAt: where the shared module keeps the memory's page count (0 in the others;
// js/views.mjs).
const LIMITS = ['arenaLimit', 'defaultMaxBlock', 'defaultAlignment', 'maxAlignment',
  'memoryPagesAt'];

const IN_NODE = typeof process === 'object' && typeof process.versions?.node === 'string';
const utf8 = new TextDecoder();

/**
 * Loads and starts a gomem.wasm instance. Each call makes a new instance with its own memory.
 *   wasm           the module to use instead of gomem.wasm beside this file (bundlers): bytes,
 *                  a WebAssembly.Module, a fetch Response, or a URL or path to fetch or read
 *   hardened       load gomem.hardened.wasm (GOMEM_HARDENED: a free across two allocations is
 *                  SPANS_ALLOCATIONS, freed bytes are filled with 0xDF); ignored when `wasm` is
 *                  given
 *   initialMemory  bytes to grow memory by at once, so allocations up to that total never
 *                  grow it later (no growth, no stale views)
 *   maximumMemory  most bytes the instance's allocators may take from wasm memory (the page
 *                  limit; gomem's own code, data and stack, about 70 KiB, come on top)
 *   shared         load gomem.shared.wasm over a new shared memory that Web Workers (or
 *                  worker_threads) join with attach(gomem.forWorker()) (docs/workers.md);
 *                  maximumMemory is then also the memory's declared maximum
 *   sharedViews    with shared: how many descriptions from share() may be in flight at once,
 *                  in all workers together (default 4096)
 * @returns {Promise<Gomem>}
 */
export async function init(options = {}) {
  if (options === null || typeof options !== 'object') {
    throw codedError(TypeError, 'INVALID_ARGUMENT', 'init(options): options must be an object');
  }
  const { wasm, hardened = false, shared = false, initialMemory = 0, maximumMemory = 0,
    sharedViews = 4096 } = options;
  for (const [name, value] of [['hardened', hardened], ['shared', shared]]) {
    if (typeof value !== 'boolean') {
      throw codedError(TypeError, 'INVALID_ARGUMENT', `init({ ${name} }): ${name} must be a ` +
        `boolean, got ${typeof value}`);
    }
  }
  if (hardened && shared) {
    throw codedError(TypeError, 'INVALID_ARGUMENT', 'init: there is no hardened shared-memory ' +
      'module; pass hardened or shared, not both');
  }
  if (shared) checkSharedSupport('init({ shared: true })');
  if (checkCount(sharedViews, 'init({ sharedViews })', 1) > 1 << 20) {
    throw codedError(RangeError, 'INVALID_SIZE', 'init({ sharedViews }): at most 1048576');
  }
  checkCount(initialMemory, 'init({ initialMemory })');
  checkCount(maximumMemory, 'init({ maximumMemory })');
  if (initialMemory > MEMORY_LIMIT || maximumMemory > MEMORY_LIMIT) {
    throw codedError(RangeError, 'INVALID_SIZE', 'init: initialMemory and maximumMemory are at ' +
      `most ${MEMORY_LIMIT} bytes (wasm32 addresses 4 GiB)`);
  }
  if (maximumMemory !== 0 && initialMemory > maximumMemory) {
    throw codedError(RangeError, 'INVALID_SIZE', `init: initialMemory (${initialMemory}) is ` +
      `more than maximumMemory (${maximumMemory})`);
  }
  const file = shared ? 'gomem.shared.wasm' : hardened ? 'gomem.hardened.wasm' : 'gomem.wasm';
  const module = await loadModule(wasm ?? undefined, file);
  let runtime;
  if (shared) {
    const memory = createSharedMemory(maximumMemory);
    const { exports } = await WebAssembly.instantiate(module, sharedImports(memory));
    runtime = new Runtime(exports, memory, { module, region: enter(exports, 0), state: null,
      descriptions: createDescriptionTable(sharedViews) });
  } else {
    runtime = new Runtime((await WebAssembly.instantiate(module, {})).exports);
  }
  if (maximumMemory !== 0) runtime.exports.gomem_set_page_limit(maximumMemory);
  // Above the arena limit the request cannot be one region of wasm32 memory (nor a 32-bit
  // size_t): never, so INVALID_SIZE; a refusal below it is NOMEM.
  const { arenaLimit } = runtime.limits;
  if (initialMemory > arenaLimit) {
    throw codedError(RangeError, 'INVALID_SIZE', `init({ initialMemory: ${initialMemory} }): ` +
      `more than any wasm32 memory can hold besides gomem's own code and data (at most ` +
      `${arenaLimit} bytes)`);
  }
  if (initialMemory !== 0 && !runtime.exports.gomem_wasm_reserve(initialMemory)) {
    throw codedError(RangeError, 'NOMEM', `init({ initialMemory: ${initialMemory} }): wasm ` +
      'memory cannot grow that far (the engine refused, or maximumMemory is lower)');
  }
  return new Gomem(runtime);
}

/**
 * Joins, in a worker, the shared memory of an init({ shared: true }) instance: `message` is what
 * its gomem.forWorker() returned, posted to this worker. Resolves to a Gomem over the same
 * memory and heap (docs/workers.md).
 * @returns {Promise<Gomem>}
 */
export async function attach(message) {
  checkSharedSupport('attach');
  const { module, memory, region, state, descriptions } = checkWorkerMessage(message, 'attach');
  claimRegion(message);
  const { exports } = await WebAssembly.instantiate(module, sharedImports(memory));
  return new Gomem(new Runtime(exports, memory,
    { module, region: enter(exports, region), state, descriptions }));
}

// wasm32 memory: 65536 pages of 64 KiB.
const MEMORY_LIMIT = 2 ** 32;
// gomem_features() bit of GOMEM_HARDENED builds (gomem.h).
const FEATURE_HARDENED = 64;

// --- loading -----------------------------------------------------------------------------------
//
// Where init() gets the module (docs/js.md, "Bundlers"):
//   - init({ wasm }): those bytes, that WebAssembly.Module or fetch Response, or that URL or path
//     (fetched; in Node.js a path or file: URL is read from disk);
//   - by default gomem.wasm (or gomem.hardened.wasm) beside this file, named by a literal
//     `new URL('./gomem.wasm', import.meta.url)`: the pattern Vite, webpack 5 and Parcel detect,
//     emitting the file and rewriting the URL to it. Browsers fetch it; Node.js reads it, and where
//     it is missing (a bundle that carried this file away without the wasm: esbuild, a Vite SSR
//     build) or there is no import.meta.url (cjs output), takes the copy in the installed
//     gomem-wasm package (js/load-node.mjs);
//   - otherwise an Error coded WASM_NOT_FOUND that says what to pass.
// Reading files is in js/load-node.mjs, imported as `#load` (package.json "imports": the "node"
// condition; js/load-browser.mjs, which has no file system, everywhere else) and only when running
// in Node.js: a browser bundle never reaches a `node:` import, and a browser loading this file
// unbundled never imports `#load` (a bare specifier it could not resolve).

// What init() takes instead, for every message about a module that cannot be found or fetched.
const PASS_WASM = 'pass init({ wasm }) with its bytes (ArrayBuffer or Uint8Array, e.g. ' +
  "`import wasm from 'gomem-wasm/gomem.wasm'` through a binary loader), a WebAssembly.Module, " +
  'a fetch Response, or a URL or path to it';

// The compiled module from `source` (init's `wasm`), or the package's own `file` when it is
// undefined. The default and hardened modules import nothing; the shared one imports its memory.
async function loadModule(source, file) {
  if (source === undefined) return loadDefaultModule(file);
  if (source instanceof WebAssembly.Module) return source;
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) return compileBytes(source);
  if (typeof Response === 'function' && source instanceof Response) {
    return responseModule(source, source.url || 'the Response given', null);
  }
  if (typeof source === 'string' || source instanceof URL) {
    const url = IN_NODE ? nodeUrl(source) : source;
    if (IN_NODE && (url === null || url.protocol === 'file:')) {
      const load = await import('#load');
      const bytes = await load.readModule(url ?? source);
      if (bytes === null) throw noFileSystem(String(source));
      return compileBytes(bytes);
    }
    return fetchModule(url, null);
  }
  throw codedError(TypeError, 'INVALID_ARGUMENT',
    'init({ wasm }): wasm must be the bytes of gomem.wasm (ArrayBuffer or Uint8Array), a ' +
    'WebAssembly.Module, a fetch Response, or a URL or path to gomem.wasm');
}

// The package's own module. Each URL is written out in full: bundlers detect only
// `new URL('<literal>', import.meta.url)`.
async function loadDefaultModule(file) {
  let url = null;
  try {
    if (file === 'gomem.shared.wasm') {
      url = new URL('./gomem.shared.wasm', import.meta.url);
    } else if (file === 'gomem.hardened.wasm') {
      url = new URL('./gomem.hardened.wasm', import.meta.url);
    } else {
      url = new URL('./gomem.wasm', import.meta.url);
    }
  } catch {
    // No import.meta.url: esbuild's iife and cjs output leave import.meta empty.
  }
  if (IN_NODE && (url === null || url.protocol === 'file:')) {
    const load = await import('#load');
    const found = await load.readDefaultModule(url, file);
    if (found.bytes !== undefined) return compileBytes(found.bytes);
    if (!load.canReadFiles) throw noFileSystem(file);
    const tried = found.tried.length > 0 ? ` (tried ${found.tried.join(', ')})` : '';
    const where = url === null ? 'no import.meta.url names the file beside this script (cjs ' +
      'output), and no installed gomem-wasm package has it' : 'it is neither beside the script ' +
      'nor in an installed gomem-wasm package';
    throw notFound(`gomem-wasm: cannot find ${file}: ${where}${tried}. A bundler carried ` +
      `gomem-wasm's JS away without its wasm: ` +
      `copy node_modules/gomem-wasm/js/${file} beside the bundle, keep gomem-wasm external ` +
      `(not bundled), or ${PASS_WASM}`);
  }
  if (url === null) {
    throw notFound(`gomem-wasm: cannot locate ${file}: this script has no import.meta.url (a ` +
      `bundle in iife or cjs format), so nothing names the file beside it; ${PASS_WASM}, e.g. ` +
      `the URL of 'gomem-wasm/${file}' that a file loader gives (esbuild --loader:.wasm=file)`);
  }
  return fetchModule(url, file);
}

// In Node.js a string is a file path unless it names a scheme fetch or fs understands; checking
// the scheme (not just "parses as a URL") keeps Windows paths like C:\x\gomem.wasm as paths.
function nodeUrl(source) {
  if (source instanceof URL) return source;
  return /^(https?|file|data|blob):/i.test(source) ? new URL(source) : null;
}

function compileBytes(bytes) { return WebAssembly.compile(bytes); }

// `file` is the default module's name when fetching that one, null for a URL the caller gave.
async function fetchModule(url, file) {
  let response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw notFound(`gomem-wasm: fetching ${url} failed (${error.message}); ${fetchHint(file)}`,
      error);
  }
  return responseModule(response, url, file);
}

async function responseModule(response, url, file) {
  if (!response.ok) {
    throw notFound(`gomem-wasm: fetching ${url} failed with HTTP ${response.status} ` +
      `${response.statusText}; ${fetchHint(file)}`);
  }
  // compileStreaming compiles while downloading, but rejects any Content-Type other than
  // exactly application/wasm; servers that send another type still get the bytes compiled.
  const type = response.headers.get('content-type')?.trim().toLowerCase();
  if (type === 'application/wasm' && typeof WebAssembly.compileStreaming === 'function') {
    return WebAssembly.compileStreaming(response);
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  // A server's page for a missing file (an SPA fallback, a dev server's index.html) comes with
  // status 200: say so rather than let the compiler complain about a magic number.
  if (!(bytes[0] === 0 && bytes[1] === 0x61 && bytes[2] === 0x73 && bytes[3] === 0x6d)) {
    throw notFound(`gomem-wasm: ${url} is not a wasm module (Content-Type ${type ?? 'none'}, ` +
      `${bytes.length} bytes: a server's page for a missing file?); ${fetchHint(file)}`);
  }
  return compileBytes(bytes);
}

function fetchHint(file) {
  if (file === null) return `check the URL, or ${PASS_WASM}`;
  return `serve ${file} there (bundlers that do not emit it, like esbuild, need ` +
    `node_modules/gomem-wasm/js/${file} copied beside the bundle), or ${PASS_WASM}`;
}

function noFileSystem(what) {
  return notFound(`gomem-wasm: cannot read ${what}: this copy of gomem-wasm was bundled without ` +
    'the "node" condition (for browsers), so it has no file system; bundle it for Node.js ' +
    `(esbuild --platform=node, a Vite SSR build), or ${PASS_WASM}`);
}

function notFound(message, cause) {
  const error = codedError(Error, 'WASM_NOT_FOUND', message);
  if (cause !== undefined) error.cause = cause;
  return error;
}

// --- the instance: memory, views, statuses -----------------------------------------------------

// The record of a view the wrapper handed out: { ptr, len, owner, freed, runtime }. A re-derived
// view shares its original's record, so a free through either marks both. `owner` is the
// Allocator or RecyclableMemory that handed the view out (its `destroyed` says whether the bytes
// still exist); `freed` is false, or how the bytes were given back: 'free', 'freeRest' or
// 'recycle'. `runtime` is the instance whose memory the bytes are in: views of other instances
// carry records too, and are foreign to this one.
//
// The record is kept in a private field of the view itself, added by a constructor that returns
// the object it is given (a subclass's fields are then defined on that object): invisible to
// users (not a property, not copied by subarray), and found by `#record in view`. A WeakMap from
// view to record did the same, but made malloc+free about 7 times slower (600-700 ns against
// 80-90 ns in bench/js/alloc.mjs): WeakMap.set is slow and every entry is an ephemeron the GC
// must process.
class ReturnsItsArgument {
  constructor(object) {
    return object; // the subclass then defines its fields on `object`
  }
}

class RecordedView extends ReturnsItsArgument {
  #record;

  /** Adds the record to `view` (a view that has none: each view is recorded once). */
  static record(view, record) {
    new RecordedView(view, record); // adds #record to `view`; the result is `view` itself
    return view;
  }

  /** The record of a view, or undefined for a view the wrapper did not hand out. */
  static of(view) { return #record in view ? view.#record : undefined; }

  constructor(view, record) {
    super(view);
    this.#record = record;
  }
}

/**
 * Internal state of one wasm instance, shared by the Gomem facade and its allocators. `shared`
 * is null, or for an instance over a shared memory { module, region, state, descriptions }: the
 * compiled module (for forWorker), the region this instance entered (its stack and
 * thread-locals), in an attached worker the state cell of the message it came in, and the table
 * of descriptions in flight every instance of the memory shares (js/shared.mjs).
 */
class Runtime {
  #seenBuffers = new WeakSet();
  #currentBuffer = null;

  constructor(exports, memory = exports.memory, shared = null) {
    this.exports = exports;
    this.wasmMemory = memory;
    this.shared = shared;
    // Shared instances only: the `life` of every live Allocator (and so of its Memories and
    // Readers), marked destroyed when the instance detaches, since their calls would then run
    // C code on a stack given back.
    this.lives = shared === null ? null : new Set();
    // Where the engine has it, a resizable buffer grows with the memory instead of being
    // detached, so views never go stale. It needs a maximum, which the module declares (4 GiB);
    // should an engine still refuse, buffers detach as without the method, which this file
    // handles anyway.
    if (typeof this.wasmMemory.toResizableBuffer === 'function') {
      try {
        this.wasmMemory.toResizableBuffer();
      } catch {
        // keep the fixed-length buffers
      }
    }
    const layoutAt = exports.gomem_wasm_layout() >>> 0;
    this.layout = readLayout(new Uint8Array(this.buffer()), layoutAt);
    this.limits = readLimits(this.buffer(), layoutAt);
    this.status = statusNumbers(exports, (ptr) => this.cString(ptr));
    this.scratch = exports.gomem_wasm_scratch() >>> 0;
    this.pageSize = this.u32((exports.gomem_page_source() >>> 0) + this.layout.pageInfo.pageSize);
  }

  /** The memory's current ArrayBuffer, remembered as ours. */
  buffer() {
    const buffer = this.wasmMemory.buffer;
    if (buffer !== this.#currentBuffer) {
      this.#seenBuffers.add(buffer);
      this.#currentBuffer = buffer;
    }
    return buffer;
  }

  bytes(ptr, len) { return new Uint8Array(this.buffer(), ptr, len); }

  /** The 32-bit field (pointer or size_t) at byte address `ptr`, whatever its alignment. */
  u32(ptr) { return new DataView(this.buffer()).getUint32(ptr >>> 0, true); }

  /** Sets the 32-bit field at byte address `ptr`. */
  setU32(ptr, value) { new DataView(this.buffer()).setUint32(ptr >>> 0, value, true); }
  setU8(ptr, value) { new DataView(this.buffer()).setUint8(ptr >>> 0, value); }

  cString(ptr) {
    const bytes = new Uint8Array(this.buffer(), ptr);
    // slice, not subarray: TextDecoder refuses views of a resizable buffer (toResizableBuffer).
    return utf8.decode(bytes.slice(0, bytes.indexOf(0)));
  }

  /** The error for a non-OK status number, `action` saying what was being done. */
  fail(status, action) {
    const { gomem_status_name: name, gomem_status_message: message } = this.exports;
    return statusError(this.cString(name(status) >>> 0), this.cString(message(status) >>> 0),
      action);
  }

  /**
   * A view of bytes an owner handed out, recorded so it can be found after memory grows. An
   * owner that frees its views all at once (RecyclableMemory) passes `records`, an array the
   * new record is appended to, so it can mark them freed.
   */
  hand(ptr, len, owner, records) {
    const record = { ptr, len, owner, freed: false, runtime: this };
    if (records !== undefined) records.push(record);
    return RecordedView.record(this.bytes(ptr, len), record);
  }

  /**
   * Where a view's bytes are: its record when the wrapper handed it out (even if stale), else
   * its byteOffset and length while its buffer is the live one. `record` is undefined for views
   * the caller made (subarray), which the wrapper can only read while they are live.
   */
  locate(view, action) {
    if (!(view instanceof Uint8Array)) {
      throw codedError(TypeError, 'INVALID_ARGUMENT', `${action}: expected a Uint8Array view ` +
        'handed out by gomem (or a subarray of one)');
    }
    const record = RecordedView.of(view);
    if (record !== undefined && record.runtime === this) {
      return { ptr: record.ptr, len: record.len, record };
    }
    if (view.buffer === this.buffer()) return { ptr: view.byteOffset, len: view.length };
    // A SharedArrayBuffer never detaches: a view of an earlier one still shows its bytes.
    if (this.shared !== null && this.#seenBuffers.has(view.buffer)) {
      return { ptr: view.byteOffset, len: view.length };
    }
    if (this.#seenBuffers.has(view.buffer)) {
      throw new StaleViewError(`${action}: this view is stale - wasm memory grew and detached ` +
        'its ArrayBuffer, so it now reads as empty. It was made outside gomem (e.g. with ' +
        'subarray), so its bytes cannot be recovered from it: call gomem.view(v) on the view ' +
        'gomem handed out, then take the subarray again from the live view it returns.');
    }
    throw statusError('FOREIGN_POINTER', 'the view is not inside this gomem instance\'s memory',
      `${action}(a view of ${view.length} bytes)`);
  }

  /** A live view of the same bytes as `view` (see Gomem.view). */
  view(view) {
    const { ptr, len, record } = this.locate(view, 'view');
    if (record === undefined) return view;
    if (record.owner?.destroyed) {
      throw destroyedError('view: the allocator (or RecyclableMemory) that handed out this view ' +
        'was destroyed');
    }
    if (record.freed) {
      throw codedError(Error, 'FREED', `view: this view was ${freedHow(record)}; its bytes are ` +
        'no longer yours');
    }
    if (view.buffer === this.buffer() || this.shared !== null) return view;
    return RecordedView.record(this.bytes(ptr, len), record);
  }

  /**
   * A view of described bytes (viewOf), recorded with the description's stamp so that a free
   * through it retires the description first (retireFor). No owner: any allocator of the
   * memory may hold them, and C says FOREIGN_POINTER for a wrong one.
   */
  handDescribed(buffer, ptr, len, stamp) {
    const record = { ptr, len, owner: null, freed: false, runtime: this, stamp };
    return RecordedView.record(new Uint8Array(buffer, ptr, len), record);
  }

  /**
   * Before bytes are freed through a view: when it was described (share, viewOf), retires the
   * description, and throws FREED when another view of it freed them already. Returns what
   * undoes that when the free then fails (the description is put back).
   */
  retireFor(record, action) {
    const stamp = record?.stamp;
    if (stamp === undefined) return () => {};
    const table = this.shared.descriptions;
    if (!retire(table, record.ptr, stamp)) throw freedDescription(action, record.ptr, record.len);
    return () => addDescription(table, record.ptr, record.len, stamp);
  }

  /** After detach(): every later call into the module is refused. */
  detach() {
    const refuse = () => {
      throw destroyedError('this instance detached from the shared memory (gomem.detach())');
    };
    this.exports = new Proxy({}, { get: refuse });
    for (const life of this.lives) life.destroyed = true;
  }
}

// runtime.layout from the bytes of gomem_wasm_layout() at `ptr` (see LAYOUT), after checking
// what the wrapper relies on: the module lists exactly these entries, each field lies inside its
// struct and overlaps no other, and what goes through the scratch area fits in it. A module
// built from other sources is refused here, at init.
function readLayout(memory, ptr) {
  const names = Object.entries(LAYOUT).flatMap(([struct, fields]) =>
    [[struct, 'bytes'], ...Object.keys(fields).map((field) => [struct, field])]);
  const refuse = (what) => {
    throw new Error(`gomem-wasm: gomem.wasm does not match this wrapper (${what}); rebuild it ` +
      'from the same sources with scripts/build-wasm-module.sh');
  };
  if (memory[ptr] !== names.length) {
    refuse(`its struct layout has ${memory[ptr]} entries, expected ${names.length}`);
  }
  const layout = {};
  names.forEach(([struct, field], i) => {
    layout[struct] ??= {};
    layout[struct][field] = memory[ptr + 1 + i];
  });
  const wrong = [];
  for (const [struct, fields] of Object.entries(LAYOUT)) {
    const { bytes } = layout[struct];
    const spans = Object.entries(fields).map(([field, width]) => {
      const at = layout[struct][field];
      const end = at + (typeof width === 'string' ? layout[width].bytes : width);
      if (end > bytes) wrong.push(`${struct}.${field} at ${at} runs past its ${bytes} bytes`);
      return [field, at, end];
    });
    for (const [field, at, end] of spans) {
      const other = spans.find(([name, from, to]) => name !== field && from < end && at < to);
      if (other !== undefined && field < other[0]) {
        wrong.push(`${struct}.${field} and ${struct}.${other[0]} overlap`);
      }
    }
  }
  // Options go in with the status of gomem_allocator_create_ex after them (statusSlot).
  const throughScratch = [['options', statusSlot(layout) + 4], ['stats', layout.stats.bytes]];
  for (const [struct, bytes] of throughScratch) {
    if (bytes > layout.scratch.bytes) {
      wrong.push(`${struct} (${bytes} bytes) does not fit in the scratch area ` +
        `(${layout.scratch.bytes})`);
    }
  }
  if (wrong.length > 0) refuse(wrong.join(', '));
  return layout;
}

// Where in the scratch area gomem_allocator_create_ex writes its status: the first 4-aligned byte
// after the options.
function statusSlot(layout) { return Math.ceil(layout.options.bytes / 4) * 4; }

// runtime.limits from gomem_wasm_layout() at `ptr` (see LIMITS): they start at the first 4-aligned
// byte after the count byte and the layout entries.
function readLimits(buffer, ptr) {
  const view = new DataView(buffer);
  const at = Math.ceil((ptr + 1 + new Uint8Array(buffer)[ptr]) / 4) * 4;
  return Object.fromEntries(LIMITS.map((name, i) => [name, view.getUint32(at + 4 * i, true)]));
}

// Status name -> number, read from the module so the wrapper never hard-codes the numbering.
function statusNumbers(exports, cString) {
  const numbers = {};
  for (let status = 0; ; status++) {
    const name = cString(exports.gomem_status_name(status) >>> 0);
    if (name === 'UNKNOWN') return numbers;
    numbers[name] = status;
  }
}

function destroyedError(message) {
  return codedError(Error, 'DESTROYED', `${message}; create a new one with gomem.createAllocator()`);
}

const hex = (ptr) => `0x${ptr.toString(16)}`;

// --- public classes ----------------------------------------------------------------------------

/** One loaded gomem.wasm instance. Made by init(). */
export class Gomem {
  #runtime;

  constructor(runtime) {
    this.#runtime = runtime;
  }

  /** The instance's WebAssembly.Memory (all views handed out are views of its buffer). */
  get wasmMemory() { return this.#runtime.wasmMemory; }

  /** The module's raw exports, for the C API not wrapped yet. */
  get exports() { return this.#runtime.exports; }

  /** true when this instance runs gomem.hardened.wasm (init({ hardened: true })). */
  get hardened() { return (this.#runtime.exports.gomem_features() & FEATURE_HARDENED) !== 0; }

  /** A scalable allocator; options as gomem_allocator_options (0 or absent: the default). */
  createAllocator(options = {}) {
    if (options === null || typeof options !== 'object') {
      throw codedError(TypeError, 'INVALID_ARGUMENT', 'createAllocator(options): options ' +
        'must be an object like { initialSize, maxBlockSize, alignment }');
    }
    return new Allocator(this.#runtime, options);
  }

  /**
   * A live view of the bytes `view` shows. For a view gomem handed out this works even after
   * memory growth detached it; a view the caller made (subarray) is returned as it is while
   * live, and is a StaleViewError once detached.
   */
  view(view) { return this.#runtime.view(view); }

  /** Caps the bytes this instance's allocators may hold together (0: no cap). */
  setPageLimit(bytes) {
    this.#runtime.exports.gomem_set_page_limit(Math.min(checkCount(bytes, 'page limit'),
      0xffffffff));
  }

  /** Bytes the instance's allocators hold from wasm memory right now. */
  pageBytesHeld() { return this.#runtime.exports.gomem_page_bytes_held() >>> 0; }

  // --- shared memory (init({ shared: true }), attach(); docs/workers.md) -----------------------

  /** true for an instance over a shared memory (init({ shared: true }) or attach()). */
  get shared() { return this.#runtime.shared !== null; }

  /**
   * A message for one worker to pass to attach(): the module, the shared memory and a 64 KiB
   * region for the worker's stack and thread-locals (postMessage it: nothing is copied). One per
   * worker; the region goes back with the worker's detach(), or releaseWorker(message).
   */
  forWorker() {
    const { shared } = this.#sharedRuntime('forWorker');
    return workerMessage(this.#runtime, shared.module, shared.descriptions);
  }

  /**
   * Gives back the region of a message from forWorker() whose worker has ended without
   * detach() (or never attached). Only once that worker runs no more: the region is its stack.
   * Returns false, and gives back nothing, when the worker had detached (or this was done).
   */
  releaseWorker(message) {
    const runtime = this.#sharedRuntime('releaseWorker');
    const { region, state } = checkWorkerMessage(message, 'releaseWorker');
    if (!releaseRegion(state)) return false;
    runtime.exports.gomem_wasm_instance_delete(region);
    return true;
  }

  /**
   * Leaves the shared memory: gives back this instance's stack region. Call it in a worker
   * when it is done; every later call on the instance, and on the allocators, Memories and
   * Readers made from it, throws DESTROYED. Allocations stay allocated: free them first, or let
   * other workers free them.
   */
  detach() {
    const runtime = this.#sharedRuntime('detach');
    if (releaseRegion(runtime.shared.state)) {
      runtime.exports.gomem_wasm_instance_delete(runtime.shared.region);
    }
    runtime.detach();
  }

  /** The Allocator of another instance's allocator.share(), over the same C allocator. */
  openAllocator(description) {
    const runtime = this.#sharedRuntime('openAllocator');
    const { handle, maxBlockSize } = description ?? {};
    if (!Number.isInteger(handle) || handle <= 0 || !Number.isInteger(maxBlockSize)) {
      throw codedError(TypeError, 'INVALID_ARGUMENT', 'openAllocator(description): expected ' +
        'what allocator.share() returned in a worker of the same shared memory');
    }
    return new Allocator(runtime, {}, { handle, maxBlockSize });
  }

  /**
   * { ptr, length, stamp }: a description of the bytes of `view` (a view in the shared memory)
   * to post to another worker, whose viewOf() turns it back into a view. Posting hands the bytes
   * on: the sender stops using them (docs/workers.md, "Ownership"). The description is good
   * until its bytes are freed through it (or through `view`) once; after that every use of it,
   * in any worker, is an Error coded FREED.
   */
  share(view) {
    const runtime = this.#sharedRuntime('share');
    const { ptr, len, record } = runtime.locate(view, 'share');
    if (record?.freed) throw freedDescription('share', ptr, len);
    const { descriptions } = runtime.shared;
    const stamp = addDescription(descriptions, ptr, len);
    if (stamp === 0) throw tableFull(descriptions);
    // A free through the view handed out here must retire the description too.
    if (record !== undefined) record.stamp = stamp;
    return { ptr, length: len, stamp };
  }

  /**
   * The view of the bytes a description from share() names, in this instance's memory.
   * @throws Error FREED when they were freed through the description since.
   */
  viewOf(description) {
    const runtime = this.#sharedRuntime('viewOf');
    const buffer = runtime.buffer(); // read once: a call into the engine (about 36 ns, shared)
    const { ptr, length, stamp } = checkDescription(runtime.shared.descriptions, buffer,
      description);
    return runtime.handDescribed(buffer, ptr, length, stamp);
  }

  #sharedRuntime(action) {
    if (this.#runtime.shared === null) {
      throw codedError(Error, 'UNSUPPORTED', `${action}: this instance has no shared memory; ` +
        'make it with init({ shared: true }) or attach()');
    }
    return this.#runtime;
  }
}

/** The scalable allocator (gomem_allocator). Made by Gomem.createAllocator(). */
export class Allocator {
  #runtime;
  #handle;
  #maxBlockSize;
  // Shared with the Memories (and their Readers) made from this allocator: a plain object whose
  // `destroyed` a Reader checks on every read, which is cheaper than this class's getter.
  #life = { destroyed: false };

  // null, or for an allocator opened by handle in another worker (Gomem.openAllocator) what
  // share() described; it may not be destroyed here.
  #opened = null;

  constructor(runtime, { initialSize = 0, maxBlockSize = 0, alignment = 0, compact = false },
    opened = null) {
    this.#runtime = runtime;
    runtime.lives?.add(this.#life);
    if (opened !== null) {
      this.#handle = opened.handle;
      this.#maxBlockSize = opened.maxBlockSize;
      this.#opened = opened;
      return;
    }
    if (typeof compact !== 'boolean') {
      throw codedError(TypeError, 'INVALID_ARGUMENT', `compact must be a boolean; got ${compact}`);
    }
    checkCount(initialSize, 'initialSize');
    checkCount(maxBlockSize, 'maxBlockSize');
    checkCount(alignment, 'alignment');
    const { exports, scratch, layout, limits, status } = runtime;
    const { options } = layout;
    // Numbers past 32 bits would wrap on their way into wasm: they are above every limit anyway.
    const clamp = (n) => Math.min(n, 0xffffffff);
    runtime.setU32(scratch + options.initialSize, clamp(initialSize));
    runtime.setU32(scratch + options.maxBlockSize, clamp(maxBlockSize));
    runtime.setU32(scratch + options.alignment, clamp(alignment));
    runtime.setU32(scratch + options.buddy, 0); // NULL: the default pool
    runtime.setU8(scratch + options.compact, compact ? 1 : 0);
    const statusAt = scratch + statusSlot(layout);
    this.#handle = exports.gomem_allocator_create_ex(scratch, statusAt) >>> 0;
    if (this.#handle === 0) {
      const refusal = runtime.u32(statusAt);
      if (refusal === status.INVALID_ARGUMENT) {
        throw codedError(TypeError, 'INVALID_ARGUMENT', `alignment must be 0 (the default, ` +
          `${limits.defaultAlignment}) or a power of two up to ${limits.maxAlignment}; got ` +
          `${alignment}`);
      }
      if (refusal === status.INVALID_SIZE) {
        throw codedError(RangeError, 'INVALID_SIZE', `initialSize must be at most ` +
          `${limits.arenaLimit}, and maxBlockSize 0 (the default, ${limits.defaultMaxBlock}) or ` +
          `between the page size ${runtime.pageSize} and ${limits.arenaLimit}; got initialSize ` +
          `${initialSize}, maxBlockSize ${maxBlockSize}`);
      }
      throw codedError(RangeError, 'NOMEM', 'out of memory: wasm memory cannot grow to hold ' +
        'a new allocator; destroy allocators you no longer need or raise the page limit');
    }
    // The C allocator rounds max_block_size up to whole pages.
    const block = maxBlockSize || limits.defaultMaxBlock;
    this.#maxBlockSize = Math.ceil(block / runtime.pageSize) * runtime.pageSize;
  }

  /** true once destroy() was called. */
  get destroyed() { return this.#handle === 0 || this.#life.destroyed; }

  /** Largest arena (and largest borrow) in bytes, after rounding up to whole pages. */
  get maxBlockSize() { return this.#maxBlockSize; }

  /** `size` bytes as a view: byteOffset is the address, length the size. */
  malloc(size) {
    const handle = this.#live('malloc');
    checkSize(size, 'malloc size', this.#runtime.limits.arenaLimit);
    const ptr = this.#runtime.exports.gomem_alloc(handle, size) >>> 0;
    if (ptr === 0) throw this.#runtime.fail(this.#runtime.status.NOMEM, `malloc(${size} bytes)`);
    return this.#runtime.hand(ptr, size, this);
  }

  /**
   * Frees the bytes a view shows: a whole allocation, or any sub-range of one given as a
   * subarray (segmented free). Views handed out before memory grew are freed by their record.
   */
  free(view) {
    const handle = this.#live('free');
    const { ptr, len, record } = this.#locateOwn(view, 'free');
    const undo = this.#runtime.retireFor(record, 'free');
    const status = this.#runtime.exports.gomem_free(handle, ptr, len);
    if (status !== 0) {
      undo();
      throw this.#runtime.fail(status, `free(${len} bytes at ${hex(ptr)})`);
    }
    if (record !== undefined) record.freed = 'free';
  }

  /**
   * Free bytes lent until the next call on this allocator; not counted as allocated and not to
   * be freed. At most maxBlockSize bytes.
   */
  borrow(size) {
    const handle = this.#live('borrow');
    checkSize(size, 'borrow size', this.#runtime.limits.arenaLimit);
    if (size > this.#maxBlockSize) {
      throw codedError(RangeError, 'INVALID_SIZE', `borrow lends at most maxBlockSize ` +
        `(${this.#maxBlockSize}) bytes, got ${size}; use malloc for larger buffers`);
    }
    const ptr = this.#runtime.exports.gomem_borrow(handle, size) >>> 0;
    if (ptr === 0) throw this.#runtime.fail(this.#runtime.status.NOMEM, `borrow(${size} bytes)`);
    // Not recorded: the bytes stay free, so a record would only outlive their loan.
    return this.#runtime.bytes(ptr, size);
  }

  /**
   * Keeps the first `keep` bytes of a view and frees the rest. Returns the view of the kept
   * bytes; the view passed in is used up (freeing it again is a double free).
   */
  freeRest(view, keep) {
    const handle = this.#live('freeRest');
    const { ptr, len, record } = this.#locateOwn(view, 'freeRest');
    checkCount(keep, 'keep');
    if (keep >= len) return this.#runtime.view(view);
    const undo = this.#runtime.retireFor(record, 'freeRest');
    const sizeCell = this.#runtime.scratch;
    this.#runtime.setU32(sizeCell, len);
    const status = this.#runtime.exports.gomem_free_rest(handle, ptr, sizeCell, keep);
    if (status !== 0) {
      undo();
      throw this.#runtime.fail(status, `freeRest(${len} bytes at ${hex(ptr)}, keep ${keep})`);
    }
    if (record !== undefined) record.freed = 'freeRest';
    return keep > 0 ? this.#runtime.hand(ptr, keep, this) : this.#runtime.bytes(ptr, 0);
  }

  /** A live view of a view this allocator handed out (see Gomem.view). */
  view(view) {
    this.#live('view');
    return this.#runtime.view(view);
  }

  /** Releases arenas that are wholly free; returns the bytes released. */
  trim() {
    return this.#runtime.exports.gomem_trim(this.#live('trim')) >>> 0;
  }

  /**
   * Counters as numbers. The u64 totals are Numbers while they are exact (below 2^53) and
   * BigInts beyond that, rather than silently rounded.
   */
  stats() {
    const handle = this.#live('stats');
    const runtime = this.#runtime;
    runtime.exports.gomem_allocator_stats(handle, runtime.scratch);
    const data = new DataView(runtime.buffer());
    const { stats: layout } = runtime.layout;
    const stats = {};
    for (const [key, width] of Object.entries(LAYOUT.stats)) {
      const at = runtime.scratch + layout[key];
      if (width === 4) {
        stats[key] = data.getUint32(at, true);
        continue;
      }
      const value = data.getBigUint64(at, true);
      stats[key] = value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
    }
    return stats;
  }

  /** An empty buffer list whose array lives in this allocator's memory (see js/memory.mjs). */
  createMemory() {
    return createMemory(this.#runtime, this.#live('createMemory'), this, this.#life);
  }

  /**
   * A recyclable memory (gomem_recyclable) over this allocator: nextN(n) hands out views that
   * one recycle() frees together (see js/recyclable.mjs).
   */
  createRecyclable() {
    return createRecyclable(this.#runtime, this.#live('createRecyclable'), this);
  }

  /**
   * A picture of the allocator's memory: { arenas: [{ base, size, dedicated, live, freeBytes,
   * largestFree, fragmentation, free: [{ start, end }] }], footprint, live, free, freeBlocks,
   * largestFree, fragmentation }, free ranges as addresses in address order (see
   * js/describe.mjs). fragmentation is 1 - largestFree / free (0 with no free bytes).
   */
  describeMemory() {
    return describeMemory(this.#runtime, this.#live('describeMemory'));
  }

  /**
   * { handle, maxBlockSize }: this allocator described for another worker of the same shared
   * memory, whose gomem.openAllocator() makes an Allocator over it (docs/workers.md).
   */
  share() {
    const handle = this.#live('share');
    if (this.#runtime.shared === null) {
      throw codedError(Error, 'UNSUPPORTED', 'share: this allocator is not in a shared memory; ' +
        'make the instance with init({ shared: true })');
    }
    return { handle, maxBlockSize: this.#maxBlockSize };
  }

  /** Releases every arena. Every view it handed out becomes invalid; any later call throws. */
  destroy() {
    if (this.#opened !== null) {
      throw codedError(Error, 'UNSUPPORTED', 'destroy: this allocator was opened from another ' +
        'worker (openAllocator); only the instance that created it may destroy it, once no ' +
        'worker uses it any more');
    }
    this.#runtime.exports.gomem_allocator_destroy(this.#live('destroy'));
    this.#handle = 0;
    this.#life.destroyed = true;
    this.#runtime.lives?.delete(this.#life);
  }

  #live(action) {
    if (this.#handle === 0 || this.#life.destroyed) {
      throw destroyedError(`${action}: this allocator was destroyed, or its instance detached ` +
        'from the shared memory');
    }
    return this.#handle;
  }

  // locate(), plus the checks only the wrapper can make for views it recorded: one freed
  // already, handed out by another allocator (whose bytes this one may own by now), or handed out
  // by a RecyclableMemory of this allocator (its recycle() frees it: freeing it here as well
  // would free its bytes twice).
  #locateOwn(view, action) {
    const where = this.#runtime.locate(view, action);
    const { ptr, len, record } = where;
    if (record === undefined) return where;
    const { owner } = record;
    // A described view (viewOf) has no owner: the C allocator decides whether the bytes are its.
    if ((owner === this || owner === null) && !record.freed) return where;
    const range = `${len} bytes at ${hex(ptr)}`;
    const recyclable = owner instanceof RecyclableMemory && owner.allocator === this;
    if (owner !== null && owner !== this && !recyclable) {
      throw statusError('FOREIGN_POINTER', 'the view was handed out by another allocator',
        `${action}(${range})`);
    }
    if (record.freed) {
      throw statusError('DOUBLE_FREE', `this view was ${freedHow(record)}`,
        `${action}(${range})`);
    }
    if (recyclable) {
      throw statusError('FOREIGN_POINTER', 'the view was handed out by a RecyclableMemory, ' +
        'whose recycle() frees it (freeing it here too would free its bytes twice)',
        `${action}(${range})`);
    }
    return where;
  }
}
