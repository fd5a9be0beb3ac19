// describe.mjs - Allocator#describeMemory(): a picture of an allocator's memory (its arenas,
// their free ranges, live and free bytes, fragmentation), from the C side's walk of its arenas
// and of each arena's free-block index (gomem_wasm_describe in src/wasm_exports.c).
//
// What the C walk writes (see its contract): per arena, in the order the arenas were added, its
// gomem_arena_info (size and field offsets from runtime.layout.arenaInfo), then its free blocks in address order as
// pairs of 32-bit offsets (start, end), as many as it takes to add up to free_bytes. It returns
// the bytes the whole picture takes; when they did not fit, this file asks again with that much
// room.
//
// Where the picture is written: the module's scratch area (64 bytes: an arena with up to five
// free blocks) first, else a buffer taken from a small allocator of the instance's own, made on
// first need and kept for later calls (its pages count in gomem.pageBytesHeld()). Never from the
// allocator being described: that would change what is described. Getting that buffer may grow
// wasm memory (which detaches views, as any allocation does); the described allocator is not
// touched.

// runtime -> { handle, ptr, capacity }: the instance's own allocator and the buffer it lent.
const buffers = new WeakMap();

// Room for `bytes` outside the described allocator: { ptr, capacity }.
function bufferFor(runtime, bytes) {
  let own = buffers.get(runtime);
  if (own === undefined) {
    const handle = runtime.exports.gomem_allocator_create_ex(0, 0) >>> 0; // NULL: defaults
    if (handle === 0) throw runtime.fail(runtime.status.NOMEM, 'describeMemory');
    own = { handle, ptr: 0, capacity: 0 };
    buffers.set(runtime, own);
  }
  if (own.capacity < bytes) {
    if (own.ptr !== 0) runtime.exports.gomem_free(own.handle, own.ptr, own.capacity);
    own.ptr = 0;
    own.capacity = 0;
    // A quarter more, so a picture that grows a little does not need a new buffer each time.
    const capacity = Math.ceil((bytes + (bytes >>> 2)) / 8) * 8;
    const ptr = runtime.exports.gomem_alloc(own.handle, capacity) >>> 0;
    if (ptr === 0) {
      throw runtime.fail(runtime.status.NOMEM, `describeMemory (a ${capacity}-byte buffer for ` +
        'the picture)');
    }
    own.ptr = ptr;
    own.capacity = capacity;
  }
  return own;
}

/**
 * The picture of the allocator `handle` of `runtime` (see Allocator#describeMemory in
 * index.d.ts for its shape). O(arenas + free blocks).
 */
export function describeMemory(runtime, handle) {
  const describe = runtime.exports.gomem_wasm_describe;
  let ptr = runtime.scratch;
  let capacity = runtime.layout.scratch.bytes;
  let bytes = describe(handle, ptr, capacity) >>> 0;
  // The described allocator does not change between the calls (the buffer comes from another
  // one), so the second call fits; the loop only guards that assumption.
  for (let tries = 0; bytes > capacity; tries++) {
    if (tries === 3) throw new Error('gomem-wasm: describeMemory: the picture keeps growing');
    ({ ptr, capacity } = bufferFor(runtime, bytes));
    bytes = describe(handle, ptr, capacity) >>> 0;
  }
  return parse(new DataView(runtime.buffer(), ptr, bytes), runtime.layout.arenaInfo);
}

function parse(data, info) {
  const arenas = [];
  let footprint = 0, freeTotal = 0, largestFree = 0, blocks = 0;
  for (let at = 0; at < data.byteLength;) {
    if (at + info.bytes > data.byteLength) corrupt('an arena record is cut short');
    const base = data.getUint32(at + info.base, true);
    const size = data.getUint32(at + info.size, true);
    const freeBytes = data.getUint32(at + info.freeBytes, true);
    const dedicated = data.getUint8(at + info.dedicated) !== 0;
    at += info.bytes;
    if (freeBytes > size) corrupt(`arena at ${base} has ${freeBytes} free of ${size} bytes`);
    const free = [];
    let counted = 0, previousEnd = -1, largest = 0;
    while (counted < freeBytes) {
      if (at + 8 > data.byteLength) corrupt('the free blocks of an arena are cut short');
      const start = data.getUint32(at, true);
      const end = data.getUint32(at + 4, true);
      at += 8;
      // Sorted, disjoint and never adjacent (adjacent free blocks are merged), inside the arena.
      if (!(start > previousEnd && start < end && end <= size)) {
        corrupt(`free block [${start}, ${end}) of the ${size}-byte arena at ${base}`);
      }
      free.push({ start: base + start, end: base + end });
      counted += end - start;
      previousEnd = end;
      if (end - start > largest) largest = end - start;
    }
    if (counted !== freeBytes) corrupt(`arena at ${base}: blocks add up past its free bytes`);
    arenas.push({
      base, size, dedicated, live: size - freeBytes, freeBytes, largestFree: largest,
      fragmentation: fragmentation(largest, freeBytes), free,
    });
    footprint += size;
    freeTotal += freeBytes;
    blocks += free.length;
    if (largest > largestFree) largestFree = largest;
  }
  return {
    arenas, footprint, live: footprint - freeTotal, free: freeTotal, freeBlocks: blocks,
    largestFree, fragmentation: fragmentation(largestFree, freeTotal),
  };
}

// 1 - largest free block / free bytes: 0 when the free bytes are one block (or there are none),
// towards 1 as they are scattered over many small blocks.
function fragmentation(largest, free) {
  return free === 0 ? 0 : 1 - largest / free;
}

function corrupt(what) {
  throw new Error(`gomem-wasm: describeMemory read a picture it cannot parse (${what}); ` +
    'rebuild gomem.wasm from the same sources with scripts/build-wasm-module.sh');
}
