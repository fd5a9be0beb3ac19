// flv.mjs - the FLV side of the web page (no DOM, no Node imports: the page and its Chromium test
// both import it): a generator of synthetic FLV streams, a splitter into network-sized chunks,
// and an incremental tag parser over a gomem Reader that parses whatever whole tags have arrived
// and leaves the rest for the next chunk.
//
// FLV layout: a header ("FLV", version, flags, a 32-bit header size, normally 9), the 32-bit
// PreviousTagSize0, then tags: 11 bytes of header (type in the low 5 bits of byte 0, 24-bit
// payload size, 24-bit timestamp plus an 8-bit extension holding its upper bits, 24-bit stream
// id), the payload, then the 32-bit size of the tag just ended (11 + payload size).

export const TAG_AUDIO = 8, TAG_VIDEO = 9, TAG_SCRIPT = 18;
export const TAG_NAMES = { [TAG_AUDIO]: 'audio', [TAG_VIDEO]: 'video', [TAG_SCRIPT]: 'script' };

const HEADER_BYTES = 9;
const TAG_HEADER_BYTES = 11;

/**
 * A synthetic FLV stream of `tags` tags (also examples/stream-demo.mjs's and the JS bench's):
 * one script tag first, then video (30 %, 2..60 KiB) and audio
 * (100..600 B) tags 40 ms apart, payloads filled with the tag's number. Seeded: the same
 * arguments give the same bytes.
 */
export function generateFlv(tags, seed = 42) {
  let state = seed >>> 0;
  const random = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const sizes = [];
  let total = HEADER_BYTES + 4;
  for (let t = 0; t < tags; t++) {
    const type = t === 0 ? TAG_SCRIPT : random() < 0.3 ? TAG_VIDEO : TAG_AUDIO;
    const size = type === TAG_VIDEO ? 2048 + Math.floor(random() * 59392)
      : type === TAG_AUDIO ? 100 + Math.floor(random() * 500) : 300;
    sizes.push([type, size]);
    total += TAG_HEADER_BYTES + size + 4;
  }
  const flv = new Uint8Array(total);
  const view = new DataView(flv.buffer);
  flv.set([0x46, 0x4c, 0x56, 1, 5, 0, 0, 0, HEADER_BYTES]); // "FLV", v1, audio+video, 9
  let at = HEADER_BYTES + 4; // PreviousTagSize0 stays 0
  sizes.forEach(([type, size], t) => {
    const timestamp = t * 40;
    view.setUint32(at, (type << 24) | size); // type byte, then the 24-bit size
    view.setUint32(at + 4, ((timestamp & 0xffffff) << 8) | (timestamp >>> 24)); // + extension
    // stream id: 0 (bytes 8..10)
    flv.fill(t & 0xff, at + TAG_HEADER_BYTES, at + TAG_HEADER_BYTES + size);
    view.setUint32(at + TAG_HEADER_BYTES + size, TAG_HEADER_BYTES + size);
    at += TAG_HEADER_BYTES + size + 4;
  });
  return flv;
}

/** Network-sized pieces (1..1500 bytes, seeded) of `bytes`, as subarrays. */
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

/**
 * Parses FLV from a gomem Reader as data arrives. Call parse() after each push (and
 * reader.refresh()): it reads every whole tag now in the reader, calling onTag({ index, type,
 * timestamp, size, inPlace, address, offset }) for each, and stops before a tag that has not
 * fully arrived, so the next call takes it up there. `parsed` counts the bytes consumed (header
 * and whole tags). A payload is read with readView: in place (a view into wasm memory, `address`
 * its byteOffset) when it lies in one pushed chunk, else (readView says null) copied out with
 * readBytes (inPlace false).
 * keep({ type, timestamp, size }), if given, may return a Uint8Array of `size` bytes to copy the
 * payload into (onTag's second argument then), or null. It is called before the payload is read,
 * so it may allocate in wasm memory: a view of the payload is never held across an allocation.
 */
export class FlvParser {
  constructor(reader, onTag, keep = null) {
    this.reader = reader;
    this.onTag = onTag;
    this.keep = keep;
    this.headerDone = false;
    this.tags = 0;
    this.parsed = 0;
  }

  parse() {
    const { reader } = this;
    if (!this.headerDone) {
      if (reader.remaining < HEADER_BYTES) return;
      const header = reader.peekBytes(HEADER_BYTES);
      if (header[0] !== 0x46 || header[1] !== 0x4c || header[2] !== 0x56) {
        throw new Error('not an FLV stream (it does not start with "FLV")');
      }
      const headerSize = new DataView(header.buffer, header.byteOffset).getUint32(5);
      if (headerSize < HEADER_BYTES) throw new Error(`bad FLV header size ${headerSize}`);
      if (reader.remaining < headerSize + 4) return;
      reader.skip(headerSize + 4); // the header, then PreviousTagSize0
      this.parsed += headerSize + 4;
      this.headerDone = true;
    }
    while (reader.remaining >= TAG_HEADER_BYTES) {
      const size = reader.peekUint32BE() & 0xffffff;
      if (reader.remaining < TAG_HEADER_BYTES + size + 4) return; // not all here yet
      const offset = this.parsed;
      const type = reader.readUint8() & 0x1f;
      reader.skip(3); // the size, peeked above
      const low = reader.readUint24BE();
      const timestamp = ((reader.readUint8() << 24) | low) >>> 0;
      reader.skip(3); // stream id
      const kept = this.keep?.({ type, timestamp, size }) ?? null;
      const view = reader.readView(size);
      const inPlace = view !== null;
      const payload = view ?? reader.readBytes(size);
      if (kept !== null) kept.set(payload);
      const previous = reader.readUint32BE();
      if (previous !== TAG_HEADER_BYTES + size) {
        throw new Error(`tag ${this.tags} at byte ${offset}: PreviousTagSize ${previous}, ` +
          `expected ${TAG_HEADER_BYTES + size}`);
      }
      this.parsed += TAG_HEADER_BYTES + size + 4;
      this.onTag({ index: this.tags++, type, timestamp, size, inPlace,
        address: inPlace ? payload.byteOffset : null, offset }, kept);
    }
  }
}
