// shared.mjs - one WebAssembly.Memory over a SharedArrayBuffer, shared by the gomem instances of
// several workers: init({ shared: true }) in one thread, attach() in the others
// (docs/workers.md).
//
// Every worker instantiates the same module (gomem.shared.wasm, built with GOMEM_WASM_SHARED)
// over the same memory, so they all see one heap: an allocator made in one worker can allocate
// and free in any other, under its lock. What each instance needs of its own, its C stack and
// its thread-local block (the scratch area of out-parameters), lives in a region the C side
// makes for it (gomem_wasm_instance_new) from an instance that is already running: all
// instances start on the same stack, the one the linker placed, so a new instance must not run
// C code that uses a stack before it has entered a region of its own.

import { codedError } from './errors.mjs';

// The memory JS creates for the module: its first pages hold the module's static data and the
// linker's stack (about 70 KiB, 2 wasm pages today); 16 pages leave room for them to grow. Were
// that ever too few, instantiation would fail with a LinkError naming the sizes.
const FIRST_PAGES = 16;
const WASM_PAGE = 65536;
// wasm32 addresses 4 GiB: 65536 pages.
const MAX_PAGES = 65536;

/** Throws an Error coded UNSUPPORTED when this JS environment cannot share wasm memory. */
export function checkSharedSupport(action) {
  if (typeof SharedArrayBuffer !== 'function') {
    throw codedError(Error, 'UNSUPPORTED', `${action}: this environment has no ` +
      'SharedArrayBuffer. In a browser the page must be cross-origin isolated: serve it with ' +
      "'Cross-Origin-Opener-Policy: same-origin' and 'Cross-Origin-Embedder-Policy: " +
      "require-corp' (see docs/workers.md)");
  }
}

/**
 * The shared memory for init({ shared: true }): the module's own pages, growing up to
 * `maximumMemory` bytes more (0: as far as wasm32 goes). A shared memory must declare its
 * maximum; engines reserve address space for it, not memory. (initialMemory is reserved after
 * instantiation, through the page budget, as for the other modules.)
 */
export function createSharedMemory(maximumMemory) {
  const pages = (bytes) => Math.ceil(bytes / WASM_PAGE);
  const maximum = maximumMemory === 0 ? MAX_PAGES
    : Math.min(MAX_PAGES, FIRST_PAGES + pages(maximumMemory));
  return new WebAssembly.Memory({ initial: FIRST_PAGES, maximum, shared: true });
}

/** The imports of the shared module: the memory every instance shares. */
export function sharedImports(memory) { return { env: { memory } }; }

/**
 * Gives the instance its own stack and thread-local block. `region` comes from
 * gomem_wasm_instance_new of an instance already entered; 0 asks this instance to make its own,
 * which only the first instance of a memory may do (no other runs yet).
 */
export function enter(exports, region) {
  const own = region === 0 ? exports.gomem_wasm_instance_new() >>> 0 : region;
  if (own === 0) {
    throw codedError(RangeError, 'NOMEM', 'init({ shared: true }): no memory for the ' +
      'instance\'s stack (64 KiB): the page limit or the memory\'s maximum is reached');
  }
  exports.gomem_wasm_instance_enter(own);
  return own;
}

// What became of a forWorker() message's region, in a shared cell every copy of the message
// sees: made, entered by one attach(), or given back. Two instances on one stack would corrupt
// each other, and a region given back twice would corrupt the page source.
const MADE = 0;
const ATTACHED = 1;
const RELEASED = 2;

/**
 * What attach() needs in a worker, as a message for postMessage: the compiled module and the
 * shared memory (both structured-cloneable; nothing is copied), a region made for the worker's
 * instance and the cell of its state.
 */
export function workerMessage(runtime, module) {
  const region = runtime.exports.gomem_wasm_instance_new() >>> 0;
  if (region === 0) {
    throw codedError(RangeError, 'NOMEM', 'forWorker: no memory for the worker\'s stack ' +
      '(64 KiB): the page limit or the memory\'s maximum is reached');
  }
  const state = new Int32Array(new SharedArrayBuffer(4));
  return { gomemShared: 1, module, memory: runtime.wasmMemory, region, state };
}

/** Checks a message from forWorker() and returns it. */
export function checkWorkerMessage(message, action) {
  const valid = message !== null && typeof message === 'object' && message.gomemShared === 1 &&
    message.module instanceof WebAssembly.Module &&
    message.memory instanceof WebAssembly.Memory && Number.isInteger(message.region) &&
    message.region > 0 && message.state instanceof Int32Array &&
    message.state.buffer instanceof SharedArrayBuffer;
  if (!valid) {
    throw codedError(TypeError, 'INVALID_ARGUMENT', `${action}(message): expected the object ` +
      'gomem.forWorker() returned in a thread of the same shared memory, passed to this ' +
      'worker with postMessage');
  }
  return message;
}

/** Marks a message's region entered by this instance; one attach() per message. */
export function claimRegion(message) {
  if (Atomics.compareExchange(message.state, 0, MADE, ATTACHED) !== MADE) {
    throw codedError(TypeError, 'INVALID_ARGUMENT', 'attach(message): this message was ' +
      'attached (or released) already; call gomem.forWorker() once for every worker');
  }
}

/** Marks a region given back; false when it was already (the caller must not free it again). */
export function releaseRegion(state) {
  return state === null || Atomics.exchange(state, 0, RELEASED) !== RELEASED;
}

/**
 * A view of the bytes a description from share() names, in this instance's view of the memory;
 * a RangeError coded OUT_OF_RANGE when they lie outside it.
 */
export function viewOf(runtime, description) {
  const { ptr, length } = description ?? {};
  if (!Number.isInteger(ptr) || !Number.isInteger(length) || ptr <= 0 || length < 0) {
    throw codedError(TypeError, 'INVALID_ARGUMENT', 'viewOf(description): expected the ' +
      '{ ptr, length } that share(view) returned');
  }
  const buffer = runtime.buffer();
  if (ptr + length > buffer.byteLength) {
    throw codedError(RangeError, 'OUT_OF_RANGE', `viewOf: ${length} bytes at ${ptr} lie past ` +
      `the end of the shared memory (${buffer.byteLength} bytes)`);
  }
  return new Uint8Array(buffer, ptr, length);
}
