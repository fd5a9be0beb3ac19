// browser-tests.mjs - the core tests of the JS wrapper, run inside a real browser page
// (tests/browser/page.html, served by tests/browser/server.mjs, driven by tests/browser/run.mjs).
// The shadow-memory and growth test bodies are the Node tests' own (tests/shared/shadow.mjs and
// growth.mjs), given this page's assertions as `assert`.
//
// A tiny harness: tests run one after another; each result is { name, status: 'pass' | 'fail' |
// 'skip', message, ms }. When all have run, window.__results is set to
// { done: true, results, env }. A test may return a string: 'skip: why' marks it skipped,
// 'note: text' reports text as information (neither pass nor fail), any other is a remark. (env: user agent, whether toResizableBuffer exists); a failure
// to even load /js/index.mjs is reported as a failed test, never as a hang.

import {
  growthAcrossMany, readerAcrossGrowth, reDerivedSharesRecord, staleViews,
  viewsAfterGrowthAreLive,
} from '/tests/shared/growth.mjs';
import { shadowRun } from '/tests/shared/shadow.mjs';

window.__started = true; // page.html reports load errors only before this

const tests = [];
const test = (name, fn) => tests.push({ name, fn });

// --- assertions --------------------------------------------------------------------------------

class AssertionError extends Error {
  name = 'AssertionError';
}

function ok(condition, message = 'expected a true condition') {
  if (!condition) throw new AssertionError(message);
}

const show = (value) => {
  if (typeof value === 'bigint') return `${value}n`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
};

function equal(actual, expected, message = '') {
  if (!Object.is(actual, expected)) {
    throw new AssertionError(`${message ? `${message}: ` : ''}got ${show(actual)}, ` +
      `expected ${show(expected)}`);
  }
}

function deepEqual(actual, expected, message = '') {
  if (show(actual) !== show(expected)) {
    throw new AssertionError(`${message ? `${message}: ` : ''}got ${show(actual)}, ` +
      `expected ${show(expected)}`);
  }
}

// What the shared test bodies (tests/shared/*.mjs) take as `assert`.
const assert = { ok, equal, deepEqual };

function describeError(error) {
  return `${error?.constructor?.name ?? typeof error} (code ${error?.code}): ${error?.message}`;
}

// fn must throw an instance of Kind with .code === code and, if given, a message matching text.
function throwsCode(fn, Kind, code, text) {
  let error;
  try {
    fn();
  } catch (caught) {
    error = caught;
  }
  if (error === undefined) throw new AssertionError(`expected ${Kind.name} ${code}, nothing thrown`);
  const good = error instanceof Kind && (code === undefined || error.code === code) &&
    (text === undefined || text.test(error.message));
  if (!good) {
    throw new AssertionError(`expected ${Kind.name} coded ${code}${text ? ` matching ${text}` : ''}` +
      `, got ${describeError(error)}`);
  }
  return error;
}

async function rejects(promise, check, what) {
  try {
    await promise;
  } catch (error) {
    if (!check(error)) throw new AssertionError(`${what}: wrong rejection ${describeError(error)}`);
    return error;
  }
  throw new AssertionError(`${what}: expected a rejection, it resolved`);
}

// --- shared helpers ----------------------------------------------------------------------------

const MiB = 1 << 20;
let lib; // the module namespace of /js/index.mjs
let gomem; // one instance shared by the tests that do not need their own

const HAS_RESIZABLE = typeof WebAssembly.Memory.prototype.toResizableBuffer === 'function';

// An instance whose memory detaches on growth even where the engine has toResizableBuffer: the
// method is hidden from the wrapper while it starts, so the detach path is tested here too.
async function detachingInstance() {
  if (!HAS_RESIZABLE) return lib.init();
  const proto = WebAssembly.Memory.prototype;
  const descriptor = Object.getOwnPropertyDescriptor(proto, 'toResizableBuffer');
  delete proto.toResizableBuffer;
  try {
    return await lib.init();
  } finally {
    Object.defineProperty(proto, 'toResizableBuffer', descriptor);
  }
}

function assertWorks(instance) {
  ok(instance instanceof lib.Gomem, 'init() resolves to a Gomem');
  const allocator = instance.createAllocator();
  const view = allocator.malloc(32);
  equal(view.buffer, instance.wasmMemory.buffer, 'view of the memory');
  view.fill(7);
  allocator.free(view);
  equal(allocator.stats().live, 0, 'live after free');
  allocator.destroy();
}

// --- init --------------------------------------------------------------------------------------

test('init: default URL beside index.mjs, served as application/wasm (instantiateStreaming)',
  async () => {
    const url = new URL('/js/gomem.wasm', location.href);
    const response = await fetch(url);
    equal(response.headers.get('content-type'), 'application/wasm', 'the server\'s MIME type');
    // The streaming path the loader takes for this response works in this browser.
    const { instance } = await WebAssembly.instantiateStreaming(response, {});
    ok(instance.exports.memory instanceof WebAssembly.Memory, 'streaming instantiation');
    assertWorks(await lib.init());
    assertWorks(await lib.init({ wasm: url }));
    assertWorks(await lib.init({ wasm: url.href }));
    assertWorks(await lib.init({ wasm: '/js/gomem.wasm' }));
  });

test('init: wrong MIME type falls back to arrayBuffer + instantiate', async () => {
  const url = new URL('/wrong-mime/gomem.wasm', location.href);
  const response = await fetch(url);
  equal(response.headers.get('content-type'), 'application/octet-stream', 'the wrong type');
  // Streaming alone refuses this response, which is why the fallback exists.
  await rejects(WebAssembly.instantiateStreaming(response, {}),
    (error) => error instanceof TypeError, 'instantiateStreaming of a wrong MIME type');
  assertWorks(await lib.init({ wasm: url }));
  assertWorks(await lib.init({ wasm: url.href }));
});

test('init: bytes, a shared WebAssembly.Module, HTTP errors, bad sources', async () => {
  const bytes = await (await fetch('/js/gomem.wasm')).arrayBuffer();
  assertWorks(await lib.init({ wasm: bytes }));
  assertWorks(await lib.init({ wasm: new Uint8Array(bytes) }));
  const module = await WebAssembly.compile(bytes);
  const [one, two] = [await lib.init({ wasm: module }), await lib.init({ wasm: module })];
  assertWorks(one);
  assertWorks(two);
  ok(one.wasmMemory !== two.wasmMemory, 'each instance has its own memory');
  await rejects(lib.init({ wasm: '/js/missing.wasm' }),
    (error) => /HTTP 404.*init\(\{ wasm \}\)/.test(error.message), 'a 404');
  await rejects(lib.init({ wasm: 42 }),
    (error) => error instanceof TypeError && error.code === 'INVALID_ARGUMENT', 'wasm: 42');
  await rejects(lib.init(null),
    (error) => error instanceof TypeError && error.code === 'INVALID_ARGUMENT', 'init(null)');
  await rejects(lib.init({ wasm: new Uint8Array([0, 97, 115, 109]) }),
    (error) => error instanceof WebAssembly.CompileError, 'truncated module');
});

// --- allocator ---------------------------------------------------------------------------------

test('createAllocator: defaults, options, bad options', () => {
  const allocator = gomem.createAllocator();
  ok(allocator instanceof lib.Allocator);
  equal(allocator.maxBlockSize, 4 * MiB, 'default maxBlockSize');
  allocator.destroy();
  const custom = gomem.createAllocator({ initialSize: 65536, maxBlockSize: 100000, alignment: 64 });
  equal(custom.maxBlockSize, 102400, 'rounded up to whole pages');
  for (let i = 0; i < 20; i++) equal(custom.malloc(3 + i).byteOffset % 64, 0, 'aligned to 64');
  custom.destroy();
  throwsCode(() => gomem.createAllocator(null), TypeError, 'INVALID_ARGUMENT');
  throwsCode(() => gomem.createAllocator({ initialSize: -1 }), RangeError, 'INVALID_SIZE');
  throwsCode(() => gomem.createAllocator({ maxBlockSize: 100 }), RangeError, 'INVALID_SIZE');
  throwsCode(() => gomem.createAllocator({ alignment: 3 }), TypeError, 'INVALID_ARGUMENT');
});

test('malloc: views with the address as byteOffset; bad sizes; NOMEM under a page limit', () => {
  const allocator = gomem.createAllocator();
  const a = allocator.malloc(100);
  const b = allocator.malloc(1);
  ok(a instanceof Uint8Array, 'a Uint8Array');
  equal(a.length, 100);
  equal(a.buffer, gomem.wasmMemory.buffer);
  equal(a.byteOffset % 8, 0, 'aligned to 8');
  ok(b.byteOffset >= a.byteOffset + 100 || b.byteOffset + 1 <= a.byteOffset, 'no overlap');
  a.fill(0xab);
  b[0] = 1;
  ok(a.every((byte) => byte === 0xab), 'bytes kept');
  equal(allocator.stats().live, 101);
  throwsCode(() => allocator.malloc('16'), TypeError, 'INVALID_ARGUMENT', /must be a number/);
  throwsCode(() => allocator.malloc(16n), TypeError, 'INVALID_ARGUMENT', /bigint/);
  throwsCode(() => allocator.malloc(0), RangeError, 'INVALID_SIZE', /at least 1/);
  throwsCode(() => allocator.malloc(1.5), RangeError, 'INVALID_SIZE', /whole number/);
  throwsCode(() => allocator.malloc(2 ** 32), RangeError, 'INVALID_SIZE', /any wasm32 memory/);
  gomem.setPageLimit(gomem.pageBytesHeld() + 65536);
  try {
    throwsCode(() => allocator.malloc(8 * MiB), RangeError, 'NOMEM', /out of memory/);
  } finally {
    gomem.setPageLimit(0);
  }
  equal(allocator.malloc(8 * MiB).length, 8 * MiB, 'works again without the cap');
  allocator.destroy();
});

test('free: whole views and segmented free of sub-ranges; double and foreign frees', async () => {
  const allocator = gomem.createAllocator();
  const view = allocator.malloc(1024);
  allocator.free(view.subarray(256, 512));
  equal(allocator.stats().live, 768);
  allocator.free(view.subarray(0, 256));
  allocator.free(view.subarray(512, 1000));
  allocator.free(view.subarray(1000));
  const { live, totalMalloc, totalFree } = allocator.stats();
  deepEqual([live, totalMalloc, totalFree], [0, 1024, 1024], '[live, totalMalloc, totalFree]');
  throwsCode(() => allocator.free(view.subarray(0, 16)), Error, 'DOUBLE_FREE', /DOUBLE_FREE/);
  const whole = allocator.malloc(64);
  allocator.free(whole);
  throwsCode(() => allocator.free(whole), Error, 'DOUBLE_FREE', /freed already/);
  const other = gomem.createAllocator();
  const theirs = other.malloc(32);
  throwsCode(() => allocator.free(new Uint8Array(10)), RangeError, 'FOREIGN_POINTER');
  throwsCode(() => allocator.free(theirs), RangeError, 'FOREIGN_POINTER', /another allocator/);
  throwsCode(() => allocator.free(theirs.subarray(4)), RangeError, 'FOREIGN_POINTER');
  const second = await lib.init();
  const elsewhere = second.createAllocator().malloc(32);
  throwsCode(() => allocator.free(elsewhere), RangeError, 'FOREIGN_POINTER', /instance/);
  throwsCode(() => allocator.free(view.byteOffset), TypeError, 'INVALID_ARGUMENT', /Uint8Array/);
  equal(allocator.stats().live, 0, 'failed frees changed nothing');
  other.destroy();
  allocator.destroy();
});

test('freeRest: keeps the front, frees the rest, the view passed in is used up', () => {
  const allocator = gomem.createAllocator();
  const view = allocator.malloc(1000);
  view.fill(9);
  const kept = allocator.freeRest(view, 13);
  equal(kept.byteOffset, view.byteOffset);
  equal(kept.length, 13);
  ok(kept.every((byte) => byte === 9), 'kept bytes intact');
  equal(allocator.stats().live, 13);
  throwsCode(() => allocator.free(view), Error, 'DOUBLE_FREE', /freeRest/);
  throwsCode(() => gomem.view(view), Error, 'FREED');
  equal(allocator.freeRest(kept, 100), kept, 'keep >= length returns the view');
  equal(allocator.freeRest(kept, 0).length, 0);
  const other = allocator.malloc(100);
  const part = allocator.freeRest(other.subarray(50), 10);
  equal(part.byteOffset, other.byteOffset + 50);
  equal(allocator.stats().live, 60);
  throwsCode(() => allocator.freeRest(other, -1), RangeError, 'INVALID_SIZE');
  allocator.destroy();
});

test('borrow, stats, trim, destroy', () => {
  const allocator = gomem.createAllocator({ initialSize: 16384 });
  const lent = allocator.borrow(1000);
  equal(lent.length, 1000);
  lent.fill(7);
  equal(allocator.stats().live, 0, 'borrowing takes nothing');
  throwsCode(() => allocator.free(lent), Error, 'DOUBLE_FREE');
  const views = [];
  for (let i = 0; i < 40; i++) views.push(allocator.malloc(4000));
  const grown = allocator.stats();
  deepEqual(Object.keys(grown),
    ['totalMalloc', 'totalFree', 'live', 'footprint', 'peakFootprint', 'arenaCount', 'metadata',
     'peakLive']);
  for (const value of Object.values(grown)) equal(typeof value, 'number', 'stats are numbers');
  equal(grown.live, 160000);
  ok(grown.arenaCount > 1, 'several arenas');
  for (const view of views) allocator.free(view);
  const released = allocator.trim();
  ok(released > 0, 'trim released arenas');
  const after = allocator.stats();
  equal(after.footprint, grown.footprint - released);
  equal(after.arenaCount, 0);
  equal(after.totalMalloc, after.totalFree);
  allocator.destroy();
  equal(allocator.destroyed, true);
  throwsCode(() => allocator.malloc(1), Error, 'DESTROYED', /destroyed.*createAllocator/);
  throwsCode(() => gomem.view(views[0]), Error, 'DESTROYED');
});

// --- shadow-memory random test (tests/shared/shadow.mjs) ----------------------------------------

test('shadow memory: 6000 random ops never overlap and keep contents (default options)',
  async () => {
    const growths = shadowRun(await lib.init(), assert, 0x5eed, {}, 6000);
    ok(growths > 0, 'memory grew during the run');
  });

test('shadow memory: 4000 random ops (small arenas, alignment 64), detaching memory', async () => {
  const growths = shadowRun(await detachingInstance(), assert, 0xbeef,
    { initialSize: 4096, maxBlockSize: 65536, alignment: 64 }, 4000);
  ok(growths > 0, 'memory grew during the run');
});

// --- growth (tests/shared/growth.mjs) ------------------------------------------------------------

test('growth (detaching memory): views handed out before growth are re-viewed and freed',
  async () => {
    const instance = await detachingInstance();
    equal(instance.wasmMemory.buffer.resizable === true, false, 'a fixed-length buffer');
    const views = growthAcrossMany(instance, assert);
    equal(views[0].length, 0, 'the first view was detached by growth');
  });

test('stale views (detaching memory): StaleViewError, never zeros; records still work',
  async () => {
    ok(staleViews(await detachingInstance(), assert, lib.StaleViewError),
      'the memory detached on growth');
  });

test('growth: a re-derived view shares its record (detaching and default memory)', async () => {
  reDerivedSharesRecord(await detachingInstance(), assert);
  reDerivedSharesRecord(await lib.init(), assert);
});

test('growth: views handed out after growth are live (detaching and default memory)',
  async () => {
    viewsAfterGrowthAreLive(await detachingInstance(), assert);
    viewsAfterGrowthAreLive(await lib.init(), assert);
  });

test('growth: the Reader and RecyclableMemory across growths (detaching and default memory)',
  async () => {
    readerAcrossGrowth(await detachingInstance(), assert);
    readerAcrossGrowth(await lib.init(), assert);
  });

// --- resizable buffers (WebAssembly.Memory.prototype.toResizableBuffer) --------------------------

test('toResizableBuffer: the wrapper switches the memory to a resizable buffer', async () => {
  if (!HAS_RESIZABLE) return 'skip: WebAssembly.Memory.prototype.toResizableBuffer is missing';
  const instance = await lib.init();
  const buffer = instance.wasmMemory.buffer;
  equal(buffer instanceof ArrayBuffer, true, 'an ArrayBuffer');
  equal(buffer.resizable, true, 'memory.buffer.resizable after init');
  ok(buffer.maxByteLength >= buffer.byteLength, 'has a maxByteLength');
  equal(instance.wasmMemory.buffer, buffer, 'memory.buffer is the same object every time');
  return `maxByteLength ${buffer.maxByteLength}`;
});

test('toResizableBuffer: views do not go stale across several growths', async () => {
  if (!HAS_RESIZABLE) return 'skip: WebAssembly.Memory.prototype.toResizableBuffer is missing';
  const instance = await lib.init();
  const allocator = instance.createAllocator();
  const first = allocator.malloc(100);
  first.fill(42);
  const part = first.subarray(10, 20);
  const borrowed = allocator.borrow(16);
  const buffer = instance.wasmMemory.buffer;
  const startLength = buffer.byteLength;
  const startOffset = first.byteOffset;
  // Several growths through the allocator, each checked, then one through memory.grow.
  const big = [];
  for (let i = 0; i < 4; i++) {
    const length = instance.wasmMemory.buffer.byteLength;
    big.push(allocator.malloc(length)); // at least doubles the memory
    ok(instance.wasmMemory.buffer.byteLength > length, `growth ${i + 1} happened`);
    equal(instance.wasmMemory.buffer, buffer, `growth ${i + 1}: the same buffer object`);
  }
  instance.wasmMemory.grow(1);
  ok(buffer.byteLength > startLength, 'the buffer grew in place');
  equal(first.buffer, buffer, 'the old view keeps its buffer');
  deepEqual([first.byteOffset, first.length], [startOffset, 100], 'old view not detached');
  ok(first.every((byte) => byte === 42), 'old view still reads its bytes');
  equal(part.length, 10, 'an old sub-view is not detached either');
  equal(instance.view(first), first, 'gomem.view returns the same view');
  equal(allocator.view(part), part, 'allocator.view returns an unrecorded live sub-view');
  first[0] = 1;
  equal(instance.view(first)[0], 1, 'writes through the old view land in memory');
  // Frees through the old views, no re-viewing.
  allocator.free(part);
  equal(allocator.stats().live, 90 + big.reduce((sum, view) => sum + view.length, 0));
  const kept = allocator.freeRest(first.subarray(0, 10), 5);
  deepEqual([kept.byteOffset, kept.length], [startOffset, 5]);
  allocator.free(first.subarray(20));
  allocator.free(kept);
  throwsCode(() => allocator.free(borrowed), Error, 'DOUBLE_FREE', undefined);
  for (const view of big) allocator.free(view);
  equal(allocator.stats().live, 0);
  allocator.destroy();
});

test('toResizableBuffer: 64 MiB across growths, no view detached', async () => {
  if (!HAS_RESIZABLE) return 'skip: WebAssembly.Memory.prototype.toResizableBuffer is missing';
  const instance = await lib.init();
  const views = growthAcrossMany(instance, assert);
  ok(views.every((view) => view.length === MiB), 'every view handed out kept its length');
});

// Informational (a NOTE line, neither pass nor fail): which Web APIs take a view gomem handed
// out. Views of a resizable buffer are refused by many Web IDL APIs, unlike fixed-length ones.
test('Web APIs given a view gomem handed out (informational)', async () => {
  const instance = await lib.init();
  const allocator = instance.createAllocator();
  const view = allocator.malloc(16);
  view.set([104, 105, 33]);
  const apis = {
    'TextDecoder.decode': () => new TextDecoder().decode(view.subarray(0, 3)),
    'TextEncoder.encodeInto': () => new TextEncoder().encodeInto('hi', view),
    'new Blob': () => new Blob([view]),
    'new Response': () => new Response(view).arrayBuffer(),
    'crypto.getRandomValues': () => crypto.getRandomValues(view),
    structuredClone: () => structuredClone(view),
  };
  const refused = [];
  for (const [name, use] of Object.entries(apis)) {
    try {
      await use();
    } catch (error) {
      refused.push(`${name} (${error.message})`);
    }
  }
  allocator.destroy();
  const kind = instance.wasmMemory.buffer.resizable ? 'resizable' : 'fixed-length';
  return `note: views of a ${kind} buffer; ${refused.length === 0 ? 'every API tried took them'
    : `refused by ${refused.join('; ')}`}`;
});

// --- runner ------------------------------------------------------------------------------------

async function main() {
  const results = [];
  const env = {
    userAgent: navigator.userAgent,
    toResizableBuffer: HAS_RESIZABLE,
    resizableArrayBuffer: 'resizable' in ArrayBuffer.prototype,
  };
  try {
    lib = await import('/js/index.mjs');
  } catch (error) {
    results.push({ name: 'load /js/index.mjs', status: 'fail', ms: 0,
      message: `${describeError(error)}\n${error?.stack ?? ''}` });
    window.__results = { done: true, results, env };
    return;
  }
  // The instance most tests share is the default one. Should init() fail where the engine has
  // toResizableBuffer, that is reported, and the other tests still run on a detaching instance
  // (the tests that call init() themselves fail with the same error), so one bug does not hide
  // the state of everything else.
  try {
    gomem = await lib.init();
  } catch (error) {
    results.push({ name: `init() with default options (toResizableBuffer ${HAS_RESIZABLE ?
      'available' : 'missing'})`, status: 'fail', ms: 0,
    message: `${describeError(error)}\n${error?.stack ?? ''}` });
    try {
      gomem = await detachingInstance();
      env.sharedInstance = 'detaching (default init failed)';
    } catch {
      window.__results = { done: true, results, env };
      return;
    }
  }
  for (const { name, fn } of tests) {
    const start = performance.now();
    let status = 'pass';
    let message = '';
    try {
      const note = await fn();
      if (typeof note === 'string') {
        const match = /^(skip|note): /.exec(note);
        if (match) {
          status = match[1];
          message = note.slice(match[0].length);
        } else {
          message = note;
        }
      }
    } catch (error) {
      status = 'fail';
      message = `${describeError(error)}\n${error?.stack ?? ''}`;
    }
    results.push({ name, status, message, ms: Math.round(performance.now() - start) });
    const line = document.createElement('li');
    line.textContent = `${status}: ${name}${message ? ` - ${message.split('\n')[0]}` : ''}`;
    document.getElementById('results')?.append(line);
  }
  window.__results = { done: true, results, env };
}

main().catch((error) => {
  window.__results = { done: true, env: {}, results: [{ name: 'the test runner', status: 'fail',
    ms: 0, message: describeError(error) }] };
});
