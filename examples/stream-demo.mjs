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

export const TAG_AUDIO = 8, TAG_VIDEO = 9, TAG_SCRIPT = 18;

// A generated FLV body: 9-byte header, then tags (11-byte header, payload, 32-bit size of the
// tag before). Sizes are media-like: video 2..60 KiB, audio 100..600 B, one script tag first.
export function generateFlv(tags, seed) {
  let state = seed >>> 0;
  const random = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const parts = [Uint8Array.of(0x46, 0x4c, 0x56, 1, 5, 0, 0, 0, 9), new Uint8Array(4)];
  for (let t = 0; t < tags; t++) {
    const type = t === 0 ? TAG_SCRIPT : random() < 0.3 ? TAG_VIDEO : TAG_AUDIO;
    const size = type === TAG_VIDEO ? 2048 + Math.floor(random() * 59392)
      : type === TAG_AUDIO ? 100 + Math.floor(random() * 500) : 300;
    const tag = new Uint8Array(11 + size + 4);
    const view = new DataView(tag.buffer);
    view.setUint8(0, type);
    view.setUint32(0, (type << 24) | size); // type byte, then a 24-bit size
    view.setUint32(4, t * 40); // timestamp
    tag.fill(t & 0xff, 11, 11 + size);
    view.setUint32(11 + size, 11 + size);
    parts.push(tag);
  }
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const flv = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    flv.set(part, at);
    at += part.length;
  }
  return flv;
}

// Network-sized chunks (1..1500 bytes) of `bytes`, as subarrays, from a seeded generator.
export function networkChunks(bytes, seed = 7) {
  let state = seed >>> 0;
  const chunks = [];
  for (let at = 0; at < bytes.length;) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    const size = Math.min(1 + (state % 1500), bytes.length - at);
    chunks.push(bytes.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

// Parses an FLV stream tag by tag with a gomem Reader, across chunk boundaries; each payload is
// a view into wasm memory unless it spans chunks (then a copy). Returns what it found.
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
    const payload = reader.readView(size); // a view into wasm memory unless it spans chunks
    if (reader.lastViewCopied) copied++;
    else inPlace++;
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
