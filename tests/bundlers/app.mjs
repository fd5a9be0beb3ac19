// app.mjs - the small app every bundle of tests/bundlers runs: it allocates, parses a message
// split across two buffers with Memory + Reader, frees everything, and reports what it read.
// Bundled (with the installed gomem-wasm) by run.mjs through each entry:
//   entry.mjs          import { init, ... } from 'gomem-wasm'; init() finds the module itself
//   entry-loader.mjs   also imports 'gomem-wasm/gomem.wasm' through the bundler's wasm loader
//                      (a URL or the bytes) and passes it as init({ wasm })
//   entry-require.cjs  require('gomem-wasm') (the package's CommonJS entry)
// In Node.js the report is one line `RESULT {json}` on stdout (an error: exit code 1 and
// `ERROR {json}` on stderr); in a browser it is window.__result.

// The message: 'G' 'M', version 1, a 16-bit big-endian length, a 32-bit little-endian tag, then
// that many payload bytes. The first buffer ends inside the length, so the 16-bit read and the
// rest cross from one buffer into the other.
const FIRST = [0x47, 0x4d, 0x01, 0x00];
const SECOND = [0x05, 0xef, 0xbe, 0xad, 0xde, ...new TextEncoder().encode('hello')];

/**
 * Runs the app over the package's exports `lib` ({ init, Memory, Reader }); `sources` are the
 * init({ wasm }) values for the default and the hardened module, when the bundle passes them.
 */
export async function exercise(lib, sources = {}) {
  const check = (condition, what) => {
    if (!condition) throw new Error(`app: ${what}`);
  };
  const { init } = lib;
  const gomem = await init(sources.wasm === undefined ? {} : { wasm: sources.wasm });
  // Read after init(): a CommonJS require() on a Node.js without require(esm) has them only then.
  const { Memory, Reader } = lib;
  check(!gomem.hardened, 'the default module is the hardened one');
  const allocator = gomem.createAllocator();

  // One buffer the allocator hands out, pushed as it is (no copy); one copied in by pushBytes.
  const first = allocator.malloc(FIRST.length);
  first.set(FIRST);
  const memory = allocator.createMemory();
  check(memory instanceof Memory, 'createMemory() is not a Memory');
  memory.push(first).pushBytes(new Uint8Array(SECOND));
  check(memory.count === 2 && memory.size === FIRST.length + SECOND.length,
    `memory holds ${memory.count} buffers, ${memory.size} bytes`);

  const reader = memory.reader();
  check(reader instanceof Reader, 'reader() is not a Reader');
  const magic = String.fromCharCode(reader.readUint8(), reader.readUint8());
  const version = reader.readUint8();
  const length = reader.readUint16BE(); // crosses the buffers
  const tag = reader.readUint32LE();
  const payload = new TextDecoder().decode(reader.readBytes(length));
  const fields = { magic, version, length, tag: `0x${tag.toString(16)}`, payload };
  check(JSON.stringify(fields) === JSON.stringify(
    { magic: 'GM', version: 1, length: 5, tag: '0xdeadbeef', payload: 'hello' }),
  `read ${JSON.stringify(fields)}`);
  check(reader.remaining === 0, `${reader.remaining} bytes left unread`);

  const liveWhileParsing = allocator.stats().live;
  check(liveWhileParsing > 0, 'nothing live while parsing');
  memory.destroy();
  allocator.free(first);
  const { live } = allocator.stats();
  check(live === 0, `live is ${live} after freeing everything`);
  allocator.destroy();

  // The hardened module is found the same way (its own literal URL, or the source passed).
  const hardened = await init(sources.hardenedWasm === undefined ? { hardened: true }
    : { wasm: sources.hardenedWasm });
  check(hardened.hardened, 'the hardened module is not GOMEM_HARDENED');
  const scratch = hardened.createAllocator();
  scratch.free(scratch.malloc(64));
  check(scratch.stats().live === 0, 'hardened: live bytes remain');

  return { fields, liveWhileParsing, live, hardened: true };
}

const IN_BROWSER = typeof window === 'object' && typeof document === 'object';

/** Reports the result where run.mjs looks for it. */
export function report(result) {
  if (IN_BROWSER) window.__result = { ok: true, result };
  else console.log(`RESULT ${JSON.stringify(result)}`);
}

/** Reports an error (its code and message) where run.mjs looks for it. */
export function fail(error) {
  const summary = { ok: false, code: error?.code, message: String(error?.message ?? error) };
  if (IN_BROWSER) {
    window.__result = summary;
  } else {
    console.error(`ERROR ${JSON.stringify(summary)}`);
    process.exitCode = 1;
  }
}
