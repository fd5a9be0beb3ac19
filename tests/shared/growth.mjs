// growth.mjs - the memory-growth tests of the JS wrapper (docs/design.md, D4), shared by
// tests/js/growth.test.mjs (Node) and tests/browser/browser-tests.mjs (the page): no Node imports.
//
// A memory.grow detaches the old ArrayBuffer unless the engine has
// WebAssembly.Memory#toResizableBuffer, so views handed out earlier read as empty. The wrapper
// must still free them, re-derive them with gomem.view(), turn any use of a stale view it cannot
// recover into StaleViewError, and keep its Reader reading. Each function takes a Gomem instance
// (detaching or resizable) and `assert`: anything with ok(value, message),
// equal(actual, expected, message) (Object.is) and deepEqual (node:assert/strict under Node, the
// page's own helpers in the browser).

const MiB = 1 << 20;

/** true when a growth of this instance's memory detaches the old buffer (no resizable buffer). */
export const detaches = (gomem) => gomem.wasmMemory.buffer.resizable !== true;

function fillPattern(view, seed) {
  for (let i = 0; i < view.length; i += 4093) view[i] = (seed + i) & 0xff;
  view[view.length - 1] = seed & 0xff;
}

function hasPattern(view, seed) {
  for (let i = 0; i < view.length; i += 4093) if (view[i] !== ((seed + i) & 0xff)) return false;
  return view[view.length - 1] === (seed & 0xff);
}

// fn must throw an error whose .code is `code` and that `check` (if given) accepts.
function throwsCode(assert, fn, code, what, check = () => true) {
  let error;
  try {
    fn();
  } catch (caught) {
    error = caught;
  }
  assert.ok(error !== undefined, `${what}: expected an error coded ${code}, nothing thrown`);
  assert.equal(error.code, code, `${what}: error code (${error.message})`);
  assert.ok(check(error), `${what}: ${error.constructor?.name}: ${error.message}`);
}

/**
 * 64 allocations of 1 MiB across at least 3 growths: every one re-viewed (by gomem.view and
 * allocator.view), checked and freed, half of them by sub-ranges. Returns the views as handed out.
 */
export function growthAcrossMany(gomem, assert) {
  const allocator = gomem.createAllocator();
  const views = [];
  const lengths = new Set([gomem.wasmMemory.buffer.byteLength]);
  for (let i = 0; i < 64; i++) {
    const view = allocator.malloc(MiB);
    fillPattern(view, i);
    views.push(view);
    lengths.add(gomem.wasmMemory.buffer.byteLength);
  }
  assert.ok(lengths.size >= 4, `memory grew ${lengths.size - 1} times (want at least 3)`);
  if (detaches(gomem)) {
    assert.equal(views[0].length, 0, 'the engine detached the first view');
    assert.equal(views[0].byteOffset, 0, 'a detached view has byteOffset 0');
  }
  const addresses = new Set();
  views.forEach((view, i) => {
    const live = gomem.view(view);
    assert.equal(live.length, MiB, `allocation ${i} re-viewed length`);
    assert.equal(live.buffer, gomem.wasmMemory.buffer, `allocation ${i} re-viewed on the live buffer`);
    assert.ok(hasPattern(live, i), `allocation ${i} kept its bytes`);
    const viaAllocator = allocator.view(view);
    assert.deepEqual([viaAllocator.byteOffset, viaAllocator.length], [live.byteOffset, MiB],
      `allocation ${i} through allocator.view`);
    addresses.add(live.byteOffset);
  });
  assert.equal(addresses.size, 64, 'distinct addresses');
  assert.equal(allocator.stats().live, 64 * MiB, 'live bytes');
  // Free the views obtained before growth, half of them by a sub-range first.
  views.forEach((view, i) => {
    if (i % 2) allocator.free(gomem.view(view).subarray(1000, 5000));
  });
  views.forEach((view, i) => {
    if (i % 2) {
      const live = gomem.view(view);
      allocator.free(live.subarray(0, 1000));
      allocator.free(live.subarray(5000));
    } else {
      allocator.free(view); // the view handed out before growth, stale or not
    }
  });
  assert.equal(allocator.stats().live, 0, 'live after freeing everything');
  allocator.destroy();
  return views;
}

/** A view re-derived after growth shares its original's record: freeing one frees both. */
export function reDerivedSharesRecord(gomem, assert) {
  const allocator = gomem.createAllocator();
  const first = allocator.malloc(64);
  allocator.malloc(gomem.wasmMemory.buffer.byteLength); // forces growth
  const again = gomem.view(first);
  if (detaches(gomem)) assert.ok(again !== first, 'a new view of the live buffer');
  else assert.equal(again, first, 'a view of a resizable buffer stays live');
  allocator.free(again);
  throwsCode(assert, () => allocator.free(first), 'DOUBLE_FREE', 'free(the original)');
  throwsCode(assert, () => gomem.view(first), 'FREED', 'view(the original)');
  allocator.destroy();
}

/**
 * Stale sub-views are a StaleViewError telling to call gomem.view, never zeros; recorded views
 * still give their bytes and can be freed. Returns false, having checked nothing after the
 * growth, when this instance's memory does not detach.
 */
export function staleViews(gomem, assert, StaleViewError) {
  const allocator = gomem.createAllocator();
  const view = allocator.malloc(100);
  const other = allocator.malloc(100);
  view.fill(42);
  other.fill(43);
  const part = view.subarray(10, 20);
  const borrowed = allocator.borrow(16);
  const before = gomem.wasmMemory.buffer;
  const bigSize = 2 * before.byteLength;
  allocator.malloc(bigSize); // forces growth
  if (!detaches(gomem)) {
    allocator.destroy();
    return false;
  }
  assert.ok(gomem.wasmMemory.buffer !== before, 'a new buffer after growth');
  assert.equal(before.byteLength, 0, 'the old buffer was detached');
  assert.equal(part.length, 0, 'a detached view reads as empty');
  const isStale = (error) => error instanceof StaleViewError &&
    /gomem\.view\(v\)/.test(error.message) && /grew/.test(error.message);
  throwsCode(assert, () => allocator.free(part), 'STALE_VIEW', 'free(stale sub-view)', isStale);
  throwsCode(assert, () => allocator.freeRest(part, 1), 'STALE_VIEW', 'freeRest(stale sub-view)',
    isStale);
  throwsCode(assert, () => gomem.view(part), 'STALE_VIEW', 'view(stale sub-view)', isStale);
  throwsCode(assert, () => allocator.free(borrowed), 'STALE_VIEW',
    'free(stale borrowed view): borrowed views are not recorded', isStale);
  // The recorded parent still gives the bytes, and a new sub-view from it works.
  const live = gomem.view(view);
  assert.ok(live.every((byte) => byte === 42), 'recorded view re-viewed with its bytes');
  allocator.free(live.subarray(10, 20));
  assert.equal(allocator.stats().live, 190 + bigSize, 'live after the sub-range free');
  // freeRest of a stale recorded view works from its record and returns a live view.
  const otherOffset = gomem.view(other).byteOffset;
  const kept = allocator.freeRest(other, 10);
  assert.equal(kept.buffer, gomem.wasmMemory.buffer, 'freeRest of a stale view returns a live view');
  assert.deepEqual([kept.byteOffset, kept.length], [otherOffset, 10], 'the kept bytes');
  assert.ok(kept.every((byte) => byte === 43), 'kept bytes intact');
  assert.equal(allocator.stats().live, 100 + bigSize, 'live after freeRest');
  allocator.destroy();
  return true;
}

/** Views handed out by a call that grew memory are live, and stats survive growth. */
export function viewsAfterGrowthAreLive(gomem, assert) {
  const allocator = gomem.createAllocator();
  const before = gomem.wasmMemory.buffer;
  const size = before.byteLength * 2;
  const big = allocator.malloc(size);
  if (detaches(gomem)) {
    assert.ok(gomem.wasmMemory.buffer !== before, 'a new buffer after growth');
    assert.equal(before.byteLength, 0, 'the old buffer was detached');
  }
  assert.equal(big.buffer, gomem.wasmMemory.buffer, 'made after the call that grew memory');
  big[big.length - 1] = 5;
  assert.equal(gomem.view(big), big, 'a live view is returned as it is');
  assert.equal(allocator.stats().live, size, 'live bytes');
  allocator.free(big);
  allocator.destroy();
}

/**
 * Memory growth between Reader reads (the JS fast path reads the C reader through cached views
 * of wasm memory, which growth detaches, or which track a resizable buffer's length): every read
 * agrees with a DataView over the same bytes. Also a RecyclableMemory's views across growth.
 * Each growth takes as much as memory holds, so give it a fresh instance (init()).
 */
export function readerAcrossGrowth(gomem, assert) {
  const allocator = gomem.createAllocator();
  const bytes = Uint8Array.from({ length: 4096 }, (_, i) => (i * 13) & 0xff);
  const dv = new DataView(bytes.buffer);
  const memory = allocator.createMemory();
  memory.pushBytes(bytes.subarray(0, 1000)).pushBytes(bytes.subarray(1000));
  const reader = memory.reader();
  const recyclable = allocator.createRecyclable();
  const kept = [];
  for (let pos = 0; pos + 4 <= 4096; pos += 4) {
    if (pos % 1024 === 0) {
      const length = gomem.wasmMemory.buffer.byteLength;
      const view = recyclable.nextN(length); // forces memory to grow
      view[0] = pos & 0xff;
      kept.push(view);
      assert.ok(gomem.wasmMemory.buffer.byteLength > length, `memory grew before byte ${pos}`);
    }
    assert.equal(reader.readUint32BE(), dv.getUint32(pos), `readUint32BE at ${pos}`);
  }
  assert.equal(reader.remaining, 0, 'everything read');
  kept.forEach((view, i) => assert.equal(gomem.view(view)[0], (i * 1024) & 0xff,
    `recyclable view ${i} kept its bytes`));
  recyclable.destroy();
  memory.destroy();
  assert.equal(allocator.stats().live, 0, 'every byte freed');
  allocator.destroy();
}
