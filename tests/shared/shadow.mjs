// shadow.mjs - the shadow-memory random test of the JS wrapper, shared by tests/js/shadow.test.mjs
// (Node) and tests/browser/browser-tests.mjs (the page): no Node imports.
//
// In the style of walloc's test.js: the test keeps its own map of every live byte and checks, over
// thousands of random malloc / free / partial free / freeRest calls, that no two allocations ever
// overlap, that every allocation keeps the bytes written into it (through memory growths,
// re-deriving views with gomem.view), and that stats().live matches the map.
//
// `assert` is anything with ok(value, message), equal(actual, expected, message) (Object.is) and
// deepEqual: node:assert/strict under Node, the page's own helpers in the browser.
import { generator } from './random.mjs';

// One byte per address of wasm memory: 1 while some live allocation holds it.
class Shadow {
  bytes = new Uint8Array(1 << 20);

  constructor(assert, seed) {
    this.assert = assert;
    this.seed = seed;
  }

  claim(ptr, len) {
    this.#reach(ptr + len);
    const range = this.bytes.subarray(ptr, ptr + len);
    const taken = range.indexOf(1);
    this.assert.equal(taken, -1,
      `seed ${this.seed}: byte ${ptr + taken} handed out while still live`);
    range.fill(1);
  }

  release(ptr, len) {
    const range = this.bytes.subarray(ptr, ptr + len);
    this.assert.equal(range.indexOf(0), -1,
      `seed ${this.seed}: freeing bytes at ${ptr} the shadow holds as free`);
    range.fill(0);
  }

  #reach(end) {
    if (end <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(end, this.bytes.length * 2));
    grown.set(this.bytes);
    this.bytes = grown;
  }
}

/**
 * `steps` random operations on a new allocator of `gomem` (a Gomem instance) made with
 * `options`, seeded by `seed`; everything is freed at the end and the allocator destroyed.
 * Returns how many times memory grew (by byteLength, which also counts growths of a resizable
 * buffer, whose identity never changes).
 */
export function shadowRun(gomem, assert, seed, options, steps) {
  const random = generator(seed);
  const allocator = gomem.createAllocator(options);
  const shadow = new Shadow(assert, seed);
  // A piece: bytes [start, start + len) of the allocation `parent` (a view the allocator handed
  // out, possibly stale by now), all filled with `tag`.
  const pieces = [];
  let live = 0;
  let tags = 0;
  let growths = 0;
  let lastLength = gomem.wasmMemory.buffer.byteLength;

  const bytesOf = (piece) => gomem.view(piece.parent).subarray(piece.start, piece.start + piece.len);
  const addressOf = (piece) => gomem.view(piece.parent).byteOffset + piece.start;
  const checkTag = (piece) => {
    const wrong = bytesOf(piece).findIndex((byte) => byte !== piece.tag);
    assert.equal(wrong, -1, `seed ${seed}: piece at ${addressOf(piece)} lost its bytes`);
  };
  const take = (index) => {
    const [piece] = pieces.splice(index, 1);
    checkTag(piece);
    shadow.release(addressOf(piece), piece.len);
    live -= piece.len;
    return piece;
  };
  const put = (piece) => {
    pieces.push(piece);
    live += piece.len;
  };

  const operations = [
    // malloc: mostly small, sometimes larger than maxBlockSize (a region of its own)
    [45, () => {
      const size = random.next() < 0.03 ? 1 + random.below(300000) : 1 + random.below(3000);
      const view = allocator.malloc(size);
      assert.equal(view.length, size, 'malloc length');
      assert.equal(view.byteOffset % (options.alignment || 8), 0, 'alignment');
      shadow.claim(view.byteOffset, size);
      const tag = 1 + (tags++ % 255);
      view.fill(tag);
      put({ parent: view, start: 0, len: size, whole: true, tag });
    }],
    // free a whole piece: by its recorded view when it is a whole allocation
    [25, () => {
      const piece = take(random.below(pieces.length));
      allocator.free(piece.whole ? piece.parent : bytesOf(piece));
    }],
    // free a sub-range of a piece: up to two pieces remain
    [20, () => {
      const index = random.below(pieces.length);
      if (pieces[index].len < 2) return;
      const piece = take(index);
      const from = random.below(piece.len);
      const to = from + 1 + random.below(piece.len - from);
      allocator.free(bytesOf({ ...piece, start: piece.start + from, len: to - from }));
      if (from > 0) put({ ...piece, len: from, whole: false });
      if (to < piece.len) put({ ...piece, start: piece.start + to, len: piece.len - to, whole: false });
      shadow.claim(addressOf(piece), from);
      shadow.claim(addressOf(piece) + to, piece.len - to);
    }],
    // freeRest on a whole allocation: its kept view becomes the piece's new parent
    [10, () => {
      const index = pieces.findIndex((piece) => piece.whole && piece.len > 1);
      if (index < 0) return;
      const piece = take(index);
      const keep = random.below(piece.len);
      const kept = allocator.freeRest(piece.parent, keep);
      assert.equal(kept.length, keep, 'freeRest kept length');
      if (keep === 0) return;
      shadow.claim(kept.byteOffset, keep);
      put({ parent: kept, start: 0, len: keep, whole: true, tag: piece.tag });
    }],
  ];
  const total = operations.reduce((sum, [weight]) => sum + weight, 0);

  for (let step = 0; step < steps; step++) {
    let pick = random.below(total);
    const [, operation] = operations.find(([weight]) => (pick -= weight) < 0);
    if (pieces.length === 0) operations[0][1]();
    else operation();
    assert.equal(allocator.stats().live, live, `seed ${seed}: stats().live after step ${step}`);
    const length = gomem.wasmMemory.buffer.byteLength;
    if (length !== lastLength) {
      growths++;
      lastLength = length;
    }
    if (step % 500 === 499) pieces.forEach(checkTag);
  }

  while (pieces.length > 0) allocator.free(bytesOf(take(pieces.length - 1)));
  const stats = allocator.stats();
  assert.equal(stats.live, 0, 'live after freeing everything');
  assert.equal(stats.totalMalloc, stats.totalFree, 'totalMalloc = totalFree');
  allocator.trim();
  assert.equal(allocator.stats().arenaCount, 0, 'every arena was wholly free');
  allocator.destroy();
  return growths;
}
