// The model of the Reader that the reader tests share (reader_diff.test.mjs,
// reader_alignment.test.mjs): what every fixed-width read and peek must return, computed with a
// DataView over the joined bytes, LEB128 as the C reader decodes it, and the error assertion.
// Not a test file itself (node --test runs *.test.mjs).
import assert from 'node:assert/strict';

import { generator } from '../shared/random.mjs';

// The shared seeded generator, as a function with .int(n) for 0..n-1.
export function rng(seed) {
  const { next, below } = generator(seed);
  next.int = below;
  return next;
}

// [width, method, expected(dv, pos)]: every fixed-width read of the Reader.
export const FIXED = [
  [1, 'readUint8', (dv, p) => dv.getUint8(p)],
  [1, 'readInt8', (dv, p) => dv.getInt8(p)],
  [2, 'readUint16BE', (dv, p) => dv.getUint16(p)],
  [2, 'readUint16LE', (dv, p) => dv.getUint16(p, true)],
  [2, 'readInt16BE', (dv, p) => dv.getInt16(p)],
  [2, 'readInt16LE', (dv, p) => dv.getInt16(p, true)],
  [3, 'readUint24BE', (dv, p) => (dv.getUint16(p) << 8) | dv.getUint8(p + 2)],
  [3, 'readUint24LE', (dv, p) => dv.getUint16(p, true) | (dv.getUint8(p + 2) << 16)],
  [3, 'readInt24BE', (dv, p) => (((dv.getUint16(p) << 8) | dv.getUint8(p + 2)) << 8) >> 8],
  [3, 'readInt24LE', (dv, p) => ((dv.getUint16(p, true) | (dv.getUint8(p + 2) << 16)) << 8) >> 8],
  [4, 'readUint32BE', (dv, p) => dv.getUint32(p)],
  [4, 'readUint32LE', (dv, p) => dv.getUint32(p, true)],
  [4, 'readInt32BE', (dv, p) => dv.getInt32(p)],
  [4, 'readInt32LE', (dv, p) => dv.getInt32(p, true)],
  [8, 'readBigUint64BE', (dv, p) => dv.getBigUint64(p)],
  [8, 'readBigUint64LE', (dv, p) => dv.getBigUint64(p, true)],
  [8, 'readBigInt64BE', (dv, p) => dv.getBigInt64(p)],
  [8, 'readBigInt64LE', (dv, p) => dv.getBigInt64(p, true)],
];
// Every unsigned/signed peek the Reader has, same expectations as the read of that name.
export const PEEKS = FIXED.map(([width, name, expect]) =>
  [width, name.replace('read', 'peek'), expect]);

// LEB128 as gomem_reader_read_leb128 decodes it: { value, length } or an error code.
export function leb128(bytes, pos, end) {
  let value = 0n;
  for (let i = 0; ; i++) {
    if (pos + i >= end) return { error: 'END_OF_DATA' };
    const b = bytes[pos + i];
    if (i === 9 && b > 1) return { error: 'OVERFLOW' };
    value |= BigInt(b & 0x7f) << BigInt(7 * i);
    if ((b & 0x80) === 0) return { value, length: i + 1 };
  }
}

// A Reader failure: a RangeError with `code` (END_OF_DATA, OVERFLOW, INVALID_ARGUMENT).
export function throwsCode(fn, code, context) {
  assert.throws(fn, (error) => {
    assert.equal(error.code, code, context);
    assert.ok(error instanceof RangeError, context);
    return true;
  }, context);
}
