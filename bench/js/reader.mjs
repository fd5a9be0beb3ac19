// reader.mjs - 32-bit big-endian reads over chunked data (network-packet-sized chunks of 1..1500
// bytes, seeded), the same bytes for every contender. Sequential reads:
//   gomem Reader#readUint32BE          the Reader over a Memory (chunks pushed into wasm memory)
//   bl readUInt32BE(0) + consume(4)    BufferList's realistic sequential use
//   bl readUInt32BE(offset)            increasing offsets, the list left whole
//   uint8arraylist getUint32(0) + consume(4)
//   uint8arraylist getUint32(offset)   increasing offsets
//   DataView over the joined bytes     the floor: no chunks at all (reference, not a contender)
// and a look at the front without moving, repeated at one position inside a chunk (a parser
// peeking at a header): gomem peekUint32BE(), bl readUInt32BE(0), uint8arraylist getUint32(0),
// each over a list consumed up to that position, and the DataView reference.
// Prints ns per read and the JS heap bytes each read allocates.
//
//   node bench/js/reader.mjs [--quick] [--json FILE] [--runs N]
import { BufferList } from 'bl';
import { Uint8ArrayList } from 'uint8arraylist';

import { init } from '../../js/index.mjs';
import { generator } from '../../tests/shared/random.mjs';
import {
  allocatedBytes, isMain, parseOptions, printTable, record, time, writeJson,
} from './common.mjs';

const GOMEM = 'gomem Reader readUint32BE';
const GOMEM_PEEK = 'gomem Reader peekUint32BE()';

/** Seeded chunks of 1..1500 random bytes, `total` bytes in all. */
export function packetChunks(total, seed = 0x9e3779b9) {
  const { below } = generator(seed);
  const chunks = [];
  for (let at = 0; at < total;) {
    const chunk = new Uint8Array(Math.min(1 + below(1500), total - at));
    for (let i = 0; i < chunk.length; i++) chunk[i] = below(256);
    chunks.push(chunk);
    at += chunk.length;
  }
  return chunks;
}

export async function benchReader(options) {
  const total = options.quick ? 128 << 10 : 256 << 10;
  const chunks = packetChunks(total);
  const reads = total >>> 2;
  const joined = new Uint8Array(total);
  chunks.reduce((at, chunk) => (joined.set(chunk, at), at + chunk.length), 0);
  const joinedView = new DataView(joined.buffer);
  let expected = 0;
  for (let i = 0; i < reads; i++) expected = (expected + joinedView.getUint32(i * 4)) | 0;

  const gomem = await init();
  const allocator = gomem.createAllocator();
  const memory = allocator.createMemory();
  for (const chunk of chunks) memory.pushBytes(chunk);
  const blWhole = new BufferList(chunks);
  const listWhole = new Uint8ArrayList(...chunks);

  // [contender, run(state) -> checksum, prepare() -> state (untimed, before every pass)]
  const contenders = [
    [GOMEM, (reader) => {
      let sum = 0;
      for (let i = 0; i < reads; i++) sum = (sum + reader.readUint32BE()) | 0;
      reader.destroy();
      return sum;
    }, () => memory.reader()],
    ['bl readUInt32BE(0)+consume(4)', (list) => {
      let sum = 0;
      for (let i = 0; i < reads; i++) {
        sum = (sum + list.readUInt32BE(0)) | 0;
        list.consume(4);
      }
      return sum;
    }, () => new BufferList(chunks)],
    ['bl readUInt32BE(offset)', () => {
      let sum = 0;
      for (let i = 0; i < reads; i++) sum = (sum + blWhole.readUInt32BE(i * 4)) | 0;
      return sum;
    }],
    ['uint8arraylist getUint32(0)+consume(4)', (list) => {
      let sum = 0;
      for (let i = 0; i < reads; i++) {
        sum = (sum + list.getUint32(0)) | 0;
        list.consume(4);
      }
      return sum;
    }, () => new Uint8ArrayList(...chunks)],
    ['uint8arraylist getUint32(offset)', () => {
      let sum = 0;
      for (let i = 0; i < reads; i++) sum = (sum + listWhole.getUint32(i * 4)) | 0;
      return sum;
    }],
    ['DataView, joined bytes (reference)', () => {
      let sum = 0;
      for (let i = 0; i < reads; i++) sum = (sum + joinedView.getUint32(i * 4)) | 0;
      return sum;
    }],
  ];

  // One table per workload: every contender's checksum must be `expected`.
  const records = [];
  const measure = (workload, ops, expected, list, baseline) => {
    const table = [];
    for (const [contender, run, prepare] of list) {
      const check = run(prepare?.());
      if (check !== expected) {
        throw new Error(`${contender}: checksum ${check}, expected ${expected}`);
      }
      const timing = time({ run, prepare, ops, runs: options.runs, warmup: options.warmup });
      const bytesPerRead = allocatedBytes(run, prepare) / ops;
      table.push(record(workload, contender, timing,
        { alloc_bytes_per_op: Number(bytesPerRead.toFixed(2)) }));
    }
    printTable(workload, table, baseline, [['alloc_bytes_per_op', 'JS heap B/read']]);
    records.push(...table);
  };
  measure(`readUint32BE, ${total >> 10} KiB in ${chunks.length} chunks of 1..1500 B`, reads,
    expected, contenders, GOMEM);

  // The peek: at the 9th byte of the first chunk of 64 bytes or more.
  let at = 8;
  for (const chunk of chunks) {
    if (chunk.length >= 64) break;
    at += chunk.length;
  }
  const front = joinedView.getUint32(at);
  let peeked = 0;
  for (let i = 0; i < reads; i++) peeked = (peeked + front) | 0;
  const consumed = (list) => {
    list.consume(at);
    return list;
  };
  measure(`peekUint32BE at one position inside a chunk, ${reads} times`, reads, peeked, [
    [GOMEM_PEEK, (reader) => {
      let sum = 0;
      for (let i = 0; i < reads; i++) sum = (sum + reader.peekUint32BE()) | 0;
      reader.destroy();
      return sum;
    }, () => {
      const reader = memory.reader();
      reader.skip(at);
      return reader;
    }],
    ['bl readUInt32BE(0)', (list) => {
      let sum = 0;
      for (let i = 0; i < reads; i++) sum = (sum + list.readUInt32BE(0)) | 0;
      return sum;
    }, () => consumed(new BufferList(chunks))],
    ['uint8arraylist getUint32(0)', (list) => {
      let sum = 0;
      for (let i = 0; i < reads; i++) sum = (sum + list.getUint32(0)) | 0;
      return sum;
    }, () => consumed(new Uint8ArrayList(...chunks))],
    ['DataView, joined bytes (reference)', () => {
      let sum = 0;
      for (let i = 0; i < reads; i++) sum = (sum + joinedView.getUint32(at)) | 0;
      return sum;
    }],
  ], GOMEM_PEEK);
  memory.destroy();
  allocator.destroy();
  return records;
}

if (isMain(import.meta.url)) {
  const options = parseOptions();
  const records = await benchReader(options);
  if (options.json) writeJson(options.json, records);
}
