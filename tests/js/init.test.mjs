// init(): every way of naming gomem.wasm, including the browser path (fetch, then
// instantiateStreaming, or arrayBuffer + instantiate when the server sends the wrong MIME type),
// which Node.js also runs for http: URLs.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';

import { Gomem, init } from '../../js/index.mjs';

const wasmUrl = new URL('../../js/gomem.wasm', import.meta.url);
let wasmBytes;
before(async () => {
  wasmBytes = await readFile(wasmUrl);
});

// The loaded instance works: an allocation round trip.
function assertWorks(gomem) {
  assert.ok(gomem instanceof Gomem);
  const allocator = gomem.createAllocator();
  const view = allocator.malloc(32);
  assert.equal(view.buffer, gomem.wasmMemory.buffer);
  allocator.free(view);
  assert.equal(allocator.stats().live, 0);
  allocator.destroy();
}

describe('init from local sources', () => {
  test('default: gomem.wasm beside index.mjs', async () => assertWorks(await init()));
  test('bytes: Buffer, Uint8Array, ArrayBuffer', async () => {
    assertWorks(await init({ wasm: wasmBytes }));
    assertWorks(await init({ wasm: new Uint8Array(wasmBytes) }));
    const copy = new Uint8Array(wasmBytes);
    assertWorks(await init({ wasm: copy.buffer }));
  });
  test('a compiled WebAssembly.Module, shared by two instances', async () => {
    const module = await WebAssembly.compile(wasmBytes);
    const [one, two] = [await init({ wasm: module }), await init({ wasm: module })];
    assertWorks(one);
    assert.notEqual(one.wasmMemory, two.wasmMemory, 'each instance has its own memory');
  });
  test('file: URL, URL string and path string', async () => {
    assertWorks(await init({ wasm: wasmUrl }));
    assertWorks(await init({ wasm: wasmUrl.href }));
    assertWorks(await init({ wasm: fileURLToPath(wasmUrl) }));
  });
  test('bad sources', async () => {
    await assert.rejects(init({ wasm: 42 }), { name: 'TypeError', code: 'INVALID_ARGUMENT' });
    await assert.rejects(init(null), { name: 'TypeError', code: 'INVALID_ARGUMENT' });
    await assert.rejects(init({ wasm: new Uint8Array([0, 97, 115, 109]) }),
      WebAssembly.CompileError);
    await assert.rejects(init({ wasm: '/nonexistent/gomem.wasm' }), { code: 'ENOENT' });
  });
});

// A hand-assembled module that exports `memory` and a gomem_wasm_layout() returning `layout` (the
// bytes of its table: a count, then the entries): what init() reads first, to take the struct
// layout from and to refuse a gomem.wasm built from other sources.
function moduleWithLayout(layout) {
  const name = (text) => [text.length, ...new TextEncoder().encode(text)];
  const section = (id, bytes) => [id, bytes.length, ...bytes];
  const data = Uint8Array.from(layout);
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 0, 1, 0x7f]), // type: () -> i32
    ...section(3, [1, 0]), // one function of that type
    ...section(5, [1, 0, 1]), // memory: one page
    ...section(7, [2, ...name('memory'), 2, 0, ...name('gomem_wasm_layout'), 0, 0]),
    ...section(10, [1, 4, 0, 0x41, 16, 0x0b]), // return 16
    ...section(11, [1, 0, 0x41, 16, 0x0b, data.length, ...data]), // the layout at address 16
  ]);
}

// The layout table of the real gomem.wasm.
async function realLayout() {
  const gomem = await init();
  const at = gomem.exports.gomem_wasm_layout() >>> 0;
  const bytes = new Uint8Array(gomem.wasmMemory.buffer);
  return [...bytes.subarray(at, at + 1 + bytes[at])];
}

test('a module whose struct layout the wrapper cannot use is refused at init', async () => {
  const good = await realLayout();
  // Entries 1..3 are sizeof(gomem_buf), offsetof(gomem_buf, data), offsetof(gomem_buf, len).
  const refused = async (layout, text) => {
    await assert.rejects(init({ wasm: moduleWithLayout(layout) }), (error) => {
      assert.match(error.message, /does not match this wrapper \(/);
      assert.match(error.message, text);
      assert.match(error.message, /rebuild it from the same sources/);
      return true;
    });
  };
  // Another number of entries: e.g. the table of an older module (uint32_t entries, the first
  // one sizeof(gomem_buf), 8).
  await refused([8, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0], /layout has 8 entries, expected \d+/);
  await refused([good[0] + 1, ...good.slice(1), 0],
    new RegExp(`layout has ${good[0] + 1} entries`));
  await refused(good.map((value, i) => (i === 1 ? 4 : value)), /buf\.len at 4 runs past its 4 /);
  await refused(good.map((value, i) => (i === 3 ? good[2] : value)),
    /buf\.data and buf\.len overlap/);
  // The real table gets past the check (and the module fails later, for lack of the other
  // exports): so the checks above failed for the layout alone.
  await assert.rejects(init({ wasm: moduleWithLayout(good) }), (error) =>
    !/does not match/.test(error.message));
});

describe('init over http (the browser path)', () => {
  let server;
  let base;
  before(async () => {
    server = createServer((request, response) => {
      const types = { '/right.wasm': 'application/wasm', '/wrong.wasm': 'text/plain' };
      const type = types[request.url];
      if (type === undefined) {
        response.writeHead(404).end('not found');
        return;
      }
      response.writeHead(200, { 'content-type': type }).end(wasmBytes);
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${server.address().port}`;
  });
  after(() => new Promise((resolve) => server.close(resolve)));

  test('application/wasm: instantiateStreaming', async () => {
    assertWorks(await init({ wasm: `${base}/right.wasm` }));
    assertWorks(await init({ wasm: new URL('/right.wasm', base) }));
  });
  test('wrong MIME type: falls back to arrayBuffer + instantiate', async () => {
    // Streaming alone refuses this response, which is why the fallback exists.
    const response = await fetch(`${base}/wrong.wasm`);
    await assert.rejects(WebAssembly.instantiateStreaming(response, {}), TypeError);
    assertWorks(await init({ wasm: `${base}/wrong.wasm` }));
  });
  test('HTTP errors say what to do', async () => {
    await assert.rejects(init({ wasm: `${base}/missing.wasm` }), /HTTP 404.*init\(\{ wasm \}\)/);
  });
});
