// The shared-memory instance in one thread (docs/workers.md): its options, and the API's refusals.
// Several workers on it: tests/workers/ (npm run test:workers).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { attach, init } from '../../js/index.mjs';
import { addDescription, createDescriptionTable, isLive, retire } from '../../js/shared.mjs';
import { generator } from '../shared/random.mjs';
import { throwsCode } from './helpers.mjs';

const MiB = 1 << 20;

describe('init({ shared: true })', () => {
  test('a shared memory, a heap in it, and maximumMemory as its declared maximum', async () => {
    const gomem = await init({ shared: true, initialMemory: 8 * MiB, maximumMemory: 64 * MiB });
    assert.equal(gomem.shared, true);
    assert.ok(gomem.wasmMemory.buffer instanceof SharedArrayBuffer);
    // initialMemory is reserved at once: 8 MiB more than the module's own first megabyte.
    assert.ok(gomem.wasmMemory.buffer.byteLength >= 9 * MiB);
    const allocator = gomem.createAllocator();
    const view = allocator.malloc(1000);
    assert.equal(view.buffer, gomem.wasmMemory.buffer);
    view.fill(7);
    const description = gomem.share(view);
    assert.equal(description.ptr, view.byteOffset);
    assert.equal(description.length, 1000);
    assert.ok(description.stamp > 0);
    assert.deepEqual(gomem.share(view), description, 'sharing a view twice: one description');
    const again = gomem.viewOf(description);
    assert.equal(again[999], 7, 'viewOf shows the same bytes');
    assert.equal(gomem.view(view), view, 'a view of a shared memory never goes stale');
    allocator.free(again);
    assert.equal(allocator.stats().live, 0);
    // Freed through the description: every later use of it, or of the first view, is FREED.
    throwsCode(() => gomem.viewOf(description), Error, 'FREED');
    throwsCode(() => allocator.free(view), Error, 'FREED');
    throwsCode(() => gomem.share(again), Error, 'FREED');
    // The memory stops at its maximum: beyond it, NOMEM rather than growth.
    throwsCode(() => allocator.malloc(80 * MiB), RangeError, 'NOMEM');
  });

  test('a full table of descriptions is NOMEM, and a free makes room', async () => {
    const gomem = await init({ shared: true, sharedViews: 2 });
    const allocator = gomem.createAllocator();
    const views = [1, 2, 3].map(() => allocator.malloc(16));
    const [first] = views.slice(0, 2).map((view) => gomem.share(view));
    throwsCode(() => gomem.share(views[2]), RangeError, 'NOMEM', /more than 2 descriptions/);
    allocator.free(gomem.viewOf(first));
    assert.ok(gomem.share(views[2]).stamp > 0);
  });

  test('a free that fails keeps the description', async () => {
    const gomem = await init({ shared: true });
    const [a, b] = [gomem.createAllocator(), gomem.createAllocator()];
    const description = gomem.share(a.malloc(32));
    throwsCode(() => b.free(gomem.viewOf(description)), RangeError, 'FOREIGN_POINTER');
    a.free(gomem.viewOf(description));
    assert.equal(a.stats().live, 0);
  });

  test('bad options', async () => {
    await assert.rejects(init({ shared: 'yes' }), { name: 'TypeError', code: 'INVALID_ARGUMENT' });
    await assert.rejects(init({ shared: true, sharedViews: 0 }), { code: 'INVALID_SIZE' });
    await assert.rejects(init({ shared: true, hardened: true }),
      { name: 'TypeError', code: 'INVALID_ARGUMENT' });
  });

  test('descriptions and messages are checked', async () => {
    const gomem = await init({ shared: true });
    throwsCode(() => gomem.viewOf({ ptr: -1, length: 4 }), TypeError, 'INVALID_ARGUMENT');
    throwsCode(() => gomem.viewOf(null), TypeError, 'INVALID_ARGUMENT');
    const end = gomem.wasmMemory.buffer.byteLength;
    throwsCode(() => gomem.viewOf({ ptr: end - 2, length: 4, stamp: 1 }), RangeError,
      'OUT_OF_RANGE');
    throwsCode(() => gomem.viewOf({ ptr: 64, length: 4 }), TypeError, 'INVALID_ARGUMENT');
    throwsCode(() => gomem.viewOf({ ptr: 64, length: 4, stamp: 99 }), Error, 'FREED');
    throwsCode(() => gomem.openAllocator({ handle: 'x' }), TypeError, 'INVALID_ARGUMENT');
    throwsCode(() => gomem.share(new Uint8Array(8)), RangeError, 'FOREIGN_POINTER');
    throwsCode(() => gomem.releaseWorker({}), TypeError, 'INVALID_ARGUMENT');
    await assert.rejects(attach({ gomemShared: 1 }), { name: 'TypeError', code: 'INVALID_ARGUMENT' });
    const message = gomem.forWorker();
    assert.equal(gomem.releaseWorker(message), true, 'an unused message gives its region back');
    assert.equal(gomem.releaseWorker(message), false, 'once');
    await assert.rejects(attach(message), { name: 'TypeError', code: 'INVALID_ARGUMENT' },
      'a released message cannot be attached');
  });
});

describe('the shared API on an ordinary instance', () => {
  test('is UNSUPPORTED', async () => {
    const gomem = await init();
    assert.equal(gomem.shared, false);
    const allocator = gomem.createAllocator();
    const view = allocator.malloc(8);
    for (const call of [() => gomem.forWorker(), () => gomem.share(view),
      () => gomem.viewOf({ ptr: 8, length: 8, stamp: 1 }), () => gomem.detach(),
      () => gomem.openAllocator({ handle: 8, maxBlockSize: 4096 }), () => allocator.share()]) {
      throwsCode(call, Error, 'UNSUPPORTED');
    }
  });
});

describe('the table of descriptions in flight', () => {
  test('agrees with a Map over random adds and retires, full tables included', () => {
    for (const capacity of [1, 2, 3, 7, 64]) {
      const random = generator(capacity * 7919);
      const table = createDescriptionTable(capacity);
      const model = new Map(); // ptr -> stamp
      // Few distinct addresses, multiples of 8, so probe runs collide and wrap.
      const ptrs = Array.from({ length: capacity + 3 }, (_, i) => 8 * (1 + i * 37));
      for (let step = 0; step < 4000; step++) {
        const ptr = ptrs[random.below(ptrs.length)];
        if (random.next() < 0.55) {
          const stamp = addDescription(table, ptr, 16);
          if (model.has(ptr)) assert.equal(stamp, model.get(ptr), 'a live ptr keeps its stamp');
          else if (model.size === capacity) assert.equal(stamp, 0, 'a full table refuses');
          else {
            assert.ok(stamp > 0);
            model.set(ptr, stamp);
          }
        } else {
          const stamp = model.get(ptr) ?? 12345;
          assert.equal(retire(table, ptr, stamp), model.has(ptr), `retire ${ptr}`);
          model.delete(ptr);
        }
        for (const p of ptrs) {
          assert.equal(isLive(table, p, 16, model.get(p) ?? -1), model.has(p),
            `capacity ${capacity}, step ${step}: ${p} live as in the model`);
        }
      }
    }
  });
});
