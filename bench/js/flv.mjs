// flv.mjs - a whole FLV stream (examples/stream-demo.mjs's generator), cut into network-sized
// chunks (1..1500 B), parsed tag by tag (type, 24-bit size, payload, PreviousTagSize check):
//   gomem Reader, chunks in wasm memory   stream-demo's parser over a Memory already holding the
//                                         chunks: payloads are views unless they span chunks
//   gomem Reader, payloads in place       the same headers, but each payload visited where it
//                                         lies (rangeN, one view per chunk it spans), not joined
//   gomem pushBytes + Reader + reset      stream-demo's parser, the pass also copying every chunk
//                                         into wasm memory (pushBytes) and freeing them (reset)
//   concat chunks + DataView              the usual JS way: join the chunks into one Uint8Array,
//                                         then parse it with a DataView (payloads are subarrays)
// ns/op is per tag; MiB/s is of the whole stream.
//
//   node bench/js/flv.mjs [--quick] [--json FILE] [--runs N]
import { generateFlv, networkChunks, parseFlv } from '../../examples/stream-demo.mjs';
import { init } from '../../js/index.mjs';
import { isMain, parseOptions, printTable, record, time, writeJson } from './common.mjs';

const CONCAT = 'concat chunks + DataView';

// parseFlv's walk, but each payload is visited in place, a view per chunk it spans (rangeN), as
// a parser that hashes or forwards payloads would: nothing is copied.
function parseFlvInPlace(reader) {
  if (reader.readUint24BE() !== 0x464c56) throw new Error('not an FLV stream');
  reader.skip(2);
  reader.skip(reader.readUint32BE() - 9 + 4);
  const counts = {};
  let payloadBytes = 0;
  const visit = (view) => { payloadBytes += view.length; };
  while (reader.remaining >= 11) {
    const type = reader.readUint8() & 0x1f;
    const size = reader.readUint24BE();
    reader.skip(7);
    if (reader.rangeN(size, visit) !== size) throw new Error('truncated tag');
    const previous = reader.readUint32BE();
    if (previous !== size + 11) throw new Error(`bad PreviousTagSize ${previous}`);
    counts[type] = (counts[type] ?? 0) + 1;
  }
  return { counts, payloadBytes };
}

// The same walk as parseFlv, over one joined Uint8Array.
function parseJoined(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  if ((view.getUint32(0) >>> 8) !== 0x464c56) throw new Error('not an FLV stream');
  let at = view.getUint32(5) + 4; // header, then PreviousTagSize0
  const counts = {};
  let payloadBytes = 0;
  while (bytes.length - at >= 11) {
    const type = view.getUint8(at) & 0x1f;
    const size = view.getUint32(at) & 0xffffff;
    at += 11;
    if (at + size + 4 > bytes.length) throw new Error('truncated tag');
    const payload = bytes.subarray(at, at + size);
    payloadBytes += payload.length;
    at += size;
    const previous = view.getUint32(at);
    if (previous !== size + 11) throw new Error(`bad PreviousTagSize ${previous}`);
    at += 4;
    counts[type] = (counts[type] ?? 0) + 1;
  }
  return { counts, payloadBytes };
}

function concat(chunks, total) {
  const joined = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    joined.set(chunk, at);
    at += chunk.length;
  }
  return joined;
}

export async function benchFlv(options) {
  const tags = options.quick ? 300 : 2000;
  const flv = generateFlv(tags, 42);
  const chunks = networkChunks(flv);
  const gomem = await init();
  const allocator = gomem.createAllocator();
  const held = allocator.createMemory();
  for (const chunk of chunks) held.pushBytes(chunk);
  const fresh = allocator.createMemory();

  const summary = ({ counts, payloadBytes }) => JSON.stringify([counts, payloadBytes]);
  const contenders = [
    ['gomem Reader, chunks in wasm memory', () => {
      const reader = held.reader();
      const result = parseFlv(reader);
      reader.destroy();
      return result;
    }],
    ['gomem Reader, payloads in place', () => {
      const reader = held.reader();
      const result = parseFlvInPlace(reader);
      reader.destroy();
      return result;
    }],
    ['gomem pushBytes + Reader + reset', () => {
      for (const chunk of chunks) fresh.pushBytes(chunk);
      const result = parseFlv(fresh.reader()); // reset destroys the reader's validity
      fresh.reset();
      return result;
    }],
    [CONCAT, () => parseJoined(concat(chunks, flv.length))],
  ];

  const mib = flv.length / 2 ** 20;
  const workload = `FLV parse, ${mib.toFixed(1)} MiB, ${tags} tags in ${chunks.length} chunks`;
  const expected = summary(parseJoined(flv));
  const records = [];
  for (const [contender, parse] of contenders) {
    const got = summary(parse());
    if (got !== expected) throw new Error(`${contender}: parsed ${got}, expected ${expected}`);
    const run = () => parse().payloadBytes;
    const timing = time({ run, ops: tags, runs: options.runs, warmup: options.warmup });
    const seconds = (timing.median_ns * tags) / 1e9;
    records.push(record(workload, contender, timing,
      { mib_per_s: Math.round(mib / seconds) }));
  }
  printTable(`${workload} (ns per tag)`, records, CONCAT, [['mib_per_s', 'MiB/s']]);
  held.destroy();
  fresh.destroy();
  allocator.destroy();
  return records;
}

if (isMain(import.meta.url)) {
  const options = parseOptions();
  const records = await benchFlv(options);
  if (options.json) writeJson(options.json, records);
}
