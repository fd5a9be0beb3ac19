// Every option of every JS constructor, under a shadow model. shadow.test.mjs runs its
// random sequences on the default options and one other set, reader_alignment.test.mjs varies
// only alignment and initialSize: a bug that needs one option combined with another (compact
// with alignment 4096, a page limit with a dedicated region, the hardened module with a partial
// free, ...) went unnoticed. Here fast-check draws the whole matrix and shrinks a failure to a
// minimal case (the options, then the operations):
//   - init(): hardened false | true, initialMemory 0 | 12289 | 3 MiB, maximumMemory 0 (none) |
//     4000 (below one page: createAllocator is NOMEM) | 6000 (every arena is NOMEM) | 48 KiB + 1 |
//     300 KiB | 2 MiB; one instance per valid combination, shared by the runs (each run makes
//     and destroys its own allocator, and pageBytesHeld() must come back to where it was); the
//     combinations with initialMemory > maximumMemory must be refused with INVALID_SIZE;
//   - createAllocator(): alignment absent | 0 | 1 .. 4096 (every power of two), initialSize
//     absent | 0 | 1 | 7 | 4095 | 4097 | 12345 | 16 KiB | 64 KiB + 1 | 1 MiB | 3 MiB + 1,
//     maxBlockSize absent | 0 | 4096 | 4097 | 64 KiB | 100000 | 1 MiB | 64 MiB, compact absent |
//     false | true. (gomem_allocator_options.buddy is not a JS option: the wrapper always passes
//     NULL, and neither module is built with GOMEM_BUDDY, which is checked below.) Invalid
//     values of each option must throw the documented kind and code, and leak no pages;
//   - per allocator, a shadow model of malloc (small, medium, around maxBlockSize, larger than
//     it: a dedicated region), runs of small mallocs up to the page limit, free (by the recorded
//     view, stale or not), segmented free (of many pieces' middles at once too: each needs an
//     index node, which a page limit may refuse), freeRest (keep 0, some, all), a free across two
//     neighbouring allocations (SPANS_ALLOCATIONS when hardened, both parts freed otherwise),
//     borrow, trim and bad calls. Every live allocation holds its own bytes (a window of a random
//     pool); after every step no two live ranges overlap, every allocation is at the allocator's
//     alignment, every live byte still holds its value (views re-derived with allocator.view
//     after memory growth detached them), stats() agree with the model (live, totalMalloc,
//     totalFree, peakLive; the counters never go down), pageBytesHeld() is footprint plus
//     metadata and within the page limit, and in the hardened module freed bytes read 0xDF.
//     NOMEM is accepted only under a page limit, only where the limit could really be reached,
//     and must change nothing. A run that held no more than initialMemory must not grow memory;
//   - Memory + Reader over those allocators (kept short: reader_alignment.test.mjs does the
//     reads in depth): chunks pushed as allocator views, subarrays or pushBytes, then random
//     fixed-width reads, readBytes and skips against a DataView over the joined bytes;
//   - RecyclableMemory: batches of nextN recycled in one call, live bytes back to the model's
//     figure (the other allocations plus the struct and its list's array) each time.
// GOMEM_FC_RUNS sets the runs of each property (default 2000: about 15 s on a 2-core VM),
// GOMEM_FC_SEED replays a failing seed (fast-check prints it with the shrunk counterexample;
// the instances are shared by the runs, so addresses differ between a run and its replay, and a
// shrunk case may keep an operation or two that only moved the allocator to the failing spot).
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { before, describe, test } from 'node:test';

import fc from 'fast-check';

import { init } from '../../js/index.mjs';
import { throwsCode } from './helpers.mjs';
import { FIXED, rng, throwsCode as throwsReadCode } from './reader_model.mjs';

const RUNS = Number(process.env.GOMEM_FC_RUNS ?? 2000);
const { GOMEM_FC_SEED } = process.env;
const SEED = GOMEM_FC_SEED === undefined ? undefined : Number(GOMEM_FC_SEED);
const FC_OPTIONS = { numRuns: RUNS, seed: SEED, includeErrorInReport: true };

const KiB = 1024;
const MiB = 1024 * KiB;
const PAGE = 4096; // the wasm page source's grain (gomem_page_source()->page_size)
const ARENA_LIMIT = 0xfffff000;
const DEFAULT_ALIGNMENT = 8;
const DEFAULT_MAX_BLOCK = 4 * MiB;
const FEATURE_BUDDY = 2;
// Bytes a new arena may need beyond its own pages and the node pool's growth (the arena table
// and page map): NOMEM with this much more room left under the page limit is a bug.
const SLACK = 16 * KiB;
const pageRound = (n) => Math.ceil(n / PAGE) * PAGE;

// --- the matrix -------------------------------------------------------------------------------

const INITIAL_MEMORY = [0, 12289, 3 * MiB];
const MAXIMUM_MEMORY = [0, 4000, 6000, 48 * KiB + 1, 300 * KiB, 2 * MiB];
const INIT_COMBOS = [false, true].flatMap((hardened) => MAXIMUM_MEMORY.flatMap((maximumMemory) =>
  INITIAL_MEMORY.map((initialMemory) => ({ hardened, initialMemory, maximumMemory }))));
const validInit = ({ initialMemory, maximumMemory }) =>
  maximumMemory === 0 || initialMemory <= maximumMemory;
const VALID_INITS = INIT_COMBOS.filter(validInit);
const INVALID_INITS = INIT_COMBOS.filter((combo) => !validInit(combo));
const initKey = ({ hardened, initialMemory, maximumMemory }) =>
  `${hardened ? 'hardened' : 'default'}/${initialMemory}/${maximumMemory}`;

const ALIGNMENTS = Array.from({ length: 13 }, (_, k) => 2 ** k); // 1 .. 4096
// Absent keys are the defaults too (requiredKeys: []); shrinking drops keys, then moves each
// value to the first of its list.
const allocatorOptionsArbitrary = fc.record({
  alignment: fc.constantFrom(0, ...ALIGNMENTS),
  initialSize: fc.constantFrom(0, 1, 7, 4095, 4097, 12345, 16 * KiB, 64 * KiB + 1, MiB,
    3 * MiB + 1),
  maxBlockSize: fc.constantFrom(0, 4096, 4097, 64 * KiB, 100000, MiB, 64 * MiB),
  compact: fc.constantFrom(false, true),
}, { requiredKeys: [] });
const initArbitrary = fc.constantFrom(...VALID_INITS);

// Sizes: small, medium, maxBlockSize - 1 .. + 1 (capped at 4 MiB: the + 1 is a dedicated region),
// and up to 300000 (a dedicated region when maxBlockSize is small).
const sizeArbitrary = fc.oneof(
  { arbitrary: fc.integer({ min: 1, max: 64 }), weight: 4 },
  { arbitrary: fc.integer({ min: 65, max: 4096 }), weight: 4 },
  { arbitrary: fc.integer({ min: -1, max: 1 }).map((d) => ({ nearBlock: d })), weight: 1 },
  { arbitrary: fc.integer({ min: 4097, max: 300000 }), weight: 1 },
);
const resolveSize = (spec, maxBlock) =>
  (typeof spec === 'number' ? spec : Math.min(maxBlock, 4 * MiB) + spec.nearBlock);

// The bytes every allocation is filled with: a window of this pool, starting where its id says,
// so no two allocations hold the same bytes and a shifted copy does not match either.
const WINDOWS = 65536;
const POOL = (() => {
  const next = rng(0x0b71);
  const words = new Uint32Array((4 * MiB + 1 + WINDOWS + 3) >> 2);
  for (let i = 0; i < words.length; i++) words[i] = (next() * 2 ** 32) >>> 0;
  return new Uint8Array(words.buffer);
})();
const contentOf = (id, size) => {
  const at = (id * 4099) % WINDOWS;
  return POOL.subarray(at, at + size);
};
const asBuffer = (view) => Buffer.from(view.buffer, view.byteOffset, view.length);
// What the hardened module leaves in freed bytes, as long as the largest allocation.
const FREED = Buffer.alloc(POOL.length, 0xdf);

function assertBytes(actual, expected, message) {
  assert.equal(actual.length, expected.length, `${message}: length`);
  if (asBuffer(actual).equals(asBuffer(expected))) return;
  const at = actual.findIndex((byte, i) => byte !== expected[i]);
  assert.fail(`${message}: byte ${at} of ${actual.length} is ${actual[at]}, ` +
    `expected ${expected[at]}`);
}

// One Gomem per valid init combination, made once (a new instance per run would cost more than
// the run); every run leaves it with no allocator alive.
const instances = new Map();
before(async () => {
  for (const combo of VALID_INITS) {
    const gomem = await init(combo);
    assert.equal(gomem.hardened, combo.hardened, initKey(combo));
    assert.equal(gomem.exports.gomem_features() & FEATURE_BUDDY, 0, 'no buddy pool in the module');
    assert.ok(gomem.wasmMemory.buffer.byteLength >= combo.initialMemory, initKey(combo));
    assert.equal(gomem.pageBytesHeld(), 0, `${initKey(combo)}: reserved pages are free pages`);
    instances.set(initKey(combo), gomem);
  }
});

// --- what every property shares ---------------------------------------------------------------

// A run's context: its instance, the allocator, and the checks that hold for every allocator.
class Run {
  constructor(combo, options, seen) {
    this.combo = combo;
    this.limit = combo.maximumMemory;
    this.gomem = instances.get(initKey(combo));
    this.options = options;
    this.seen = seen;
    this.alignment = options.alignment || DEFAULT_ALIGNMENT;
    this.maxBlock = pageRound(options.maxBlockSize || DEFAULT_MAX_BLOCK);
    this.heldBefore = this.gomem.pageBytesHeld();
    this.allocator = null;
    this.lastStats = undefined;
    this.peakHeld = 0;
    this.label = `${initKey(combo)} ${JSON.stringify(options)}`;
  }

  /** Makes the allocator; false when it is NOMEM (checked: a page limit, nothing held). */
  create() {
    assert.equal(this.heldBefore, 0, `${this.label}: no allocator is alive in the instance`);
    try {
      this.allocator = this.gomem.createAllocator(this.options);
    } catch (error) {
      this.nomem(error, 'createAllocator', PAGE);
      assert.equal(this.gomem.pageBytesHeld(), this.heldBefore, `${this.label}: no pages kept`);
      this.seen.createNomem++;
      return false;
    }
    assert.equal(this.allocator.maxBlockSize, this.maxBlock, `${this.label}: maxBlockSize`);
    assert.equal(this.allocator.destroyed, false);
    return true;
  }

  /**
   * Checks a thrown error is the documented NOMEM, and that it may be: only under a page limit,
   * and only when taking `need` more pages (an arena or a dedicated region; a page for a free)
   * plus metadata could pass it. Metadata: the hardened module keeps a boundary bit per arena
   * byte (need / 8); the node pool doubles, the old array held until copied (up to twice the
   * metadata held now); SLACK for the arena table and page map.
   */
  nomem(error, action, need) {
    if (error?.code !== 'NOMEM') throw error;
    assert.ok(error instanceof RangeError, `${this.label}: ${action}: NOMEM is a RangeError`);
    assert.notEqual(this.limit, 0, `${this.label}: ${action}: NOMEM without a page limit`);
    const held = this.gomem.pageBytesHeld();
    const boundaries = this.gomem.hardened ? Math.ceil(need / 8) : 0;
    const metadata = this.allocator === null ? 0 : this.allocator.stats().metadata;
    assert.ok(held + need + boundaries + 2 * metadata + SLACK > this.limit, `${this.label}: ` +
      `${action}: NOMEM with ${held} bytes held (${metadata} of them metadata), ${need} ` +
      `needed, under a limit of ${this.limit}`);
    this.seen.nomem++;
    const kind = action.replace(/[ (].*$/, ''); // malloc(8) -> malloc, free bytes 1..2 -> free
    this.seen.nomemBy[kind] = (this.seen.nomemBy[kind] ?? 0) + 1;
  }

  /** fn(), or undefined when it threw an accepted NOMEM (see nomem). */
  attempt(fn, action, need) {
    try {
      return { value: fn() };
    } catch (error) {
      this.nomem(error, action, need);
      return undefined;
    }
  }

  /** Pages a malloc of `size` may take: a dedicated region, or at most one more arena. */
  need(size) { return size > this.maxBlock ? pageRound(size) : this.maxBlock; }

  checkAligned(ptr, what) {
    assert.equal(ptr % this.alignment, 0, `${this.label}: ${what} at ${ptr} is not aligned to ` +
      `${this.alignment}`);
  }

  /**
   * The counters against the model: `live` always; `totals` ({ malloc, free, peakLive }) where
   * the model knows every byte handed out (the shadow property). Then what holds for any
   * allocator: the counters only grow, the instance's pages are this allocator's arenas plus its
   * metadata (it is the only one alive), and the page limit holds.
   */
  checkStats(live, what, totals) {
    const stats = this.allocator.stats();
    const where = `${this.label}: ${what}`;
    assert.equal(stats.live, live, `${where}: stats().live`);
    if (totals !== undefined) {
      assert.equal(stats.totalMalloc, totals.malloc, `${where}: totalMalloc`);
      assert.equal(stats.totalFree, totals.free, `${where}: totalFree`);
      assert.equal(stats.peakLive, totals.peakLive, `${where}: peakLive`);
    }
    assert.equal(stats.totalMalloc - stats.totalFree, stats.live, `${where}: totals`);
    assert.ok(stats.footprint >= stats.live, `${where}: footprint >= live`);
    assert.ok(stats.peakFootprint >= stats.footprint, `${where}: peakFootprint`);
    assert.ok(stats.peakLive >= stats.live, `${where}: peakLive`);
    assert.ok(stats.live === 0 || stats.arenaCount > 0, `${where}: arenaCount`);
    const last = this.lastStats;
    if (last !== undefined) {
      for (const key of ['totalMalloc', 'totalFree', 'peakLive', 'peakFootprint']) {
        assert.ok(stats[key] >= last[key], `${where}: ${key} went down`);
      }
    }
    this.lastStats = stats;
    const held = this.gomem.pageBytesHeld();
    assert.equal(held, stats.footprint + stats.metadata, `${where}: pageBytesHeld() is the ` +
      `footprint ${stats.footprint} plus the metadata ${stats.metadata}`);
    if (this.limit !== 0) {
      assert.ok(held <= this.limit, `${where}: ${held} bytes held over the limit ${this.limit}`);
    }
    this.peakHeld = Math.max(this.peakHeld, held);
    return stats;
  }

  /** In the hardened module, freed bytes read 0xDF - unless their arena was released with them. */
  checkFreed(ptr, len, arenasBefore, what) {
    if (!this.gomem.hardened) return;
    if (this.allocator.stats().arenaCount < arenasBefore) return; // released: page bookkeeping
    const bytes = new Uint8Array(this.gomem.wasmMemory.buffer, ptr, len);
    if (!asBuffer(bytes).equals(FREED.subarray(0, len))) {
      const at = bytes.findIndex((byte) => byte !== 0xdf);
      assert.fail(`${this.label}: ${what}: freed byte ${ptr + at} (${at} of ${len}) is ` +
        `${bytes[at]}, not 0xDF`);
    }
    this.seen.freedPattern++;
  }

  /** Destroys the allocator: every page back, every later call DESTROYED. */
  destroy(oldView) {
    const { allocator } = this;
    if (allocator === null || allocator.destroyed) return;
    allocator.destroy();
    assert.equal(allocator.destroyed, true);
    assert.equal(this.gomem.pageBytesHeld(), this.heldBefore, `${this.label}: destroy gave ` +
      'back every page');
    throwsCode(() => allocator.malloc(8), Error, 'DESTROYED');
    throwsCode(() => allocator.stats(), Error, 'DESTROYED');
    if (oldView !== undefined) throwsCode(() => allocator.view(oldView), Error, 'DESTROYED');
  }
}

function newSeen() {
  return {
    runs: 0, createNomem: 0, nomem: 0, stale: 0, freedPattern: 0, dedicated: 0, spanFreed: 0,
    spanRefused: 0, spanOtherArena: 0, borrows: 0, released: 0, ops: 0, withinInitial: 0,
    reads: 0, nomemBy: {},
  };
}

// --- property 1: the allocator against a shadow model ----------------------------------------

const pick = fc.nat();
const opArbitrary = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('malloc'), size: sizeArbitrary }), weight: 10 },
  { arbitrary: fc.record({ kind: fc.constant('free'), pick }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant('freePart'), pick, from: fc.nat(), to: fc.nat() }),
    weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant('freeRest'), pick, keep: fc.nat(),
    all: fc.boolean() }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('span'), pick, left: fc.nat(), right: fc.nat() }),
    weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('borrow'), size: sizeArbitrary }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('trim') }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('fill'), size: fc.nat() }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('freeMany'), stride: fc.nat(),
    middle: fc.boolean() }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('bad'), which: fc.nat(13), pick }), weight: 1 },
);
const shadowArbitrary = fc.record({
  init: initArbitrary,
  options: allocatorOptionsArbitrary,
  ops: fc.array(opArbitrary, { minLength: 1, maxLength: 60, size: 'max' }),
});

function shadowScenario({ init: combo, options, ops }, seen) {
  const run = new Run(combo, options, seen);
  if (!run.create()) return;
  const { allocator, gomem, label } = run;
  // A piece: bytes [start, start + len) of the allocation whose recorded view is `parent`
  // (possibly stale by now), expected to hold content[start ..]. `whole`: it is all of parent.
  let pieces = [];
  let live = 0;
  let ids = 0;
  let mallocTotal = 0; // bytes malloc handed out: totalMalloc; totalFree is this minus live
  let peakLive = 0;
  const freedParents = []; // recorded views freed whole: freeing one again is DOUBLE_FREE
  let anyView;

  const liveParent = (piece) => {
    const view = allocator.view(piece.parent);
    if (view !== piece.parent) seen.stale++; // detached by a growth, re-derived from the record
    return view;
  };
  const addressOf = (piece) => liveParent(piece).byteOffset + piece.start;
  const bytesOf = (piece) => liveParent(piece).subarray(piece.start, piece.start + piece.len);
  const expected = (piece) => piece.content.subarray(piece.start, piece.start + piece.len);
  const add = (piece) => {
    pieces.push(piece);
    live += piece.len;
  };
  const remove = (piece) => {
    pieces = pieces.filter((p) => p !== piece);
    live -= piece.len;
  };
  const sorted = () => pieces.map((piece) => [addressOf(piece), piece])
    .sort(([a], [b]) => a - b);

  const checkAll = (what) => {
    run.checkStats(live, what, { malloc: mallocTotal, free: mallocTotal - live, peakLive });
    const spans = sorted();
    for (let i = 1; i < spans.length; i++) {
      const [at, prev] = spans[i - 1];
      assert.ok(at + prev.len <= spans[i][0], `${label}: ${what}: [${at}, ${at + prev.len}) ` +
        `overlaps the piece at ${spans[i][0]}`);
    }
    for (const piece of pieces) assertBytes(bytesOf(piece), expected(piece), `${label}: ${what}`);
  };

  // Frees `view` (a recorded view or a subarray/raw view at ptr..ptr+len); false on NOMEM.
  // Frees `view` (a recorded view or a subarray/raw view at ptr..ptr+len); false on NOMEM, which
  // must free nothing.
  const free = (view, ptr, len, what) => {
    const arenas = allocator.stats().arenaCount;
    const done = run.attempt(() => allocator.free(view), what, PAGE);
    if (done === undefined) {
      assert.equal(allocator.stats().live, live, `${label}: ${what}: NOMEM freed something`);
      return false;
    }
    run.checkFreed(ptr, len, arenas, what);
    return true;
  };

  // One malloc of `size` bytes, filled and added to the model; false on NOMEM.
  const mallocOne = (size) => {
    const done = run.attempt(() => allocator.malloc(size), `malloc(${size})`, run.need(size));
    if (done === undefined) return false;
    const view = done.value;
    assert.equal(view.length, size, `${label}: malloc length`);
    assert.equal(view.buffer, gomem.wasmMemory.buffer, `${label}: malloc view is live`);
    run.checkAligned(view.byteOffset, `malloc(${size})`);
    if (size > run.maxBlock) seen.dedicated++;
    const content = contentOf(ids++, size);
    view.set(content);
    anyView ??= view;
    add({ parent: view, start: 0, len: size, whole: true, content });
    mallocTotal += size;
    peakLive = Math.max(peakLive, live);
    return true;
  };

  const steps = {
    malloc({ size: spec }) {
      mallocOne(resolveSize(spec, run.maxBlock));
    },
    // Many small mallocs: up to the page limit when there is one (then frees need index nodes
    // the limit may refuse: the NOMEM of a free).
    fill({ size: s }) {
      const size = 1 + (s % 2048);
      for (let i = 0; i < (run.limit === 0 ? 32 : 256); i++) if (!mallocOne(size)) break;
    },
    // Frees every stride-th piece, or the middle of it (a new hole: an index node each).
    freeMany({ stride, middle }) {
      const k = 2 + (stride % 3);
      for (const piece of pieces.filter((_, i) => i % k === 0)) {
        const ptr = addressOf(piece);
        if (!middle || piece.len < 3) {
          if (free(piece.whole ? piece.parent : bytesOf(piece), ptr, piece.len, 'free')) {
            remove(piece);
          }
          continue;
        }
        if (!free(bytesOf(piece).subarray(1, piece.len - 1), ptr + 1, piece.len - 2,
          'free the middle')) continue;
        remove(piece);
        add({ ...piece, len: 1, whole: false });
        add({ ...piece, start: piece.start + piece.len - 1, len: 1, whole: false });
      }
    },
    free({ pick: p }) {
      const piece = pieces[p % pieces.length];
      const ptr = addressOf(piece);
      if (!free(piece.whole ? piece.parent : bytesOf(piece), ptr, piece.len, 'free')) return;
      if (piece.whole) freedParents.push(piece.parent);
      remove(piece);
    },
    freePart({ pick: p, from: f, to: t }) {
      const piece = pieces[p % pieces.length];
      const from = f % piece.len;
      const to = from + 1 + (t % (piece.len - from));
      const ptr = addressOf(piece);
      const view = liveParent(piece).subarray(piece.start + from, piece.start + to);
      if (!free(view, ptr + from, to - from, `free bytes ${from}..${to} of ${piece.len}`)) return;
      remove(piece);
      if (from > 0) add({ ...piece, len: from, whole: false });
      if (to < piece.len) {
        add({ ...piece, start: piece.start + to, len: piece.len - to, whole: false });
      }
    },
    freeRest({ pick: p, keep: k, all }) {
      const wholes = pieces.filter((piece) => piece.whole);
      if (wholes.length === 0) return;
      const piece = wholes[p % wholes.length];
      const ptr = addressOf(piece);
      if (all) {
        // keep >= length: nothing changes, a live view of the same bytes comes back.
        const kept = allocator.freeRest(piece.parent, piece.len + (k % 3));
        assert.equal(kept.length, piece.len, `${label}: freeRest(all) length`);
        assert.equal(kept.byteOffset, ptr, `${label}: freeRest(all) address`);
        return;
      }
      const keep = k % piece.len;
      const arenas = allocator.stats().arenaCount;
      const done = run.attempt(() => allocator.freeRest(piece.parent, keep), 'freeRest', PAGE);
      if (done === undefined) return;
      const kept = done.value;
      assert.equal(kept.length, keep, `${label}: freeRest kept length`);
      if (keep > 0) assert.equal(kept.byteOffset, ptr, `${label}: freeRest kept address`);
      run.checkFreed(ptr + keep, piece.len - keep, arenas, `freeRest(keep ${keep})`);
      throwsCode(() => allocator.free(piece.parent), Error, 'DOUBLE_FREE');
      remove(piece);
      if (keep > 0) add({ ...piece, parent: kept, len: keep });
    },
    span({ pick: p, left, right }) {
      // Two live pieces back to back: a free from the end of one into the start of the other.
      const spans = sorted();
      const pairs = [];
      for (let i = 1; i < spans.length; i++) {
        if (spans[i - 1][0] + spans[i - 1][1].len === spans[i][0]) pairs.push(i);
      }
      if (pairs.length === 0) return;
      const i = pairs[p % pairs.length];
      const [atA, a] = spans[i - 1];
      const [atB, b] = spans[i];
      const tail = 1 + (left % a.len);
      const head = 1 + (right % b.len);
      const ptr = atA + a.len - tail;
      const view = new Uint8Array(gomem.wasmMemory.buffer, ptr, tail + head);
      const stats = allocator.stats();
      let error;
      try {
        allocator.free(view);
      } catch (caught) {
        error = caught;
      }
      if (error?.code === 'OUT_OF_RANGE') {
        // The two pieces are in two arenas that happen to be neighbours in memory.
        assert.ok(error instanceof RangeError);
        seen.spanOtherArena++;
        return;
      }
      if (error?.code === 'NOMEM') {
        run.nomem(error, 'span free', PAGE);
        return;
      }
      if (gomem.hardened) {
        assert.ok(error !== undefined, `${label}: hardened free across two allocations passed`);
        assert.equal(error.code, 'SPANS_ALLOCATIONS', `${label}: ${error.message}`);
        assert.ok(error instanceof Error);
        seen.spanRefused++;
        return;
      }
      if (error !== undefined) throw error;
      seen.spanFreed++;
      remove(a);
      remove(b);
      if (tail < a.len) add({ ...a, len: a.len - tail, whole: false });
      if (head < b.len) add({ ...b, start: b.start + head, len: b.len - head, whole: false });
      run.checkFreed(ptr, tail + head, stats.arenaCount, 'span free');
    },
    borrow({ size: spec }) {
      const size = resolveSize(spec, run.maxBlock);
      if (size > run.maxBlock) {
        throwsCode(() => allocator.borrow(size), RangeError, 'INVALID_SIZE');
        return;
      }
      const done = run.attempt(() => allocator.borrow(size), `borrow(${size})`, run.need(size));
      if (done === undefined) return;
      const view = done.value;
      assert.equal(view.length, size, `${label}: borrow length`);
      run.checkAligned(view.byteOffset, `borrow(${size})`);
      for (const [at, piece] of sorted()) {
        assert.ok(at + piece.len <= view.byteOffset || view.byteOffset + size <= at,
          `${label}: borrow(${size}) at ${view.byteOffset} lends the live bytes at ${at}`);
      }
      view.fill(0xee); // the bytes are ours until the next call: no live byte may change
      seen.borrows++;
    },
    trim() {
      const before = allocator.stats();
      const released = allocator.trim();
      const after = allocator.stats();
      assert.equal(released % PAGE, 0, `${label}: trim released whole pages`);
      assert.equal(after.footprint, before.footprint - released, `${label}: trim footprint`);
      if (released > 0) seen.released++;
    },
    // A documented misuse: the error of its kind and code, and nothing changes (checkAll).
    bad({ which, pick: p }) {
      const piece = pieces.length > 0 ? pieces[p % pieces.length] : undefined;
      const whole = pieces.find((x) => x.whole);
      const freed = freedParents.length > 0 ? freedParents[p % freedParents.length] : undefined;
      const calls = [
        [() => allocator.malloc(0), RangeError, 'INVALID_SIZE'],
        [() => allocator.malloc(-1), RangeError, 'INVALID_SIZE'],
        [() => allocator.malloc(1.5), RangeError, 'INVALID_SIZE'],
        [() => allocator.malloc(NaN), RangeError, 'INVALID_SIZE'],
        [() => allocator.malloc(ARENA_LIMIT + 1), RangeError, 'INVALID_SIZE'],
        [() => allocator.malloc(2 ** 32), RangeError, 'INVALID_SIZE'],
        [() => allocator.malloc('8'), TypeError, 'INVALID_ARGUMENT'],
        [() => allocator.free(new Uint8Array(8)), RangeError, 'FOREIGN_POINTER'],
        [() => allocator.borrow(run.maxBlock + 1), RangeError, 'INVALID_SIZE'],
        piece && [() => allocator.free(bytesOf(piece).subarray(0, 0)), RangeError, 'INVALID_SIZE'],
        freed && [() => allocator.free(freed), Error, 'DOUBLE_FREE'],
        whole && [() => allocator.freeRest(whole.parent, -1), RangeError, 'INVALID_SIZE'],
        whole && [() => allocator.freeRest(whole.parent, 0.5), RangeError, 'INVALID_SIZE'],
        whole && [() => allocator.freeRest(whole.parent, '1'), TypeError, 'INVALID_ARGUMENT'],
      ];
      const call = calls[which % calls.length];
      if (call) throwsCode(...call);
    },
  };

  const memoryBytes = gomem.wasmMemory.buffer.byteLength;
  try {
    ops.forEach((op, i) => {
      const kind = pieces.length === 0 && ['free', 'freePart', 'span', 'freeMany'].includes(op.kind)
        ? 'malloc' : op.kind;
      if (kind === 'malloc' && op.size === undefined) {
        steps.malloc({ size: 1 + ((op.pick ?? op.stride) % 64) });
      } else {
        steps[kind](op);
      }
      seen.ops++;
      checkAll(`after op ${i} ${JSON.stringify(op)}`);
    });
    // Free what is left; a NOMEM (only under a limit) leaves a piece for another pass.
    for (let pass = 0; pieces.length > 0 && pass < 3; pass++) {
      for (const piece of [...pieces].reverse()) {
        if (free(piece.whole ? piece.parent : bytesOf(piece), addressOf(piece), piece.len,
          'free at the end')) remove(piece);
      }
    }
    // init's promise: allocations up to initialMemory never grow memory.
    if (combo.initialMemory > 0 && run.peakHeld <= pageRound(combo.initialMemory)) {
      assert.equal(gomem.wasmMemory.buffer.byteLength, memoryBytes, `${label}: memory grew with ` +
        `at most ${run.peakHeld} bytes held, initialMemory ${combo.initialMemory}`);
      seen.withinInitial++;
    }
    checkAll('after freeing everything');
    if (pieces.length === 0) {
      const stats = allocator.stats();
      assert.equal(stats.totalMalloc, stats.totalFree, `${label}: totalMalloc = totalFree`);
      allocator.trim();
      assert.deepEqual([allocator.stats().arenaCount, allocator.stats().footprint], [0, 0],
        `${label}: every arena was wholly free`);
    }
  } finally {
    run.destroy(anyView);
  }
}

// --- property 2: Memory and Reader over every allocator ---------------------------------------

const memoryArbitrary = fc.record({
  init: initArbitrary,
  options: allocatorOptionsArbitrary,
  guards: fc.array(fc.integer({ min: 1, max: 200 }), { maxLength: 3, size: 'max' }),
  chunks: fc.array(fc.record({
    kind: fc.constantFrom('view', 'subarray', 'bytes', 'empty'),
    len: fc.integer({ min: 1, max: 40 }),
  }), { maxLength: 10, size: 'max' }),
  reads: fc.array(fc.oneof(
    { arbitrary: fc.record({ kind: fc.constant('fixed'), which: fc.nat(FIXED.length - 1) }),
      weight: 4 },
    fc.record({ kind: fc.constantFrom('readBytes', 'skip'), n: fc.nat(24) }),
  ), { maxLength: 16, size: 'max' }),
});

function memoryScenario({ init: combo, options, guards: guardSizes, chunks, reads }, seen) {
  const run = new Run(combo, options, seen);
  if (!run.create()) return;
  const { allocator, label } = run;
  // Allocations of the allocator (guards and pushed views), each with its expected bytes.
  const owned = [];
  let ids = 1000;
  const mallocFilled = (size, what) => {
    const done = run.attempt(() => allocator.malloc(size), what, run.need(size));
    if (done === undefined) return undefined;
    run.checkAligned(done.value.byteOffset, what);
    const content = contentOf(ids++, size);
    done.value.set(content);
    owned.push({ view: done.value, content });
    return done.value;
  };
  const ownedLive = () => owned.reduce((sum, { view }) => sum + allocator.view(view).length, 0);
  const checkOwned = (what) => {
    for (const { view, content } of owned) {
      assertBytes(allocator.view(view), content, `${label}: ${what}`);
    }
  };
  let memory;
  try {
    for (const size of guardSizes) mallocFilled(size, 'guard');
    const made = run.attempt(() => allocator.createMemory(), 'createMemory', run.need(1));
    if (made === undefined) {
      checkOwned('after createMemory NOMEM');
      run.checkStats(ownedLive(), 'after createMemory NOMEM');
      return;
    }
    memory = made.value;
    run.checkAligned(memory.handle, 'the Memory struct');
    const parts = [];
    for (const { kind, len } of chunks) {
      const before = [memory.count, memory.size];
      let done;
      let bytes;
      if (kind === 'view' || kind === 'subarray') {
        const view = mallocFilled(kind === 'view' ? len : len + 4, `malloc for push(${kind})`);
        if (view === undefined) continue;
        const pushed = kind === 'view' ? view : allocator.view(view).subarray(2, 2 + len);
        bytes = Uint8Array.from(pushed);
        done = run.attempt(() => memory.push(pushed), `push(${kind})`, run.need(1));
      } else {
        bytes = kind === 'empty' ? new Uint8Array(0) : contentOf(ids++, len);
        done = run.attempt(() => memory.pushBytes(bytes), `pushBytes(${bytes.length})`,
          run.need(bytes.length || 1));
      }
      if (done === undefined) {
        assert.deepEqual([memory.count, memory.size], before, `${label}: NOMEM changed the list`);
        continue;
      }
      parts.push(bytes);
    }
    const joined = Uint8Array.from(parts.flatMap((part) => [...part]));
    assert.equal(memory.count, parts.length, `${label}: count`);
    assert.equal(memory.size, joined.length, `${label}: size`);
    assertBytes(memory.toBytes(), joined, `${label}: toBytes`);
    assert.deepEqual(memory.buffers.map((b) => b.length), parts.map((p) => p.length),
      `${label}: buffers`);

    const made2 = run.attempt(() => memory.reader(), 'reader', run.need(1));
    if (made2 !== undefined) {
      const reader = made2.value;
      const dv = new DataView(joined.buffer);
      let pos = 0;
      reads.forEach((op, i) => {
        const context = `${label}: read ${i} ${JSON.stringify(op)} at ${pos} of ${joined.length}`;
        const left = joined.length - pos;
        if (op.kind === 'fixed') {
          const [width, name, expect] = FIXED[op.which];
          if (width > left) {
            throwsReadCode(() => reader[name](), 'END_OF_DATA', context);
          } else {
            assert.equal(reader[name](), expect(dv, pos), context);
            pos += width;
          }
        } else if (op.n > left) {
          throwsReadCode(() => reader[op.kind](op.n), 'END_OF_DATA', context);
        } else {
          const got = reader[op.kind](op.n);
          if (op.kind === 'readBytes') assertBytes(got, joined.subarray(pos, pos + op.n), context);
          pos += op.n;
        }
        assert.equal(reader.remaining, joined.length - pos, `${context}: remaining`);
        assert.equal(reader.offset, pos, `${context}: offset`);
        seen.reads++;
      });
    }
    memory.destroy();
    assert.equal(memory.destroyed, true);
    // The list, its reader and the pushBytes copies are gone; the allocator's views are not.
    run.checkStats(ownedLive(), 'after memory.destroy');
    checkOwned('after memory.destroy');
    for (const { view } of owned) allocator.free(view);
    run.checkStats(0, 'after freeing everything');
  } finally {
    run.destroy();
  }
}

// --- property 3: RecyclableMemory over every allocator ----------------------------------------

const recyclableArbitrary = fc.record({
  init: initArbitrary,
  options: allocatorOptionsArbitrary,
  guards: fc.array(fc.integer({ min: 1, max: 300 }), { maxLength: 3, size: 'max' }),
  rounds: fc.array(fc.array(sizeArbitrary, { maxLength: 12, size: 'max' }),
    { minLength: 1, maxLength: 4, size: 'max' }),
});

function recyclableScenario({ init: combo, options, guards: guardSizes, rounds }, seen) {
  const run = new Run(combo, options, seen);
  if (!run.create()) return;
  const { allocator, label } = run;
  const guards = [];
  let ids = 2000;
  const checkGuards = (what) => {
    for (const { view, content } of guards) {
      assertBytes(allocator.view(view), content, `${label}: guard ${what}`);
    }
  };
  try {
    for (const size of guardSizes) {
      const done = run.attempt(() => allocator.malloc(size), 'guard', run.need(size));
      if (done === undefined) continue;
      const content = contentOf(ids++, size);
      done.value.set(content);
      guards.push({ view: done.value, content });
    }
    const guardLive = guards.reduce((sum, { content }) => sum + content.length, 0);
    const made = run.attempt(() => allocator.createRecyclable(), 'createRecyclable',
      run.need(1));
    if (made === undefined) {
      checkGuards('after createRecyclable NOMEM');
      run.checkStats(guardLive, 'after createRecyclable NOMEM');
      return;
    }
    const rm = made.value;
    assert.equal(rm.allocator, allocator);
    // The model's figure: the guards, the struct, and the list's array once it exists (it stays
    // across recycles and only grows, to at most 16 bytes an entry and 64 more).
    const struct = allocator.stats().live - guardLive;
    assert.ok(struct > 0, `${label}: the struct is the allocator's`);
    let array = 0;
    let mostEntries = 0;
    for (const [r, sizes] of rounds.entries()) {
      const batch = [];
      for (const spec of sizes) {
        const size = resolveSize(spec, run.maxBlock);
        const before = [rm.count, rm.size];
        const done = run.attempt(() => rm.nextN(size), `nextN(${size})`, run.need(size));
        if (done === undefined) {
          assert.deepEqual([rm.count, rm.size], before, `${label}: NOMEM changed the batch`);
          continue;
        }
        const view = done.value;
        assert.equal(view.length, size, `${label}: nextN length`);
        run.checkAligned(view.byteOffset, `nextN(${size})`);
        const content = contentOf(ids++, size);
        view.set(content);
        batch.push({ view, content });
      }
      const total = batch.reduce((sum, { content }) => sum + content.length, 0);
      assert.deepEqual([rm.count, rm.size], [batch.length, total], `${label}: round ${r}`);
      const spans = [...guards, ...batch].map(({ view }) => allocator.view(view))
        .map((view) => [view.byteOffset, view.length]).sort(([a], [b]) => a - b);
      for (let i = 1; i < spans.length; i++) {
        assert.ok(spans[i - 1][0] + spans[i - 1][1] <= spans[i][0], `${label}: round ${r} overlap`);
      }
      for (const { view, content } of batch) {
        assertBytes(allocator.view(view), content, `${label}: round ${r}`);
      }
      checkGuards(`round ${r}`);
      const grew = allocator.stats().live - guardLive - struct - total;
      assert.ok(grew >= array, `${label}: round ${r}: the list's array shrank`);
      if (batch.length <= mostEntries) assert.equal(grew, array, `${label}: round ${r}: array`);
      array = grew;
      mostEntries = Math.max(mostEntries, batch.length);
      assert.ok(array <= (mostEntries > 0 ? 16 * mostEntries + 64 : 0),
        `${label}: round ${r}: ${array} bytes of array for ${mostEntries} entries`);
      if (batch.length > 0) {
        throwsCode(() => allocator.free(batch[0].view), RangeError, 'FOREIGN_POINTER');
      }

      const places = batch.map(({ view }) => allocator.view(view))
        .map((view) => [view.byteOffset, view.length]);
      const arenas = allocator.stats().arenaCount;
      assert.equal(rm.recycle(), total, `${label}: round ${r}: recycle returns the bytes freed`);
      assert.deepEqual([rm.count, rm.size], [0, 0], `${label}: round ${r}: after recycle`);
      run.checkStats(guardLive + struct + array, `round ${r}: after recycle`);
      for (const [ptr, len] of places) run.checkFreed(ptr, len, arenas, 'recycle');
      checkGuards(`after recycle ${r}`);
      if (batch.length > 0) {
        throwsCode(() => allocator.view(batch[0].view), Error, 'FREED');
        throwsCode(() => allocator.free(batch[0].view), Error, 'DOUBLE_FREE');
      }
    }
    rm.destroy();
    assert.equal(rm.destroyed, true);
    throwsCode(() => rm.nextN(1), Error, 'DESTROYED');
    run.checkStats(guardLive, 'after rm.destroy');
    checkGuards('after rm.destroy');
    for (const { view } of guards) allocator.free(view);
    run.checkStats(0, 'after freeing everything');
  } finally {
    run.destroy();
  }
}

// --- the tests --------------------------------------------------------------------------------

describe('option matrix', () => {
  test('init: initialMemory above maximumMemory is INVALID_SIZE, in both modules', async () => {
    assert.ok(INVALID_INITS.length >= 4);
    for (const combo of INVALID_INITS) {
      await assert.rejects(init(combo), (error) => {
        assert.ok(error instanceof RangeError, initKey(combo));
        assert.equal(error.code, 'INVALID_SIZE', initKey(combo));
        return true;
      });
    }
  });

  test('createAllocator: every bad option value throws its documented error', () => {
    const notNumbers = ['16', null, 16n, {}, true];
    const notCounts = [-1, 1.5, NaN, Infinity, -Infinity, -0.5];
    const bad = {
      // [value, kind, code]
      initialSize: [
        ...notNumbers.map((v) => [v, TypeError, 'INVALID_ARGUMENT']),
        ...notCounts.map((v) => [v, RangeError, 'INVALID_SIZE']),
        ...[ARENA_LIMIT + 1, 2 ** 32, 2 ** 53].map((v) => [v, RangeError, 'INVALID_SIZE']),
      ],
      maxBlockSize: [
        ...notNumbers.map((v) => [v, TypeError, 'INVALID_ARGUMENT']),
        ...notCounts.map((v) => [v, RangeError, 'INVALID_SIZE']),
        ...[1, 7, 4095, ARENA_LIMIT + 1, 2 ** 32].map((v) => [v, RangeError, 'INVALID_SIZE']),
      ],
      alignment: [
        ...notNumbers.map((v) => [v, TypeError, 'INVALID_ARGUMENT']),
        ...notCounts.map((v) => [v, RangeError, 'INVALID_SIZE']),
        // A whole number that is not a power of two up to 4096: INVALID_ARGUMENT, which
        // index.d.ts (GomemErrorCode) documents as a TypeError.
        ...[3, 5, 6, 12, 100, 4095, 4097, 8192, 2 ** 20, 2 ** 31, 2 ** 32]
          .map((v) => [v, TypeError, 'INVALID_ARGUMENT']),
      ],
      compact: [1, 0, 'yes', null, {}, 'false'].map((v) => [v, TypeError, 'INVALID_ARGUMENT']),
    };
    const badArbitrary = fc.constantFrom(...Object.entries(bad).flatMap(([option, cases]) =>
      cases.map((c) => [option, ...c])));
    fc.assert(fc.property(initArbitrary, allocatorOptionsArbitrary, badArbitrary,
      (combo, options, [option, value, Kind, code]) => {
        const gomem = instances.get(initKey(combo));
        const held = gomem.pageBytesHeld();
        throwsCode(() => gomem.createAllocator({ ...options, [option]: value }), Kind, code);
        assert.equal(gomem.pageBytesHeld(), held, 'a refused allocator keeps no pages');
      }), FC_OPTIONS);
    // Options that are not objects, and the edges that are still valid.
    const gomem = instances.get(initKey(VALID_INITS[0]));
    for (const options of [null, 5, 'x', true]) {
      throwsCode(() => gomem.createAllocator(options), TypeError, 'INVALID_ARGUMENT');
    }
    for (const options of [undefined, {}, { initialSize: ARENA_LIMIT }, { maxBlockSize: 4096 },
      { maxBlockSize: ARENA_LIMIT }, { alignment: 4096, compact: true }, { alignment: 1 }]) {
      const allocator = gomem.createAllocator(options);
      allocator.destroy();
    }
    assert.equal(gomem.pageBytesHeld(), 0);
  });

  test('property: the allocator against a shadow model, over every option', () => {
    const seen = newSeen();
    fc.assert(fc.property(shadowArbitrary, (scenario) => {
      seen.runs++;
      shadowScenario(scenario, seen);
    }), FC_OPTIONS);
    if (process.env.GOMEM_DIFF_STATS) console.log('shadow', seen);
    if (RUNS >= 100) {
      for (const key of ['nomem', 'stale', 'freedPattern', 'dedicated', 'spanFreed', 'spanRefused',
        'borrows', 'released', 'withinInitial']) {
        assert.ok(seen[key] > 0, `the runs covered ${key}: ${JSON.stringify(seen)}`);
      }
    }
    if (RUNS >= 1000) {
      assert.ok(seen.nomemBy.free > 0, `a free was NOMEM (index nodes): ${JSON.stringify(seen)}`);
    }
  });

  test('property: Memory and Reader over every allocator', () => {
    const seen = newSeen();
    fc.assert(fc.property(memoryArbitrary, (scenario) => {
      seen.runs++;
      memoryScenario(scenario, seen);
    }), FC_OPTIONS);
    if (process.env.GOMEM_DIFF_STATS) console.log('memory', seen);
    if (RUNS >= 100) assert.ok(seen.nomem > 0 && seen.createNomem > 0, JSON.stringify(seen));
  });

  test('property: RecyclableMemory batches recycle back to the model, over every allocator', () => {
    const seen = newSeen();
    fc.assert(fc.property(recyclableArbitrary, (scenario) => {
      seen.runs++;
      recyclableScenario(scenario, seen);
    }), FC_OPTIONS);
    if (process.env.GOMEM_DIFF_STATS) console.log('recyclable', seen);
    if (RUNS >= 100) assert.ok(seen.nomem > 0 && seen.freedPattern > 0, JSON.stringify(seen));
  });
});
