// The shared-memory instance in one thread (docs/workers.md): its options, and the API's refusals.
// Several workers on it: tests/workers/ (npm run test:workers).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { attach, init } from '../../js/index.mjs';
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
    assert.deepEqual(description, { ptr: view.byteOffset, length: 1000 });
    const again = gomem.viewOf(description);
    assert.equal(again[999], 7, 'viewOf shows the same bytes');
    assert.equal(gomem.view(view), view, 'a view of a shared memory never goes stale');
    allocator.free(again);
    assert.equal(allocator.stats().live, 0);
    // The memory stops at its maximum: beyond it, NOMEM rather than growth.
    throwsCode(() => allocator.malloc(80 * MiB), RangeError, 'NOMEM');
  });

  test('bad options', async () => {
    await assert.rejects(init({ shared: 'yes' }), { name: 'TypeError', code: 'INVALID_ARGUMENT' });
    await assert.rejects(init({ shared: true, hardened: true }),
      { name: 'TypeError', code: 'INVALID_ARGUMENT' });
  });

  test('descriptions and messages are checked', async () => {
    const gomem = await init({ shared: true });
    throwsCode(() => gomem.viewOf({ ptr: -1, length: 4 }), TypeError, 'INVALID_ARGUMENT');
    throwsCode(() => gomem.viewOf(null), TypeError, 'INVALID_ARGUMENT');
    const end = gomem.wasmMemory.buffer.byteLength;
    throwsCode(() => gomem.viewOf({ ptr: end - 2, length: 4 }), RangeError, 'OUT_OF_RANGE');
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
      () => gomem.viewOf({ ptr: 8, length: 8 }), () => gomem.detach(),
      () => gomem.openAllocator({ handle: 8, maxBlockSize: 4096 }), () => allocator.share()]) {
      throwsCode(call, Error, 'UNSUPPORTED');
    }
  });
});
