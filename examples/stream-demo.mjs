// stream-demo.mjs - what `npm start` shows: an FLV stream arriving in random network-sized
// chunks is copied once into wasm memory, kept as a Memory (a list of views), and parsed tag by
// tag with the Reader across chunk boundaries, zero-copy where a payload lies in one chunk.
//
//   node examples/stream-demo.mjs [file.flv]   (no file: the demo generates a stream)
//
// Imported (bench/js/flv.mjs does), it only exports the generator, the chunking and the parser.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

import { init } from '../js/index.mjs';
// The generator and the chunking are the web page's (examples/web/flv.mjs: no DOM, no Node).
import { TAG_AUDIO, TAG_SCRIPT, TAG_VIDEO, generateFlv, networkChunks } from './web/flv.mjs';

export { TAG_AUDIO, TAG_SCRIPT, TAG_VIDEO, generateFlv, networkChunks };

// Parses an FLV stream tag by tag with a gomem Reader, across chunk boundaries; each payload is
// a view into wasm memory unless it spans chunks (then readView says null, and readBytes copies
// it). Returns what it found.
export function parseFlv(reader) {
  if (reader.readUint24BE() !== 0x464c56) throw new Error('not an FLV stream (no "FLV" signature)');
  reader.skip(1 + 1); // version, flags
  reader.skip(reader.readUint32BE() - 9 + 4); // rest of the header, then PreviousTagSize0
  const counts = { [TAG_AUDIO]: 0, [TAG_VIDEO]: 0, [TAG_SCRIPT]: 0 };
  let inPlace = 0, copied = 0, payloadBytes = 0;
  while (reader.remaining >= 11) {
    const type = reader.readUint8() & 0x1f;
    const size = reader.readUint24BE();
    reader.skip(7); // timestamp, extension, stream id
    const view = reader.readView(size); // a view into wasm memory, or null if it spans chunks
    const payload = view ?? reader.readBytes(size); // then a copy
    if (view !== null) inPlace++;
    else copied++;
    payloadBytes += payload.length;
    const previous = reader.readUint32BE();
    if (previous !== size + 11) {
      throw new Error(`bad PreviousTagSize ${previous} for a ${size}-byte tag`);
    }
    counts[type] = (counts[type] ?? 0) + 1;
  }
  return { counts, inPlace, copied, payloadBytes };
}

async function main() {
  const path = process.argv[2];
  const flv = path ? new Uint8Array(readFileSync(path)) : generateFlv(2000, 42);
  const gomem = await init();
  const allocator = gomem.createAllocator();
  const memory = allocator.createMemory();

  // Network-sized chunks, each copied once into wasm memory.
  const chunks = networkChunks(flv);
  for (const chunk of chunks) memory.pushBytes(chunk);

  const started = performance.now();
  const reader = memory.reader();
  const { counts, inPlace, copied, payloadBytes } = parseFlv(reader);
  const elapsed = performance.now() - started;
  reader.destroy();

  const mib = flv.length / 2 ** 20;
  console.log(`gomem-wasm stream demo: ${path ?? 'generated FLV'}, ${mib.toFixed(1)} MiB in ` +
    `${chunks.length} chunks`);
  console.log(`  tags: ${counts[TAG_VIDEO]} video, ${counts[TAG_AUDIO]} audio, ` +
    `${counts[TAG_SCRIPT]} script`);
  console.log(`  payloads: ${inPlace} read in place (zero-copy), ${copied} spanned chunks and ` +
    'were copied');
  console.log(`  parsed ${payloadBytes} payload bytes in ${elapsed.toFixed(1)} ms ` +
    `(${(mib / (elapsed / 1000)).toFixed(0)} MiB/s)`);
  const before = allocator.stats();
  memory.destroy(); // frees every chunk the Memory copied in, and its own list
  const after = allocator.stats();
  console.log(`  allocator: live ${before.live} B while holding the stream, ${after.live} B ` +
    `after; footprint ${after.footprint} B in ${after.arenaCount} arena(s)`);
  if (after.live !== 0) throw new Error(`live bytes remain after destroy: ${after.live}`);
  allocator.destroy();
  console.log('stream demo: ok');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
