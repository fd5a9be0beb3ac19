// app.mjs - the web page of examples/web (npm run demo:web): streams a local FLV file (or a
// generated one) with File.stream() into a gomem Memory, parses it tag by tag with the Reader,
// frees what was parsed with clipFront(), and shows the tags, the throughput and a live map of
// the allocator's memory (allocator.describeMemory()). No framework, no build step: it imports
// the package's js/index.mjs straight from the static server.
//
// Every number shown is also in a data- attribute of its element (data-value, or named ones),
// raw, for tests/web/web.test.mjs; #status's data-state is loading, idle, running, done or error.
import { init } from '../../js/index.mjs';
import { FlvParser, TAG_AUDIO, TAG_NAMES, TAG_SCRIPT, TAG_VIDEO, generateFlv, networkChunks }
  from './flv.mjs';

const ROWS = 200; // tags shown in the table (all are counted)
const UI_INTERVAL_MS = 50; // how often the numbers, the table and the map are redrawn
const BAR_HEIGHT = 18;

const $ = (id) => document.getElementById(id);

let gomem;
let runs = 0; // a new run makes the one before it stop at its next chunk
let current = null; // { allocator, memory, reader } of the last run, kept until the next one

// --- formatting --------------------------------------------------------------------------------

function bytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(2)} MiB`;
}

const hex = (address) => `0x${address.toString(16).padStart(8, '0')}`;
const percent = (part, whole) => (whole === 0 ? '0' : ((100 * part) / whole).toFixed(1));

function show(id, value, text = String(value)) {
  const element = $(id);
  element.dataset.value = String(value);
  element.textContent = text;
}

function status(state, text) {
  const element = $('status');
  element.dataset.state = state;
  element.textContent = text;
}

// --- the memory map ----------------------------------------------------------------------------

const colors = () => {
  const style = getComputedStyle(document.documentElement);
  const color = (name) => style.getPropertyValue(name).trim();
  return { live: color('--live'), free: color('--free') };
};

// One row per arena: a label and a canvas bar, live bytes in one colour, free ranges in another.
function drawMap(allocator) {
  const picture = allocator.describeMemory();
  const stats = allocator.stats();
  show('map-footprint', picture.footprint, bytes(picture.footprint));
  show('map-live', picture.live,
    `${bytes(picture.live)} (${percent(picture.live, picture.footprint)} %)`);
  show('map-free', picture.free, bytes(picture.free));
  show('map-fragmentation', picture.fragmentation, picture.fragmentation.toFixed(3));
  show('map-arenas', picture.arenas.length);
  show('map-free-blocks', picture.freeBlocks);
  show('peak-footprint', stats.peakFootprint, bytes(stats.peakFootprint));
  const statsElement = $('stats');
  statsElement.dataset.live = String(stats.live);
  statsElement.dataset.footprint = String(stats.footprint);
  statsElement.textContent = `${bytes(stats.live)} / ${bytes(stats.footprint)}`;

  const list = $('arenas');
  while (list.children.length > picture.arenas.length) list.lastElementChild.remove();
  while (list.children.length < picture.arenas.length) {
    const row = document.createElement('div');
    row.className = 'arena';
    row.append(document.createElement('div'), document.createElement('canvas'));
    row.firstElementChild.className = 'label';
    list.append(row);
  }
  const { live, free } = colors();
  const ratio = window.devicePixelRatio || 1;
  picture.arenas.forEach((arena, i) => {
    const row = list.children[i];
    Object.assign(row.dataset, {
      base: arena.base, size: arena.size, live: arena.live, free: arena.freeBytes,
      freeRanges: arena.free.length, fragmentation: arena.fragmentation,
    });
    row.firstElementChild.innerHTML = `<b>arena ${i + 1}</b>` +
      `${arena.dedicated ? ' (dedicated)' : ''}` +
      ` · ${bytes(arena.size)} at ${hex(arena.base)} · live <b>${bytes(arena.live)}</b>` +
      ` (${percent(arena.live, arena.size)} %) · ${arena.free.length} free range` +
      `${arena.free.length === 1 ? '' : 's'}, largest ${bytes(arena.largestFree)}` +
      ` · fragmentation ${arena.fragmentation.toFixed(3)}`;
    const canvas = row.lastElementChild;
    const width = Math.max(1, Math.round(canvas.clientWidth * ratio));
    const height = Math.round(BAR_HEIGHT * ratio);
    if (canvas.width !== width) canvas.width = width;
    if (canvas.height !== height) canvas.height = height;
    const context = canvas.getContext('2d');
    context.fillStyle = live;
    context.fillRect(0, 0, width, height);
    context.fillStyle = free;
    const scale = width / arena.size;
    for (const range of arena.free) {
      context.fillRect((range.start - arena.base) * scale, 0, (range.end - range.start) * scale,
        height);
    }
  });
  return picture;
}

// --- the tag table -----------------------------------------------------------------------------

function drawTags(rows) {
  const shown = rows.slice(-ROWS).reverse(); // newest first
  $('tag-rows').innerHTML = shown.map((tag) => `<tr><td>${tag.index}</td>` +
    `<td class="type">${TAG_NAMES[tag.type] ?? `type ${tag.type}`}</td>` +
    `<td>${tag.timestamp} ms</td><td>${tag.size}</td>` +
    (tag.inPlace ? `<td class="in-place">in place @${hex(tag.address)}</td>`
      : '<td class="copied">copied (spans chunks)</td>') +
    `<td>${tag.offset}</td></tr>`).join('');
}

// `bytes` as subarrays of at most `size` bytes.
function cut(bytes, size) {
  const pieces = [];
  for (let at = 0; at < bytes.length; at += size) pieces.push(bytes.subarray(at, at + size));
  return pieces;
}

// --- one run: stream, parse, free --------------------------------------------------------------

function release() {
  if (current === null) return;
  const { allocator, memory, reader } = current;
  current = null;
  reader.destroy();
  memory.destroy();
  allocator.destroy();
}

async function run(file) {
  const id = ++runs;
  release();
  show('trimmed', 0, '');
  const chunking = $('chunking').value;
  const allocator = gomem.createAllocator();
  const memory = allocator.createMemory();
  const reader = memory.reader();
  current = { allocator, memory, reader };

  const kinds = { [TAG_VIDEO]: 0, [TAG_AUDIO]: 0, [TAG_SCRIPT]: 0, other: 0 };
  let rows = [];
  let inPlace = 0, copied = 0;
  // The last keepMs of tags stay in memory, each payload copied into an allocation of its own
  // (what a media server's GOP cache does), and are freed as they age out: with the chunks the
  // Memory frees as they are parsed, that is what leaves holes between live bytes.
  const keepMs = Math.max(0, Number($('keep-ms').value) || 0);
  const cache = [];
  let cacheBytes = 0;
  const keep = keepMs === 0 ? null : ({ size }) => (size === 0 ? null : allocator.malloc(size));
  const parser = new FlvParser(reader, (tag, kept) => {
    if (tag.type in kinds) kinds[tag.type]++;
    else kinds.other++;
    if (tag.inPlace) inPlace++;
    else copied++;
    rows.push(tag);
    if (rows.length >= 2 * ROWS) rows = rows.slice(-ROWS);
    if (kept === null) return;
    cache.push({ view: kept, timestamp: tag.timestamp });
    cacheBytes += kept.length;
    while (tag.timestamp - cache[0].timestamp > keepMs) {
      const old = cache.shift();
      cacheBytes -= old.view.length;
      allocator.free(old.view); // a view handed out before memory grew is freed by its record
    }
  }, keep);
  let received = 0, chunks = 0, busyMs = 0;
  const started = performance.now();

  const render = () => {
    show('file-size', file.size, `${bytes(file.size)} (${file.size} B)`);
    show('bytes-parsed', parser.parsed,
      `${bytes(parser.parsed)} (${percent(parser.parsed, file.size)} %)`);
    show('chunk-count', chunks);
    show('tag-count', parser.tags);
    $('tag-kinds').textContent = `${kinds[TAG_VIDEO]} / ${kinds[TAG_AUDIO]} / ` +
      `${kinds[TAG_SCRIPT]}${kinds.other ? ` (+${kinds.other} other)` : ''}`;
    const reads = $('tag-reads');
    reads.dataset.inPlace = String(inPlace);
    reads.dataset.copied = String(copied);
    reads.textContent = `${inPlace} / ${copied}`;
    const cached = $('kept');
    cached.dataset.tags = String(cache.length);
    cached.dataset.bytes = String(cacheBytes);
    cached.textContent = `${cache.length} tags, ${bytes(cacheBytes)}`;
    // Throughput of the work itself (copy into wasm memory, parse, free), not of the redraws.
    const mbPerSecond = busyMs > 0 ? received / 1e6 / (busyMs / 1000) : 0;
    show('throughput', mbPerSecond, `${mbPerSecond.toFixed(1)} MB/s`);
    const elapsed = performance.now() - started;
    show('elapsed', Math.round(elapsed), `${(elapsed / 1000).toFixed(2)} s`);
    drawTags(rows);
    return drawMap(allocator);
  };

  show('file-name', file.name, file.name);
  status('running', `parsing ${file.name}…`);
  const stream = file.stream().getReader();
  let lastDrawn = 0;
  try {
    for (;;) {
      const { done, value } = await stream.read();
      if (id !== runs) { // a newer run took over (and released this one's memory)
        await stream.cancel();
        return;
      }
      if (done) break;
      const began = performance.now();
      // Each chunk is copied once into wasm memory; network-sized pieces make more payloads
      // span chunks (then the Reader copies them out instead of handing out a view).
      const pieces = chunking === 'network' ? networkChunks(value, chunks + 1)
        : chunking === '64k' ? cut(value, 65536) : [value];
      for (const piece of pieces) memory.pushBytes(piece);
      chunks += pieces.length;
      received += value.length;
      reader.refresh(); // the reader now covers the new bytes
      parser.parse(); // every whole tag that has arrived
      reader.clipFront(); // frees the parsed bytes: whole chunks, and the parsed front of one
      const now = performance.now();
      busyMs += now - began;
      if (now - lastDrawn >= UI_INTERVAL_MS) {
        render();
        lastDrawn = performance.now();
        await new Promise((resume) => setTimeout(resume, 0)); // let the page paint
        if (id !== runs) return;
      }
    }
    const picture = render();
    const rest = reader.remaining;
    status('done', `done: ${parser.tags} tags, ${bytes(parser.parsed)} parsed` +
      (rest > 0 ? `; ${rest} trailing bytes are not a whole tag` : '') +
      `; ${bytes(picture.live)} live in ${picture.arenas.length} arena(s)`);
  } catch (error) {
    if (id !== runs) return;
    render();
    status('error', `error: ${error.message}`);
    console.error(error);
  }
}

// --- wiring ------------------------------------------------------------------------------------

function generated() {
  const tags = Math.max(1, Math.min(100000, Number($('generate-tags').value) || 1500));
  const flv = generateFlv(tags, 42);
  return new File([flv], `generated (${tags} tags).flv`, { type: 'video/x-flv' });
}

async function main() {
  try {
    gomem = await init();
  } catch (error) {
    status('error', `could not load gomem.wasm: ${error.message}`);
    throw error;
  }
  $('file').addEventListener('change', () => {
    const [file] = $('file').files;
    if (file !== undefined) run(file);
  });
  $('generate').addEventListener('click', () => run(generated()));
  $('trim').addEventListener('click', () => {
    if (current === null) return;
    const released = current.allocator.trim();
    show('trimmed', released, `released ${bytes(released)}`);
    drawMap(current.allocator);
  });
  document.addEventListener('dragover', (event) => event.preventDefault());
  document.addEventListener('drop', (event) => {
    event.preventDefault();
    const [file] = event.dataTransfer?.files ?? [];
    if (file !== undefined) run(file);
  });
  window.addEventListener('resize', () => {
    if (current !== null && !current.allocator.destroyed) drawMap(current.allocator);
  });
  status('idle', 'pick an FLV file, drop one here, or generate a stream');
}

main();
