// init() options beyond the module source: hardened (gomem.hardened.wasm), initialMemory and
// maximumMemory, and their bad values.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { init } from '../../js/index.mjs';
import { throwsCode } from './helpers.mjs';

const MiB = 1 << 20;

describe('init({ hardened })', () => {
  test('the default module is not hardened: a free across two allocations frees both', async () => {
    const gomem = await init();
    assert.equal(gomem.hardened, false);
    const a = gomem.createAllocator();
    const x = a.malloc(64);
    const y = a.malloc(64);
    assert.equal(y.byteOffset, x.byteOffset + 64); // back to back in a fresh arena
    a.free(new Uint8Array(gomem.wasmMemory.buffer, x.byteOffset + 32, 64));
    assert.equal(a.stats().live, 64);
  });

  test('the hardened module refuses it with SPANS_ALLOCATIONS and fills freed bytes', async () => {
    const gomem = await init({ hardened: true });
    assert.equal(gomem.hardened, true);
    const a = gomem.createAllocator();
    const x = a.malloc(64);
    const y = a.malloc(64);
    x.fill(0x11);
    y.fill(0x22);
    throwsCode(() => a.free(new Uint8Array(gomem.wasmMemory.buffer, x.byteOffset + 32, 64)), Error,
      'SPANS_ALLOCATIONS', /SPANS_ALLOCATIONS.*free each allocation/s);
    assert.equal(a.stats().live, 128); // nothing changed
    a.free(x.subarray(0, 16));
    assert.deepEqual([...x.subarray(0, 16)], new Array(16).fill(0xdf)); // the freed pattern
    assert.deepEqual([...x.subarray(16)], new Array(48).fill(0x11)); // the rest untouched
    a.free(x.subarray(16));
    a.free(y);
    assert.equal(a.stats().live, 0);
  });

  test('a view kept past destroy() reads the freed pattern when hardened', async () => {
    const gomem = await init({ hardened: true });
    const a = gomem.createAllocator();
    a.malloc(64); // the arena's first bytes may hold the page source's bookkeeping once freed
    const kept = a.malloc(64).fill(0x33);
    a.destroy();
    // JS cannot revoke a Uint8Array: the view still shows those bytes. The hardened module
    // overwrites an arena when it goes, so stale data never reads as live data (the default
    // module leaves what was there: docs/js.md, "init(options)", says both).
    assert.ok(kept.every((b) => b === 0xdf));
    throwsCode(() => gomem.view(kept), Error, 'DESTROYED');
  });

  test('hardened must be a boolean', async () => {
    await assert.rejects(init({ hardened: 'yes' }), { name: 'TypeError', code: 'INVALID_ARGUMENT' });
  });
});

describe('init({ initialMemory, maximumMemory })', () => {
  test('initialMemory grows memory once, so allocations up to it never grow it', async () => {
    const gomem = await init({ initialMemory: 24 * MiB });
    const buffer = gomem.wasmMemory.buffer;
    assert.ok(buffer.byteLength >= 24 * MiB);
    const a = gomem.createAllocator({ maxBlockSize: 4 * MiB });
    const views = [];
    for (let i = 0; i < 20; i++) views.push(a.malloc(1 * MiB));
    assert.equal(gomem.wasmMemory.buffer, buffer,
      'no growth: the same ArrayBuffer, views stay live');
    for (const view of views) a.free(view);
  });

  test('maximumMemory caps what the allocators may take: NOMEM beyond, usable after', async () => {
    const gomem = await init({ maximumMemory: 8 * MiB });
    const a = gomem.createAllocator({ maxBlockSize: 1 * MiB });
    const views = [];
    assert.throws(() => { for (;;) views.push(a.malloc(512 * 1024)); },
      { name: 'RangeError', code: 'NOMEM' });
    const held = views.length * 512 * 1024;
    assert.ok(held >= 6 * MiB && held <= 8 * MiB, `held ${held} bytes under an 8 MiB cap`);
    assert.ok(gomem.pageBytesHeld() <= 8 * MiB);
    a.free(views.pop());
    views.push(a.malloc(512 * 1024)); // still serves once something is freed
    for (const view of views) a.free(view);
    assert.equal(a.stats().live, 0);
  });

  test('initialMemory above maximumMemory is refused, and so are bad sizes', async () => {
    await assert.rejects(init({ initialMemory: 2 * MiB, maximumMemory: MiB }),
      { name: 'RangeError', code: 'INVALID_SIZE' });
    await assert.rejects(init({ initialMemory: -1 }), { name: 'RangeError', code: 'INVALID_SIZE' });
    await assert.rejects(init({ maximumMemory: 1.5 }), { name: 'RangeError', code: 'INVALID_SIZE' });
    await assert.rejects(init({ initialMemory: '1' }), { name: 'TypeError', code: 'INVALID_ARGUMENT' });
    await assert.rejects(init({ maximumMemory: 2 ** 33 }), { name: 'RangeError', code: 'INVALID_SIZE' });
  });

  test('an initialMemory wasm32 can never hold is INVALID_SIZE', async () => {
    await assert.rejects(init({ initialMemory: 2 ** 32 }),
      { name: 'RangeError', code: 'INVALID_SIZE' });
  });
});
