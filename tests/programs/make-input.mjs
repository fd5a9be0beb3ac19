#!/usr/bin/env node
// Writes a deterministic test file for the zlib round trips of scripts/test-programs.mjs:
//
//   node tests/programs/make-input.mjs BYTES FILE
//
// The same BYTES always give the same file (a fixed-seed generator): text-like lines made of a
// small vocabulary and numbers (about 60% of the bytes; compressible, so deflate finds long matches
// and many literals), with runs of one byte (the RLE strategy's case) and blocks of random bytes
// (incompressible) in between. It compresses to about 40%.
import { writeFileSync } from 'node:fs';

const [bytesArg, file] = process.argv.slice(2);
const total = Number(bytesArg);
if (!Number.isSafeInteger(total) || total < 0 || !file) {
  console.error('usage: node make-input.mjs BYTES FILE');
  process.exit(2);
}

let state = 0x9e3779b9; // mulberry32
function next() {
  state = (state + 0x6d2b79f5) | 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return (t ^ (t >>> 14)) >>> 0;
}

const words = ('allocator arena block buddy chunk free index memory page pool reader segment ' +
  'size slab span stream treap wasm zlib lua sqlite deflate inflate window huffman literal ' +
  'match distance table row column query').split(' ');
const out = Buffer.alloc(total);
let at = 0;
const put = (byte) => {
  if (at < total) out[at++] = byte;
};
const putText = (text) => {
  for (let i = 0; i < text.length; i++) put(text.charCodeAt(i));
};

while (at < total) {
  const kind = next() % 100;
  if (kind < 97) { // a line of words and numbers
    const count = 4 + (next() % 12);
    const line = [];
    for (let i = 0; i < count; i++) {
      line.push(next() % 4 === 0 ? String(next() % 100000) : words[next() % words.length]);
    }
    putText(`${line.join(' ')}\n`);
  } else if (kind < 99) { // a run of one byte
    const byte = next() & 0xff;
    for (let n = 16 + (next() % 2000); n > 0; n--) put(byte);
  } else { // random bytes
    for (let n = 64 + (next() % 4096); n > 0; n--) put(next() & 0xff);
  }
}
writeFileSync(file, out);
