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

import { codedError, statusError } from './errors.mjs';

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
 * instance, the cell of its state and the table of descriptions in flight.
 */
export function workerMessage(runtime, module, descriptions) {
  const region = runtime.exports.gomem_wasm_instance_new() >>> 0;
  if (region === 0) {
    throw codedError(RangeError, 'NOMEM', 'forWorker: no memory for the worker\'s stack ' +
      '(64 KiB): the page limit or the memory\'s maximum is reached');
  }
  const state = new Int32Array(new SharedArrayBuffer(4));
  return { gomemShared: 1, module, memory: runtime.wasmMemory, region, state, descriptions };
}

/** Checks a message from forWorker() and returns it. */
export function checkWorkerMessage(message, action) {
  const valid = message !== null && typeof message === 'object' && message.gomemShared === 1 &&
    message.module instanceof WebAssembly.Module &&
    message.memory instanceof WebAssembly.Memory && Number.isInteger(message.region) &&
    message.region > 0 && message.state instanceof Int32Array &&
    message.state.buffer instanceof SharedArrayBuffer &&
    message.descriptions instanceof Int32Array &&
    message.descriptions.buffer instanceof SharedArrayBuffer;
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
 * Checks a description from share() against the memory (its current buffer) and the table:
 * returns it, or throws a
 * TypeError INVALID_ARGUMENT (not a description), RangeError OUT_OF_RANGE (past the memory's
 * end) or Error FREED (its bytes were freed since).
 */
export function checkDescription(table, buffer, description) {
  const { ptr, length, stamp } = description ?? {};
  if (!Number.isInteger(ptr) || !Number.isInteger(length) || !Number.isInteger(stamp) ||
      ptr <= 0 || length < 0 || stamp <= 0) {
    throw codedError(TypeError, 'INVALID_ARGUMENT', 'viewOf(description): expected the ' +
      '{ ptr, length, stamp } that share(view) returned');
  }
  if (ptr + length > buffer.byteLength) {
    throw codedError(RangeError, 'OUT_OF_RANGE', `viewOf: ${length} bytes at ${ptr} lie past ` +
      `the end of the shared memory (${buffer.byteLength} bytes)`);
  }
  if (!isLive(table, ptr, length, stamp)) throw freedDescription('viewOf', ptr, length);
  return description;
}

// --- descriptions in flight -------------------------------------------------------------------
//
// A description ({ ptr, length, stamp }) stays usable until the bytes it names are freed through
// it (or through the view it was made from). Every instance of the memory shares one table of
// the live descriptions, in a SharedArrayBuffer made by init() and passed in forWorker()'s
// message: share() adds an entry with a new stamp, viewOf() checks the stamp, and a free through
// a described view removes the entry first, all under the table's spin lock. So a description
// used after its bytes were freed (by any worker) is an Error coded FREED, even when the
// allocator has handed the bytes out again, instead of a view of someone else's bytes or a free
// of them. The table: a lock word and the next stamp, then `capacity` slots of (ptr, length,
// stamp), open addressing on ptr with linear probing and backward-shift deletion.
const LOCK = 0;
const NEXT_STAMP = 1;
const HEADER = 2;

/** A table for `capacity` descriptions in flight at once. */
export function createDescriptionTable(capacity) {
  const cells = new Int32Array(new SharedArrayBuffer(4 * (HEADER + 3 * capacity)));
  cells[NEXT_STAMP] = 1;
  return cells;
}

// The lock word: 0 free, 1 held, 2 held with waiters. The holder only probes a few slots, so a
// short spin usually gets it; past that a thread sleeps in Atomics.wait, because with more
// workers than cores the holder may have been descheduled, and spinning through its whole time
// slice cost about 16 us a frame in bench/js/pipeline.mjs. Where waiting is not allowed (a
// browser's main thread), it spins.
const SPINS = 64;
let canWait = true;

function lock(table) {
  let seen = Atomics.compareExchange(table, LOCK, 0, 1);
  for (let spin = 0; seen !== 0 && spin < SPINS; spin++) {
    seen = Atomics.load(table, LOCK) === 0 ? Atomics.compareExchange(table, LOCK, 0, 1) : 1;
  }
  if (seen === 0) return;
  if (seen !== 2) seen = Atomics.exchange(table, LOCK, 2);
  while (seen !== 0) {
    if (canWait) {
      try {
        Atomics.wait(table, LOCK, 2, 10);
      } catch {
        canWait = false; // TypeError: not on this thread
      }
    }
    seen = Atomics.exchange(table, LOCK, 2);
  }
}

function unlock(table) {
  if (Atomics.exchange(table, LOCK, 0) === 2) Atomics.notify(table, LOCK, 1);
}

function withLock(table, fn) {
  lock(table);
  try {
    return fn();
  } finally {
    unlock(table);
  }
}

const capacityOf = (table) => (table.length - HEADER) / 3;
const slotOf = (table, index) => HEADER + 3 * index;
const home = (table, ptr) => (Math.imul(ptr >>> 3, 0x9e3779b1) >>> 0) % capacityOf(table);

// The slot holding `ptr`, or -1.
function find(table, ptr) {
  const capacity = capacityOf(table);
  for (let i = home(table, ptr), probes = 0; probes < capacity; probes++) {
    const at = slotOf(table, i);
    if (table[at] === 0) return -1;
    if (table[at] === ptr) return at;
    i = (i + 1) % capacity;
  }
  return -1;
}

/**
 * Adds a description of [ptr, ptr + length) and returns its stamp: a new one, the one of a live
 * description of the same ptr (sharing a view twice gives one description), or `stamp` when
 * given (putting back one retired by a free that then failed). 0 when the table is full.
 */
export function addDescription(table, ptr, length, stamp = 0) {
  return withLock(table, () => {
    const capacity = capacityOf(table);
    for (let i = home(table, ptr), probes = 0; probes < capacity; probes++) {
      const at = slotOf(table, i);
      if (table[at] === ptr) {
        table[at + 1] = Math.max(table[at + 1], length);
        return table[at + 2];
      }
      if (table[at] === 0) {
        let given = stamp;
        if (given === 0) {
          given = table[NEXT_STAMP];
          table[NEXT_STAMP] = given === 0x7fffffff ? 1 : given + 1;
        }
        table[at] = ptr;
        table[at + 1] = length;
        table[at + 2] = given;
        return given;
      }
      i = (i + 1) % capacity;
    }
    return 0;
  });
}

/** Whether a description is live: its ptr has that stamp and at least that length. */
export function isLive(table, ptr, length, stamp) {
  return withLock(table, () => {
    const at = find(table, ptr);
    return at >= 0 && table[at + 2] === stamp && table[at + 1] >= length;
  });
}

/**
 * Removes a description before its bytes are freed; false when it is gone already (freed by
 * another view of it, here or in another worker), and the caller must not free them.
 */
export function retire(table, ptr, stamp) {
  return withLock(table, () => {
    const at = find(table, ptr);
    if (at < 0 || table[at + 2] !== stamp) return false;
    // Backward-shift deletion: later entries of the same probe run move up into the hole.
    const capacity = capacityOf(table);
    let hole = (at - HEADER) / 3;
    for (let i = (hole + 1) % capacity, steps = 1; steps < capacity; i = (i + 1) % capacity,
      steps++) { // a full table has no empty slot to stop at
      const from = slotOf(table, i);
      if (table[from] === 0) break;
      const want = home(table, table[from]);
      // Move it when its home is not in (hole, i] (cyclically).
      const between = hole < i ? want > hole && want <= i : want > hole || want <= i;
      if (!between) {
        const to = slotOf(table, hole);
        table[to] = table[from];
        table[to + 1] = table[from + 1];
        table[to + 2] = table[from + 2];
        hole = i;
      }
    }
    table[slotOf(table, hole)] = 0;
    return true;
  });
}

/** The Error for a description (or described view) whose bytes were freed already. */
export function freedDescription(action, ptr, length) {
  return codedError(Error, 'FREED', `${action}: the ${length} bytes at ${ptr} were freed ` +
    'already, here or in another worker; a description is good until its bytes are freed ' +
    'through it once (docs/workers.md, "Ownership")');
}

/** The Error for share() when the table of descriptions in flight is full. */
export function tableFull(table) {
  return statusError('NOMEM', `more than ${capacityOf(table)} descriptions are in flight ` +
    "(init's `sharedViews`): free some, or raise it", 'share');
}
