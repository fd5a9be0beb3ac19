// reader.mjs - the Reader class of gomem-wasm: a cursor over a Memory (js/memory.mjs), over the
// C gomem_reader, which lives in wasm memory (made by gomem_wasm_reader_new from the Memory's
// allocator); this file holds only its address.
//
// Invariants this file keeps:
//   - a Reader is valid while its Memory has the generation it was made in: reset, destroy and
//     another reader's clipFront move the generation on (the C contract says those invalidate
//     readers), and a read through an invalid reader throws instead of reading freed memory;
//   - number reads allocate nothing (64-bit ones only their BigInt): a read whose bytes lie inside
//     the current buffer is done in JS on the C reader's fields (Reader#readAt, the fast path); any
//     other finds its bytes in JS too (copying a value that straddles buffers into the module's
//     scratch area) and leaves moving the cursor to C (gomem_reader_skip);
//   - the C reader's invariant holds after every JS read: the fast path only takes a value that
//     ends before the current buffer's last byte, so the cursor stays on an unread byte;
//   - readView and range derive their views from the C array after the C call, so they are live
//     when returned (they go stale at the next growth, like any view);
//   - every C struct field is read and written at its exact byte address, at the offset the
//     module reports, whatever the alignment of the allocator the struct came from; word reads
//     only at addresses checked to be multiples of 4 (Reader#readAt).

import { checkCount, codedError } from './errors.mjs';
import { U32_MAX } from './views.mjs';

// Reader failures with a hint of their own: END_OF_DATA and OVERFLOW are RangeErrors, unread past
// the start (C's INVALID_ARGUMENT) a TypeError like every INVALID_ARGUMENT (errors.mjs,
// KIND_BY_CODE); the rest go through runtime.fail.
const READER_HINTS = {
  END_OF_DATA: 'check reader.remaining first, or push more data and call reader.refresh()',
  OVERFLOW: 'the LEB128 encoding is longer than 10 bytes or its value needs more than 64 bits',
  INVALID_ARGUMENT: 'unread can move back at most reader.offset bytes',
};

// The fixed-width numbers: [name, bytes, little-endian, signed]. Each row makes two methods,
// `read${name}` and `peek${name}` (Reader's static block); names as DataView's getters spell them.
const FIXED_WIDTH = [
  ['Uint8', 1, false, false],
  ['Int8', 1, false, true],
  ['Uint16BE', 2, false, false],
  ['Uint16LE', 2, true, false],
  ['Int16BE', 2, false, true],
  ['Int16LE', 2, true, true],
  ['Uint24BE', 3, false, false],
  ['Uint24LE', 3, true, false],
  ['Int24BE', 3, false, true],
  ['Int24LE', 3, true, true],
  ['Uint32BE', 4, false, false],
  ['Uint32LE', 4, true, false],
  ['Int32BE', 4, false, true],
  ['Int32LE', 4, true, true],
  ['BigUint64BE', 8, false, false],
  ['BigUint64LE', 8, true, false],
  ['BigInt64BE', 8, false, true],
  ['BigInt64LE', 8, true, true],
];

// The number in the bytes at address `at` of the views (js/views.mjs): one kernel per width,
// each little-endian or not, signed or not (a BigInt for 8 bytes).
const value8 = (views, at, little, signed) => (signed ? views.view.getInt8(at) : views.u8[at]);
const value16 = (views, at, little, signed) =>
  (signed ? views.view.getInt16(at, little) : views.view.getUint16(at, little));
const value24 = (views, at, little, signed) => {
  const { view, u8 } = views;
  const unsigned = little ? view.getUint16(at, true) | (u8[at + 2] << 16)
    : (view.getUint16(at) << 8) | u8[at + 2];
  return signed ? (unsigned << 8) >> 8 : unsigned;
};
const value32 = (views, at, little, signed) =>
  (signed ? views.view.getInt32(at, little) : views.view.getUint32(at, little));
const value64 = (views, at, little, signed) =>
  (signed ? views.view.getBigInt64(at, little) : views.view.getBigUint64(at, little));

/**
 * Made by Memory#reader() (memory.mjs), which passes the state it shares with its readers
 * ({ runtime, views, exports, allocator, allocatorHandle, life, handle, generation, owned,
 * readers }) and its handle.
 * @internal
 */
export function createReader(state, memoryHandle) {
  return new Reader(state, memoryHandle, INTERNAL);
}

const INTERNAL = Symbol('gomem internal');

/**
 * A cursor over a Memory (gomem_reader): reads numbers and bytes across buffer boundaries
 * without joining the buffers. Made by memory.reader(). It sees the bytes the list had when it
 * was made; push more and call refresh() to extend it. reset/destroy of the Memory, or
 * clipFront through another reader, invalidate it (reads then throw INVALID_READER).
 *
 * Number reads return Numbers, 64-bit ones BigInts; failures leave the cursor where it was and
 * throw a RangeError coded END_OF_DATA (too few bytes) or OVERFLOW (LEB128). A read takes the
 * value at the cursor and moves past it, and takes no offset (one given is refused: Buffer's
 * reads of the same names take one and do not move); a peek takes the value without moving, at
 * an optional offset ahead of the cursor (bl's readUInt32BE(offset), uint8arraylist's
 * getUint32(offset) on a list consumed up to the cursor). One name per thing, no Buffer-style
 * aliases (docs/js.md, "Coming from bl, uint8arraylist or Buffer").
 */
export class Reader {
  #state;
  #views;
  #exports;
  #scratch;
  #ptr;
  #generation;
  // Byte addresses of the C reader's fields and of its Memory's `buffers` pointer, and the
  // gomem_buf layout, all from gomem_wasm_layout() and fixed for the reader's life.
  #bufIndexAt;
  #bufOffsetAt;
  #lengthAt;
  #positionAt;
  #buffersAt;
  #bufBytes;
  #bufData;
  #bufLen;
  // The same as indexes into views.words (address / 4), for the fast paths (#readAt, #peekAt):
  // only when every one of those addresses and offsets is a multiple of 4, else all -1 (a
  // Uint32Array read at -1 is undefined, which sends every read to #readAtBytes and every peek to
  // #toScratch). A struct from an allocator of alignment 1 or 2 can sit anywhere, and
  // address >> 2 would then name the word below the field.
  #lengthW = -1;
  #bufOffsetW = -1;
  #bufIndexW = -1;
  #positionW = -1;
  #buffersW = -1;
  #bufWords = -1;
  #bufDataW = -1;
  #bufLenW = -1;

  constructor(state, memoryHandle, token) {
    if (token !== INTERNAL) {
      throw codedError(TypeError, 'INVALID_ARGUMENT', 'new Reader(): use memory.reader()');
    }
    const { exports, runtime } = state;
    const ptr = exports.gomem_wasm_reader_new(state.allocatorHandle, memoryHandle) >>> 0;
    if (ptr === 0) throw runtime.fail(runtime.status.NOMEM, 'memory.reader()');
    this.#state = state;
    this.#views = state.views;
    this.#exports = exports;
    this.#scratch = runtime.scratch;
    this.#ptr = ptr;
    this.#generation = state.generation;
    const { buf, memory, reader } = state.views.layout;
    this.#bufIndexAt = ptr + reader.bufIndex;
    this.#bufOffsetAt = ptr + reader.bufOffset;
    this.#lengthAt = ptr + reader.length;
    this.#positionAt = ptr + reader.position;
    this.#buffersAt = memoryHandle + memory.buffers;
    this.#bufBytes = buf.bytes;
    this.#bufData = buf.data;
    this.#bufLen = buf.len;
    if (((this.#bufIndexAt | this.#bufOffsetAt | this.#lengthAt | this.#positionAt |
          this.#buffersAt | buf.bytes | buf.data | buf.len) & 3) === 0) {
      this.#lengthW = this.#lengthAt >>> 2;
      this.#bufOffsetW = this.#bufOffsetAt >>> 2;
      this.#bufIndexW = this.#bufIndexAt >>> 2;
      this.#positionW = this.#positionAt >>> 2;
      this.#buffersW = this.#buffersAt >>> 2;
      this.#bufWords = buf.bytes >>> 2;
      this.#bufDataW = buf.data >>> 2;
      this.#bufLenW = buf.len >>> 2;
    }
    state.readers.add(this);
  }

  // The reader's address, after checking it may still be used. Every method starts here, so
  // the check is two loads and compares: destroy() sets the generation to -1, which no Memory
  // has, and the allocator's destroy sets life.destroyed (a plain object: a getter costs more).
  #r(action) {
    const state = this.#state;
    if (this.#generation !== state.generation || state.life.destroyed) this.#invalid(action);
    if (this.#views.pagesW !== 0) this.#views.sync(); // a shared memory another worker grew
    return this.#ptr;
  }

  #invalid(action) {
    const state = this.#state;
    const destroyed = this.#ptr === 0 ? 'this Reader was destroyed'
      : state.allocator.destroyed ? 'the allocator of its Memory was destroyed, and with it the ' +
        'Memory and its readers; create a new allocator and Memory'
      : state.handle === 0 ? 'its Memory was destroyed; create a new one with ' +
        'allocator.createMemory()'
      : null;
    if (destroyed !== null) throw codedError(Error, 'DESTROYED', `${action}: ${destroyed}`);
    throw codedError(Error, 'INVALID_READER', `${action}: this Reader is invalid - its Memory ` +
      'was reset, or another reader clipped its front; make a new one with memory.reader()');
  }

  #fail(status, action) {
    const { runtime } = this.#state;
    const name = runtime.cString(this.#exports.gomem_status_name(status) >>> 0);
    const hint = READER_HINTS[name];
    if (hint !== undefined) {
      const remaining = this.#exports.gomem_reader_remaining(this.#ptr) >>> 0;
      // RangeError, or the kind errors.mjs gives the code (TypeError for INVALID_ARGUMENT).
      return codedError(RangeError, name, `${action} failed with ${name} (${remaining} bytes ` +
        `remain); ${hint}`);
    }
    return runtime.fail(status, action);
  }

  // Fixed-width reads and peeks: the methods are made from FIXED_WIDTH in the static block below;
  // each finds the address of its value (#readAt, #peekAt) and reads the number there with its
  // width's kernel (value8 ... value64). The views are live when the kernel reads: both leave
  // them so, and nothing in between grows memory.

  /**
   * The address of the value a read takes, the cursor moved past it. The fast path reads the C
   * reader's cursor straight from wasm memory and, when the value lies inside the current buffer
   * with at least one byte after it (offset + width < len), moves the cursor in JS: no wasm call.
   * Strictly inside, so the cursor stays on an unread byte and the C invariant "while length > 0
   * the cursor sits on an unread byte" (src/reader.c) holds without stepping over buffers. The
   * rest (a value straddling buffers or ending exactly at a buffer's end, too few bytes) goes to
   * #readAcross.
   *
   * The C reader's fields and the buffer entry are read and written as words of views.words only
   * at addresses known to be multiples of 4 (the reader's and its Memory's, checked when the
   * reader was made; the buffer array's, checked here: it moves as the list grows). Anything
   * else goes to #readAtBytes, which does the same with the DataView at exact byte addresses: a
   * struct out of an allocator with alignment below 4, too few bytes left, or views not made
   * yet or detached by a memory growth (a detached array reads undefined; views.dv() re-makes
   * the views).
   */
  #readAt(offset, name, width) {
    if (offset !== undefined) this.#noOffset(name, offset);
    this.#r(name);
    const words = this.#views.words;
    const length = words[this.#lengthW];
    if (!(width <= length)) return this.#readAtBytes(width, name);
    const at = words[this.#bufOffsetW];
    const array = words[this.#buffersW]; // the gomem_memory's buffers pointer
    if ((array & 3) !== 0) return this.#readAtBytes(width, name);
    // &buffers[buf_index]
    const entry = (array >>> 2) + words[this.#bufIndexW] * this.#bufWords;
    if (at + width >= words[entry + this.#bufLenW]) {
      this.#readAcross(width, name);
      return this.#scratch | 0; // see #readAcross
    }
    words[this.#bufOffsetW] = at + width;
    words[this.#lengthW] = length - width;
    words[this.#positionW] += width;
    return words[entry + this.#bufDataW] + at;
  }

  // #readAt with every field read and written through the DataView at its exact byte address.
  #readAtBytes(width, name) {
    const dv = this.#views.dv();
    const length = dv.getUint32(this.#lengthAt, true);
    if (width <= length) { // else the buffer index may be past the array: no entry to read
      const at = dv.getUint32(this.#bufOffsetAt, true);
      const entry = dv.getUint32(this.#buffersAt, true) +
        dv.getUint32(this.#bufIndexAt, true) * this.#bufBytes;
      if (at + width < dv.getUint32(entry + this.#bufLen, true)) {
        dv.setUint32(this.#bufOffsetAt, at + width, true);
        dv.setUint32(this.#lengthAt, length - width, true);
        dv.setUint32(this.#positionAt, dv.getUint32(this.#positionAt, true) + width, true);
        return dv.getUint32(entry + this.#bufData, true) + at;
      }
    }
    this.#readAcross(width, name);
    return this.#scratch;
  }

  // A read the fast path does not take: #toScratch copies the value into scratch (or throws
  // END_OF_DATA), then C's gomem_reader_skip moves the cursor, over buffer ends and empty
  // buffers. The caller returns scratch's address as `this.#scratch | 0`, not as this call's
  // result: V8 then knows both addresses #readAt returns are int32 (scratch is among the
  // module's first bytes) and keeps the fast path's address untagged (about 5% of a read).
  #readAcross(width, name) {
    this.#toScratch(width, 0, name);
    this.#exports.gomem_reader_skip(this.#ptr, width);
  }

  /**
   * The address of the value a peek takes, `offset` bytes after the cursor (undefined: at the
   * cursor); nothing moves. Inside the cursor's buffer it is found as #readAt finds a read's
   * (word reads where the addresses allow), else copied into scratch (#toScratch). The offset is
   * checked as skip's n is (TypeError INVALID_ARGUMENT for a non-number, RangeError INVALID_SIZE
   * for a negative or fractional one).
   */
  #peekAt(offset, name, width) {
    this.#r(name);
    let ahead = 0;
    if (offset !== undefined) {
      if (!Number.isInteger(offset) || offset < 0) checkCount(offset, `${name} offset`);
      ahead = offset;
    }
    const words = this.#views.words;
    if (ahead + width <= words[this.#lengthW]) {
      const array = words[this.#buffersW];
      if ((array & 3) === 0) {
        const at = words[this.#bufOffsetW] + ahead;
        const entry = (array >>> 2) + words[this.#bufIndexW] * this.#bufWords;
        if (at + width <= words[entry + this.#bufLenW]) return words[entry + this.#bufDataW] + at;
      }
    }
    this.#toScratch(width, ahead, offset === undefined ? name : `${name}(${offset})`);
    return this.#scratch | 0; // as in #readAt (#readAcross)
  }

  /**
   * Copies the `width` bytes that start `ahead` bytes after the cursor into the module's scratch
   * area, in order, across buffers (empty ones included); nothing moves. The walk reads the
   * cursor and the buffer array through the DataView at exact byte addresses (any alignment) and
   * costs O(buffers between the cursor and the value). END_OF_DATA, named `action`, when fewer
   * than ahead + width bytes remain.
   */
  #toScratch(width, ahead, action) {
    const dv = this.#views.dv();
    if (ahead > dv.getUint32(this.#lengthAt, true) - width) {
      throw this.#fail(this.#state.runtime.status.END_OF_DATA, action);
    }
    const bufBytes = this.#bufBytes;
    const dataAt = this.#bufData;
    const lenAt = this.#bufLen;
    let entry = dv.getUint32(this.#buffersAt, true) +
      dv.getUint32(this.#bufIndexAt, true) * bufBytes;
    let offset = dv.getUint32(this.#bufOffsetAt, true) + ahead;
    let len = dv.getUint32(entry + lenAt, true);
    // To the buffer holding the first byte (it exists: ahead < remaining).
    while (offset >= len) {
      offset -= len;
      entry += bufBytes;
      len = dv.getUint32(entry + lenAt, true);
    }
    const u8 = this.#views.u8;
    const scratch = this.#scratch;
    for (let at = 0; at < width; offset = 0) {
      const from = dv.getUint32(entry + dataAt, true) + offset;
      const take = Math.min(len - offset, width - at);
      u8.copyWithin(scratch + at, from, from + take);
      at += take;
      entry += bufBytes;
      if (at < width) len = dv.getUint32(entry + lenAt, true);
    }
  }

  // A read given an argument: Buffer's readUint32BE(offset) reads at an offset without moving,
  // the Reader's reads at the cursor and moves, so an offset is refused rather than ignored.
  #noOffset(name, offset) {
    const peek = name.replace('read', 'peek');
    throw codedError(TypeError, 'INVALID_ARGUMENT', `${name}(${String(offset)}): reads take no ` +
      'offset, they read at the cursor and move past the value (unlike Buffer\'s, which read at ' +
      `an offset and do not move); use ${peek}(offset) to read ahead of the cursor without ` +
      'moving, or skip(offset) first');
  }

  // readUint8 ... readBigInt64LE and peekUint8 ... peekBigInt64LE, a pair per FIXED_WIDTH row
  // (their types and doc comments: index.d.ts), non-enumerable as class methods are. Each method
  // is a closure over its row's constants: the address (#readAt, #peekAt), then the number there
  // (its width's kernel).
  //
  // Why this shape is as fast as hand-written methods (bench/js/reader.mjs): where a hot loop
  // calls reader.readUint32BE(), V8 inlines that one known closure, its captured values become
  // constants, and #readAt and the kernel fold to what a hand-written readUint32BE would do.
  // Where a call is not inlined (a parser mixing many reads in one loop runs out of V8's
  // inlining budget), the closure runs the code V8 compiled for its function literal, shared by
  // every closure made from that literal. Hence one literal per width below: its shared code
  // always calls the same kernel, which V8 inlines; one literal for all widths would call one of
  // five, which V8 does not inline (measured 10-20% slower in such a loop).
  static {
    const METHODS_OF_WIDTH = {
      1: (read, peek, little, signed) => ({
        [read](offset) {
          return value8(this.#views, this.#readAt(offset, read, 1), little, signed);
        },
        [peek](offset) {
          return value8(this.#views, this.#peekAt(offset, peek, 1), little, signed);
        },
      }),
      2: (read, peek, little, signed) => ({
        [read](offset) {
          return value16(this.#views, this.#readAt(offset, read, 2), little, signed);
        },
        [peek](offset) {
          return value16(this.#views, this.#peekAt(offset, peek, 2), little, signed);
        },
      }),
      3: (read, peek, little, signed) => ({
        [read](offset) {
          return value24(this.#views, this.#readAt(offset, read, 3), little, signed);
        },
        [peek](offset) {
          return value24(this.#views, this.#peekAt(offset, peek, 3), little, signed);
        },
      }),
      4: (read, peek, little, signed) => ({
        [read](offset) {
          return value32(this.#views, this.#readAt(offset, read, 4), little, signed);
        },
        [peek](offset) {
          return value32(this.#views, this.#peekAt(offset, peek, 4), little, signed);
        },
      }),
      8: (read, peek, little, signed) => ({
        [read](offset) {
          return value64(this.#views, this.#readAt(offset, read, 8), little, signed);
        },
        [peek](offset) {
          return value64(this.#views, this.#peekAt(offset, peek, 8), little, signed);
        },
      }),
    };
    for (const [name, width, little, signed] of FIXED_WIDTH) {
      const methods = METHODS_OF_WIDTH[width](`read${name}`, `peek${name}`, little, signed);
      for (const [key, method] of Object.entries(methods)) {
        Object.defineProperty(Reader.prototype, key,
          { value: method, writable: true, configurable: true });
      }
    }
  }

  /**
   * An unsigned LEB128 number as a Number. A value above Number.MAX_SAFE_INTEGER throws a
   * RangeError coded OVERFLOW without moving (use readBigLEB128 for full 64-bit values).
   */
  readLEB128() {
    const value = this.readBigLEB128('readLEB128');
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
      const consumed = this.#views.u32(this.#scratch + 8);
      this.#exports.gomem_reader_unread(this.#ptr, consumed);
      throw codedError(RangeError, 'OVERFLOW', `readLEB128: the value ${value} is above ` +
        'Number.MAX_SAFE_INTEGER; use readBigLEB128() to get it as a BigInt');
    }
    return Number(value);
  }

  /** An unsigned LEB128 number (up to 10 bytes, 64 bits) as a BigInt. */
  readBigLEB128(action = 'readBigLEB128') {
    const scratch = this.#scratch;
    const status = this.#exports.gomem_reader_read_leb128(this.#r(action), scratch, scratch + 8);
    if (status !== 0) throw this.#fail(status, action);
    return this.#views.dv().getBigUint64(scratch, true);
  }

  /** Bytes left to read. */
  get remaining() { return this.#exports.gomem_reader_remaining(this.#r('remaining')) >>> 0; }

  /** Bytes read since the start of the list (unread lowers it, clipFront resets it to 0). */
  get offset() { return this.#exports.gomem_reader_offset(this.#r('offset')) >>> 0; }

  #count(n, action) {
    checkCount(n, `${action} n`);
    if (n > U32_MAX) throw this.#fail(this.#state.runtime.status.END_OF_DATA, `${action}(${n})`);
    return n;
  }

  /** Moves forward n bytes (END_OF_DATA, not moving, when fewer remain). */
  skip(n) {
    this.#count(n, 'skip');
    const status = this.#exports.gomem_reader_skip(this.#r('skip'), n);
    if (status !== 0) throw this.#fail(status, `skip(${n})`);
  }

  /**
   * Moves back n bytes, to read them again: at most `offset` (TypeError INVALID_ARGUMENT past
   * the start, not moving).
   */
  unread(n) {
    checkCount(n, 'unread n');
    const status = n > U32_MAX ? this.#state.runtime.status.INVALID_ARGUMENT
      : this.#exports.gomem_reader_unread(this.#r('unread'), n);
    if (status !== 0) throw this.#fail(status, `unread(${n})`);
  }

  /** Marks everything read. */
  moveToEnd() { this.#exports.gomem_reader_move_to_end(this.#r('moveToEnd')); }

  /** Extends the reader over bytes pushed to its Memory since it was made or refreshed. */
  refresh() { this.#exports.gomem_reader_refresh(this.#r('refresh')); }

  /** The next n bytes copied to the JS heap; the cursor moves past them. */
  readBytes(n) {
    const out = this.#peekBytes(n, 0, 'readBytes');
    this.#exports.gomem_reader_skip(this.#ptr, n);
    return out;
  }

  /**
   * The n bytes that start `offset` bytes after the cursor (default 0: the next n), copied to
   * the JS heap, without moving (bl's slice(offset, offset + n), uint8arraylist's
   * slice(offset, offset + n)). END_OF_DATA when fewer than offset + n bytes remain.
   */
  peekBytes(n, offset = 0) { return this.#peekBytes(n, offset, 'peekBytes'); }

  #peekBytes(n, ahead, action) {
    this.#count(n, action);
    if (ahead !== 0) checkCount(ahead, `${action} offset`);
    this.#r(action);
    if (n > this.#views.u32(this.#lengthAt) - ahead) {
      throw this.#fail(this.#state.runtime.status.END_OF_DATA,
        `${action}(${n}${ahead === 0 ? '' : `, ${ahead}`})`);
    }
    const out = new Uint8Array(n);
    this.#copyNext(out, ahead);
    return out;
  }

  /**
   * Fills `target` (a Uint8Array) with the next target.length bytes and moves past them. A
   * live view of this instance's memory is filled by C (gomem_reader_read_bytes); any other
   * array by a copy per buffer crossed.
   */
  readInto(target) {
    if (!(target instanceof Uint8Array)) {
      throw codedError(TypeError, 'INVALID_ARGUMENT', 'readInto(target): target must be a ' +
        'Uint8Array');
    }
    const r = this.#r('readInto');
    const n = target.length;
    if (target.buffer === this.#views.bytesOfAll().buffer) {
      const status = this.#exports.gomem_reader_read_bytes(r, target.byteOffset, n);
      if (status !== 0) throw this.#fail(status, `readInto(${n} bytes)`);
      return target;
    }
    if (n > this.#views.u32(this.#lengthAt)) {
      throw this.#fail(this.#state.runtime.status.END_OF_DATA, `readInto(${n} bytes)`);
    }
    this.#copyNext(target);
    this.#exports.gomem_reader_skip(r, n);
    return target;
  }

  /**
   * The next n bytes as a view into wasm memory, no copy (gomem_reader_read_view), moving past
   * them, when they lie in one buffer; null, moving nothing, when they straddle buffers (C's
   * GOMEM_ERR_STRADDLE): `reader.readView(n) ?? reader.readBytes(n)` copies those. A straddle is
   * an answer, not a failure (whether bytes straddle depends only on how the data was chunked),
   * so it costs no Error; a view and a copy differ in lifetime, so the caller sees which it got.
   * The view lives as its buffer does: until the bytes are freed (reset, destroy, clipFront of
   * bytes pushBytes copied in) or memory grows (it is not recorded, so it goes stale then).
   */
  readView(n) {
    this.#count(n, 'readView');
    const status = this.#exports.gomem_reader_read_view(this.#r('readView'), n, this.#scratch);
    if (status === 0) {
      const dv = this.#views.dv();
      return new Uint8Array(dv.buffer, dv.getUint32(this.#scratch, true), n);
    }
    if (status === this.#state.runtime.status.STRADDLE) return null;
    throw this.#fail(status, `readView(${n})`);
  }

  /**
   * Visits the remaining bytes a buffer's worth at a time, zero-copy: fn(view) gets a view into
   * wasm memory, the cursor already past it (as gomem_reader_range). Returning false (exactly)
   * stops; any other return goes on. fn must not change the Memory or this reader, nor grow
   * memory (the views would go stale). Returns the bytes moved over.
   */
  range(fn) { return this.rangeN(U32_MAX, fn, 'range'); }

  /** As range over at most the next n bytes. */
  rangeN(n, fn, action = 'rangeN') {
    checkCount(n, `${action} n`);
    if (typeof fn !== 'function') {
      throw codedError(TypeError, 'INVALID_ARGUMENT', `${action}: fn must be a function`);
    }
    const r = this.#r(action);
    const views = this.#views;
    let left = Math.min(n, views.u32(this.#lengthAt));
    let moved = 0;
    while (left > 0) {
      const index = views.u32(this.#bufIndexAt);
      const offset = views.u32(this.#bufOffsetAt);
      const array = views.u32(this.#buffersAt);
      const data = views.bufData(array, index);
      const take = Math.min(views.bufLen(array, index) - offset, left);
      this.#exports.gomem_reader_skip(r, take);
      left -= take;
      moved += take;
      if (fn(new Uint8Array(views.view.buffer, data + offset, take)) === false) break;
      this.#r(action);
    }
    return moved;
  }

  // Copies the target.length bytes that start `ahead` bytes after the cursor (ahead + length at
  // most remaining) into target, without moving: the walk reads the cursor and the buffer array
  // straight from wasm memory.
  #copyNext(target, ahead = 0) {
    const n = target.length;
    if (n === 0) return;
    const views = this.#views;
    const all = views.bytesOfAll();
    const array = views.u32(this.#buffersAt);
    let index = views.u32(this.#bufIndexAt);
    let offset = views.u32(this.#bufOffsetAt) + ahead;
    // To the buffer holding the first byte (it exists: ahead < remaining when n > 0).
    for (let len = views.bufLen(array, index); offset >= len; len = views.bufLen(array, index)) {
      offset -= len;
      index++;
    }
    for (let at = 0; at < n; index++, offset = 0) {
      const data = views.bufData(array, index) + offset;
      const take = Math.min(views.bufLen(array, index) - offset, n - at);
      if (take > 0) target.set(all.subarray(data, data + take), at);
      at += take;
    }
  }

  /**
   * Drops what has been read from the front of the Memory (gomem_reader_clip_front): offset
   * becomes 0, size shrinks by it, reading continues where it was. Bytes the Memory owns
   * (pushBytes) are freed as they are dropped (a dropped prefix by a segmented free); every
   * other dropped non-empty piece is passed to release(view), if given, so its owner can free
   * it. Other readers over the Memory become invalid.
   */
  clipFront(release) {
    if (release !== undefined && typeof release !== 'function') {
      throw codedError(TypeError, 'INVALID_ARGUMENT', 'clipFront(release): release must be a ' +
        'function or undefined');
    }
    const state = this.#state;
    const r = this.#r('clipFront');
    // The dropped pieces are exactly the first `offset` bytes of the list.
    const views = this.#views;
    let position = views.u32(this.#positionAt);
    if (position === 0) return;
    const array = views.u32(this.#buffersAt);
    const pieces = [];
    for (let i = 0; position > 0; i++) {
      const data = views.bufData(array, i);
      const take = Math.min(views.bufLen(array, i), position);
      if (take > 0) pieces.push(data, take);
      position -= take;
    }
    this.#exports.gomem_reader_clip_front(r, 0, 0);
    state.generation++;
    this.#generation = state.generation;
    const { owned } = state;
    for (let i = 0; i < pieces.length; i += 2) {
      const data = pieces[i];
      const take = pieces[i + 1];
      const ownedLen = owned.get(data);
      if (ownedLen === undefined) {
        if (release !== undefined) release(state.runtime.bytes(data, take));
        continue;
      }
      owned.delete(data);
      if (take < ownedLen) owned.set(data + take, ownedLen - take);
      const status = this.#exports.gomem_free(state.allocatorHandle, data, take);
      if (status !== 0) throw state.runtime.fail(status, `clipFront: freeing ${take} bytes`);
    }
  }

  /** Frees the C reader. Calling it again is a no-op; any other method then throws DESTROYED. */
  destroy() {
    if (this.#ptr === 0) return;
    const state = this.#state;
    if (!state.allocator.destroyed) {
      this.#exports.gomem_wasm_reader_delete(state.allocatorHandle, this.#ptr);
    }
    state.readers.delete(this);
    this.#ptr = 0;
    this.#generation = -1;
  }
}
