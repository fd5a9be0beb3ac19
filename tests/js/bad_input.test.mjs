// The misuse catalogue of the JS wrapper (the JS half of tests/bad_input/test_bad_input.c): one
// table entry per misuse, each with the error class and `.code` the wrapper documents. After every
// entry the allocator it misused must still add up (live = totalMalloc - totalFree, live as the
// entry left it) and serve a fresh malloc and free. The wrapper keeps its C handle private, so a
// raw C allocator made through gomem.exports is misused the same way with JS numbers, in both
// modules; in the hardened one, which exports it, gomem_allocator_invariants_hold checks it too
// (the default module leaves that export out to stay within its size budget).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { StaleViewError, init } from '../../js/index.mjs';

const MiB = 1 << 20;
// gomem_status numbers are stable (gomem.h): they cross the wasm boundary.
const STATUS = { OK: 0, INVALID_SIZE: 3, FOREIGN_POINTER: 4, OUT_OF_RANGE: 5, DOUBLE_FREE: 6 };

let gomem;
let other; // a second instance, with its own memory
before(async () => {
  gomem = await init();
  other = await init();
});

// Engines with WebAssembly.Memory#toResizableBuffer never detach views on growth.
const detaches = () => gomem.wasmMemory.buffer.resizable !== true;

// The allocator still adds up and still serves: a fresh malloc, written and freed.
function assertHealthy(allocator, expectedLive) {
  const stats = allocator.stats();
  assert.equal(stats.live, expectedLive, 'live bytes as the entry left them');
  assert.equal(stats.totalMalloc - stats.totalFree, stats.live);
  const fresh = allocator.malloc(777);
  assert.equal(fresh.length, 777);
  assert.equal(fresh.buffer, gomem.wasmMemory.buffer);
  fresh.fill(0x5a);
  allocator.free(fresh);
  assert.equal(allocator.stats().live, expectedLive);
}

function assertThrowsCoded(fn, Kind, code) {
  assert.throws(fn, (error) => {
    assert.ok(error instanceof Kind, `expected ${Kind.name}, got ${error?.constructor?.name}: ` +
      `${error?.message}`);
    assert.equal(error.code, code);
    assert.ok(error.message.length > 20, 'the message says what went wrong');
    return true;
  });
}

// Each entry: name, the documented error class and code, and the misuse (given a fresh allocator
// holding one live 300-byte allocation; whatever else it allocates it gives back).
const catalogue = [
  ['malloc(-1)', RangeError, 'INVALID_SIZE', (a) => a.malloc(-1)],
  ['malloc(-0.5)', RangeError, 'INVALID_SIZE', (a) => a.malloc(-0.5)],
  ['malloc(NaN)', RangeError, 'INVALID_SIZE', (a) => a.malloc(NaN)],
  ['malloc(1.5)', RangeError, 'INVALID_SIZE', (a) => a.malloc(1.5)],
  ['malloc(0)', RangeError, 'INVALID_SIZE', (a) => a.malloc(0)],
  ['malloc(Infinity)', RangeError, 'INVALID_SIZE', (a) => a.malloc(Infinity)],
  ['malloc(-Infinity)', RangeError, 'INVALID_SIZE', (a) => a.malloc(-Infinity)],
  ['malloc("16")', TypeError, 'INVALID_ARGUMENT', (a) => a.malloc('16')],
  ['malloc(16n)', TypeError, 'INVALID_ARGUMENT', (a) => a.malloc(16n)],
  ['malloc(null)', TypeError, 'INVALID_ARGUMENT', (a) => a.malloc(null)],
  ['malloc(2 ** 32 + 1), over 4 GiB', RangeError, 'INVALID_SIZE', (a) => a.malloc(2 ** 32 + 1)],
  ['malloc(2 ** 53)', RangeError, 'INVALID_SIZE', (a) => a.malloc(2 ** 53)],
  ['malloc(ARENA_LIMIT + 1)', RangeError, 'INVALID_SIZE', (a) => a.malloc(0xfffff001)],
  ['borrow(-1)', RangeError, 'INVALID_SIZE', (a) => a.borrow(-1)],
  ['borrow above maxBlockSize', RangeError, 'INVALID_SIZE', (a) => a.borrow(a.maxBlockSize + 1)],
  ['free(plain Uint8Array)', RangeError, 'FOREIGN_POINTER', (a) => a.free(new Uint8Array(16))],
  ['free(Node Buffer)', RangeError, 'FOREIGN_POINTER', (a) => a.free(Buffer.alloc(16))],
  ['free(ArrayBuffer)', TypeError, 'INVALID_ARGUMENT', (a) => a.free(new ArrayBuffer(16))],
  ['free(DataView of a malloc)', TypeError, 'INVALID_ARGUMENT', (a) => {
    const view = a.malloc(16);
    try {
      a.free(new DataView(view.buffer, view.byteOffset, 16));
    } finally {
      a.free(view);
    }
  }],
  ['free(null)', TypeError, 'INVALID_ARGUMENT', (a) => a.free(null)],
  ['free(a view from another gomem instance)', RangeError, 'FOREIGN_POINTER', (a) => {
    const foreignAllocator = other.createAllocator();
    const foreign = foreignAllocator.malloc(64);
    try {
      a.free(foreign);
    } finally {
      foreignAllocator.free(foreign);
      foreignAllocator.destroy();
    }
  }],
  ['free(a view from another allocator of this instance)', RangeError, 'FOREIGN_POINTER', (a) => {
    const sibling = gomem.createAllocator();
    const view = sibling.malloc(64);
    try {
      a.free(view);
    } finally {
      sibling.free(view);
      assert.equal(sibling.stats().live, 0);
      sibling.destroy();
    }
  }],
  ['free(a view of wasm memory no allocator owns)', RangeError, 'FOREIGN_POINTER',
    (a) => a.free(new Uint8Array(gomem.wasmMemory.buffer, 8, 16))],
  ['free(an empty subarray)', RangeError, 'INVALID_SIZE', (a) => {
    const view = a.malloc(32);
    try {
      a.free(view.subarray(4, 4));
    } finally {
      a.free(view);
    }
  }],
  ['double free, whole', Error, 'DOUBLE_FREE', (a) => {
    const view = a.malloc(128);
    a.free(view);
    a.free(view);
  }],
  ['double free, a subarray freed then the whole', Error, 'DOUBLE_FREE', (a) => {
    const view = a.malloc(128);
    a.free(view.subarray(32, 64));
    try {
      a.free(view); // not recorded as freed: the C index finds the freed bytes
    } finally {
      a.free(view.subarray(0, 32));
      a.free(view.subarray(64));
    }
  }],
  ['double free, the same subarray twice', Error, 'DOUBLE_FREE', (a) => {
    const view = a.malloc(128);
    const part = view.subarray(16, 48);
    a.free(part);
    try {
      a.free(part);
    } finally {
      a.free(view.subarray(0, 16));
      a.free(view.subarray(48));
    }
  }],
  ['freeRest(view, -1)', RangeError, 'INVALID_SIZE', (a) => {
    const view = a.malloc(64);
    try {
      a.freeRest(view, -1);
    } finally {
      a.free(view);
    }
  }],
  ['freeRest(view, NaN)', RangeError, 'INVALID_SIZE', (a) => {
    const view = a.malloc(64);
    try {
      a.freeRest(view, NaN);
    } finally {
      a.free(view);
    }
  }],
  ['freeRest of a freed view', Error, 'DOUBLE_FREE', (a) => {
    const view = a.malloc(64);
    a.free(view);
    a.freeRest(view, 8);
  }],
  ['setPageLimit(-1)', RangeError, 'INVALID_SIZE', () => gomem.setPageLimit(-1)],
  ['createAllocator({ initialSize: NaN })', RangeError, 'INVALID_SIZE',
    () => gomem.createAllocator({ initialSize: NaN })],
  ['createAllocator({ alignment: 3 })', TypeError, 'INVALID_ARGUMENT',
    () => gomem.createAllocator({ alignment: 3 })],
  ["createAllocator({ compact: 'yes' })", TypeError, 'INVALID_ARGUMENT',
    () => gomem.createAllocator({ compact: 'yes' })],
];

describe('misuse catalogue', () => {
  for (const [name, Kind, code, misuse] of catalogue) {
    test(`${name}: ${Kind.name} ${code}`, () => {
      const allocator = gomem.createAllocator();
      const keep = allocator.malloc(300); // a live allocation the misuse must not disturb
      keep.fill(7);
      const held = gomem.pageBytesHeld();
      assertThrowsCoded(() => misuse(allocator), Kind, code);
      assert.ok(gomem.pageBytesHeld() <= held + 4 * MiB, 'no runaway page use');
      assert.ok(gomem.view(keep).every((byte) => byte === 7), 'the live bytes are untouched');
      assertHealthy(allocator, 300);
      allocator.free(keep);
      assertHealthy(allocator, 0);
      allocator.destroy();
    });
  }

  test('a stale subarray after growth passed to free: StaleViewError STALE_VIEW', () => {
    const allocator = gomem.createAllocator();
    const view = allocator.malloc(4096);
    view.fill(9);
    const part = view.subarray(100, 200);
    const buffer = gomem.wasmMemory.buffer;
    const growth = [];
    while (gomem.wasmMemory.buffer === buffer && growth.length < 512) {
      growth.push(allocator.malloc(MiB));
    }
    assert.notEqual(gomem.wasmMemory.buffer, buffer, `memory grew after ${growth.length} MiB`);
    if (detaches()) {
      assert.equal(part.length, 0, 'the engine detached the subarray');
      assertThrowsCoded(() => allocator.free(part), StaleViewError, 'STALE_VIEW');
      assertThrowsCoded(() => allocator.freeRest(part, 1), StaleViewError, 'STALE_VIEW');
      assertThrowsCoded(() => gomem.view(part), StaleViewError, 'STALE_VIEW');
    }
    // Nothing was freed; the recorded view still gives its bytes, and the documented way works.
    const live = gomem.view(view);
    assert.ok(live.every((byte) => byte === 9));
    allocator.free(live.subarray(100, 200));
    assertHealthy(allocator, 4096 - 100 + growth.length * MiB);
    allocator.free(live.subarray(0, 100));
    allocator.free(live.subarray(200));
    for (const block of growth) allocator.free(block); // stale records free by their record
    assertHealthy(allocator, 0);
    allocator.destroy();
  });

  test('use after destroy: Error DESTROYED from every method', () => {
    const allocator = gomem.createAllocator();
    const view = allocator.malloc(64);
    allocator.destroy();
    assert.equal(allocator.destroyed, true);
    assertThrowsCoded(() => allocator.malloc(16), Error, 'DESTROYED');
    assertThrowsCoded(() => allocator.free(view), Error, 'DESTROYED');
    assertThrowsCoded(() => allocator.freeRest(view, 8), Error, 'DESTROYED');
    assertThrowsCoded(() => allocator.borrow(16), Error, 'DESTROYED');
    assertThrowsCoded(() => allocator.stats(), Error, 'DESTROYED');
    assertThrowsCoded(() => allocator.trim(), Error, 'DESTROYED');
    assertThrowsCoded(() => allocator.view(view), Error, 'DESTROYED');
    assertThrowsCoded(() => allocator.destroy(), Error, 'DESTROYED');
    assertThrowsCoded(() => gomem.view(view), Error, 'DESTROYED');
    // The instance is fine: a new allocator serves.
    const fresh = gomem.createAllocator();
    assertHealthy(fresh, 0);
    fresh.destroy();
  });

  test('a view spanning two live allocations frees both ranges, as in C (not detected)', () => {
    const allocator = gomem.createAllocator();
    const x = allocator.malloc(64);
    const y = allocator.malloc(64);
    assert.equal(y.byteOffset, x.byteOffset + 64, 'first fit: back to back');
    allocator.free(new Uint8Array(gomem.wasmMemory.buffer, x.byteOffset + 48, 32));
    assertHealthy(allocator, 96);
    allocator.free(x.subarray(0, 48));
    allocator.free(y.subarray(16));
    assertThrowsCoded(() => allocator.free(x), Error, 'DOUBLE_FREE');
    assertHealthy(allocator, 0);
    allocator.destroy();
  });
});

// The C API through the raw exports, where JS numbers meet wasm's i32 conversion (ToInt32):
// -1 becomes 0xffffffff, NaN and fractions' integer parts what they are. This is why the wrapper
// checks sizes itself; the library still must stay sound whatever arrives.
for (const hardened of [false, true]) describe(`raw exports with JS numbers (${hardened ? 'hardened' : 'default'} module)`, () => {
  let raw;
  let exports;
  before(async () => {
    exports = hardened ? (await init({ hardened: true })).exports : gomem.exports;
    raw = exports.gomem_allocator_create_ex(0, 0) >>> 0;
    assert.notEqual(raw, 0);
  });
  after(() => exports.gomem_allocator_destroy(raw));

  const invariantsHold = () =>
    !hardened || exports.gomem_allocator_invariants_hold(raw) === 1;

  test('the invariant check is exported exactly by the hardened module', () => {
    assert.equal(typeof exports.gomem_allocator_invariants_hold === 'function', hardened);
  });

  function rawHealthy() {
    assert.ok(invariantsHold(), 'gomem_allocator_invariants_hold');
    const ptr = exports.gomem_alloc(raw, 1000) >>> 0;
    assert.notEqual(ptr, 0);
    assert.equal(exports.gomem_free(raw, ptr, 1000), STATUS.OK);
    assert.ok(invariantsHold());
  }

  const entries = [
    ['gomem_alloc(-1) (0xffffffff)', () => exports.gomem_alloc(raw, -1) >>> 0, 0],
    ['gomem_alloc(NaN) (0)', () => exports.gomem_alloc(raw, NaN) >>> 0, 0],
    ['gomem_alloc(2 ** 32) (0)', () => exports.gomem_alloc(raw, 2 ** 32) >>> 0, 0],
    ['gomem_alloc(Infinity) (0)', () => exports.gomem_alloc(raw, Infinity) >>> 0, 0],
    ['gomem_free(p, -1) (0xffffffff bytes)', (p) => exports.gomem_free(raw, p, -1),
      STATUS.OUT_OF_RANGE],
    ['gomem_free(p, NaN) (0 bytes)', (p) => exports.gomem_free(raw, p, NaN), STATUS.INVALID_SIZE],
    ['gomem_free(p, 0.5) (0 bytes)', (p) => exports.gomem_free(raw, p, 0.5), STATUS.INVALID_SIZE],
    ['gomem_free(-1, 8) (address 0xffffffff)', () => exports.gomem_free(raw, -1, 8),
      STATUS.FOREIGN_POINTER],
    ['gomem_free(p + 64, 1), past the allocation into free bytes',
      (p) => exports.gomem_free(raw, p + 64, 1), STATUS.DOUBLE_FREE],
  ];

  for (const [name, call, expected] of entries) {
    test(`${name}: ${expected === 0 ? 'NULL' : Object.keys(STATUS).find(
      (key) => STATUS[key] === expected)}`, () => {
      const p = exports.gomem_alloc(raw, 64) >>> 0;
      assert.notEqual(p, 0);
      assert.equal(call(p), expected);
      assert.equal(exports.gomem_free(raw, p, 64), STATUS.OK, 'the allocation was untouched');
      rawHealthy();
    });
  }
});
