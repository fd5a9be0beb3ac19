// The web page of examples/web in headless Chromium (npm run test:web, part of npm test): starts
// examples/web/serve.mjs, loads the page with Debian's /usr/bin/chromium driven by playwright-core
// (no browser download), feeds it a generated FLV file through the file input, waits for the
// parse to finish and checks the numbers the page shows against what was fed; then the
// "Generate a stream" button with network-sized chunks. Saves a screenshot of the first run to
// build/web/web-demo.png, or, with GOMEM_UPDATE_SCREENSHOT=1, over docs/images/web-demo.png (the
// README shows it): a test run never changes a file of the repository.
//
//   node --test tests/web/        (CHROMIUM=/path/to/chrome to use another binary)
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

import { generateFlv } from '../../examples/web/flv.mjs';
import { startServer } from '../../examples/web/serve.mjs';

const EXECUTABLE = process.env.CHROMIUM || '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--no-first-run', '--disable-sync'];
const SCREENSHOT = fileURLToPath(new URL(process.env.GOMEM_UPDATE_SCREENSHOT === '1'
  ? '../../docs/images/web-demo.png' : '../../build/web/web-demo.png', import.meta.url));
const TIMEOUT_MS = 60_000;
const ROWS = 200; // the page's table shows the last 200 tags

let server, userDataDir, context, page;
const pageLog = [];

before(async () => {
  server = await startServer();
  userDataDir = await mkdtemp(join(tmpdir(), 'gomem-web-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: EXECUTABLE, headless: true, args: ARGS, timeout: 30_000,
    viewport: { width: 1180, height: 900 }, deviceScaleFactor: 1,
  });
  page = context.pages()[0] ?? await context.newPage();
  page.on('pageerror', (error) => pageLog.push(`[page uncaught error] ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') pageLog.push(`[page console.error] ${message.text()}`);
  });
  await page.goto(server.url, { timeout: TIMEOUT_MS });
  await waitForState(['idle']);
});

after(async () => {
  await context?.close().catch(() => {});
  await server?.close();
  if (userDataDir) await rm(userDataDir, { recursive: true, force: true }).catch(() => {});
});

// Waits until #status's data-state is one of `states` (an error state fails at once).
async function waitForState(states) {
  try {
    await page.waitForFunction((wanted) => {
      const state = document.getElementById('status')?.dataset.state;
      return wanted.includes(state) || state === 'error';
    }, states, { timeout: TIMEOUT_MS });
  } catch (error) {
    throw new Error(`${error.message}\n${pageLog.join('\n')}`);
  }
  const { state, text } = await page.$eval('#status', (element) =>
    ({ state: element.dataset.state, text: element.textContent }));
  assert.ok(states.includes(state), `page status ${state}: ${text}\n${pageLog.join('\n')}`);
}

// Every number the page shows, raw, from the data- attributes.
function readNumbers() {
  return page.evaluate(() => {
    const value = (id) => Number(document.getElementById(id).dataset.value);
    const data = (id) => document.getElementById(id).dataset;
    const arenas = [...document.querySelectorAll('#arenas .arena')].map((row) => {
      const canvas = row.querySelector('canvas');
      const { width, height } = canvas;
      // Pixels of each colour on the bar (live: orange-ish, free: green-ish).
      const pixels = canvas.getContext('2d').getImageData(0, 0, width, height).data;
      let live = 0, free = 0;
      for (let i = 0; i < pixels.length; i += 4) {
        if (pixels[i] > pixels[i + 1]) live++;
        else if (pixels[i + 1] > pixels[i]) free++;
      }
      return { ...Object.fromEntries(Object.entries(row.dataset).map(([k, v]) => [k, Number(v)])),
        width, height, livePixels: live, freePixels: free };
    });
    return {
      fileSize: value('file-size'), parsed: value('bytes-parsed'), chunks: value('chunk-count'),
      tags: value('tag-count'), inPlace: Number(data('tag-reads').inPlace),
      copied: Number(data('tag-reads').copied), keptTags: Number(data('kept').tags),
      keptBytes: Number(data('kept').bytes), throughput: value('throughput'),
      footprint: value('map-footprint'), live: value('map-live'), free: value('map-free'),
      fragmentation: value('map-fragmentation'), arenaCount: value('map-arenas'),
      freeBlocks: value('map-free-blocks'), peakFootprint: value('peak-footprint'),
      statsLive: Number(data('stats').live), statsFootprint: Number(data('stats').footprint),
      rows: [...document.querySelectorAll('#tag-rows tr')]
        .map((row) => Number(row.cells[0].textContent)),
      arenas,
    };
  });
}

function checkNumbers(numbers, { fileSize, tags }) {
  assert.equal(numbers.fileSize, fileSize, 'file size shown');
  assert.equal(numbers.parsed, fileSize, 'every byte parsed');
  assert.equal(numbers.tags, tags, 'every tag the generator wrote');
  assert.equal(numbers.inPlace + numbers.copied, tags, 'each payload read in place or copied');
  const newest = Array.from({ length: Math.min(ROWS, tags) }, (_, i) => tags - 1 - i);
  assert.deepEqual(numbers.rows, newest, 'the table shows the last tags, newest first');
  assert.ok(numbers.throughput > 0, 'a throughput');
  // The memory map: live + free = footprint, as stats() has them.
  assert.equal(numbers.live + numbers.free, numbers.footprint, 'live + free = footprint');
  assert.equal(numbers.live, numbers.statsLive, 'live as stats()');
  assert.equal(numbers.footprint, numbers.statsFootprint, 'footprint as stats()');
  assert.ok(numbers.footprint <= numbers.peakFootprint);
  assert.ok(numbers.fragmentation >= 0 && numbers.fragmentation <= 1, 'fragmentation in [0, 1]');
  assert.ok(numbers.live >= numbers.keptBytes, 'the kept tags are live');
  assert.ok(numbers.arenas.length >= 1, 'at least one arena bar');
  assert.equal(numbers.arenas.length, numbers.arenaCount);
  let footprint = 0, live = 0, freeBlocks = 0;
  for (const arena of numbers.arenas) {
    assert.ok(arena.width > 0 && arena.height > 0, 'the bar is drawn');
    assert.equal(arena.live + arena.free, arena.size);
    // Colours in proportion to the bytes, give or take antialiased edges (a pixel per range).
    const pixels = arena.width * arena.height;
    assert.ok(Math.abs(arena.freePixels / pixels - arena.free / arena.size) <
      0.02 + (2 * arena.freeRanges) / arena.width, `arena at ${arena.base}: colours match bytes`);
    footprint += arena.size;
    live += arena.live;
    freeBlocks += arena.freeRanges;
  }
  assert.equal(footprint, numbers.footprint, 'the bars add up to the footprint');
  assert.equal(live, numbers.live);
  assert.equal(freeBlocks, numbers.freeBlocks);
}

test('a generated FLV file fed through the file input', async () => {
  const tags = 1500;
  const flv = generateFlv(tags, 42);
  // 64 KiB pieces and the last 3 s of tags kept: the map the README's screenshot shows.
  await page.selectOption('#chunking', '64k');
  await page.fill('#keep-ms', '3000');
  // Count the map's redraws while the file is parsed (each sets the attribute again).
  await page.evaluate(() => {
    window.__mapDraws = 0;
    new MutationObserver(() => { window.__mapDraws++; })
      .observe(document.getElementById('map-footprint'), { attributes: true });
  });
  await page.setInputFiles('#file', { name: 'test.flv', mimeType: 'video/x-flv',
    buffer: Buffer.from(flv.buffer, flv.byteOffset, flv.length) });
  await waitForState(['done']);
  const numbers = await readNumbers();
  checkNumbers(numbers, { fileSize: flv.length, tags });
  assert.ok(numbers.chunks >= Math.ceil(flv.length / 65536), 'pushed in pieces of 64 KiB at most');
  assert.ok(numbers.keptTags > 0 && numbers.keptBytes > 0, 'the last 3 s of tags are kept');
  assert.ok(await page.evaluate(() => window.__mapDraws) >= 2, 'the map is drawn while parsing');
  await page.evaluate(() => document.activeElement?.blur());
  await mkdir(join(SCREENSHOT, '..'), { recursive: true });
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
});

test('the generate button, chunks as read, nothing kept; then trim', async () => {
  const tags = 400;
  await page.fill('#generate-tags', String(tags));
  await page.selectOption('#chunking', 'stream');
  await page.fill('#keep-ms', '0');
  await page.click('#generate');
  await waitForState(['done']);
  const numbers = await readNumbers();
  checkNumbers(numbers, { fileSize: generateFlv(tags, 42).length, tags });
  assert.equal(numbers.keptTags, 0);
  // Everything parsed was freed: what is live is the Memory's own list and the C structs.
  assert.ok(numbers.live < 4096, `${numbers.live} bytes live after the stream`);
  await page.click('#trim');
  const trimmed = await readNumbers();
  const released = await page.$eval('#trimmed', (element) => Number(element.dataset.value));
  assert.equal(trimmed.footprint, numbers.footprint - released, 'trim released wholly free arenas');
  assert.equal(trimmed.live, numbers.live);
  assert.equal(trimmed.live + trimmed.free, trimmed.footprint);
  assert.ok(trimmed.arenas.every((arena) => arena.live > 0), 'only arenas with live bytes remain');
});

test('the generate button, with network-sized chunks', async () => {
  const tags = 300;
  await page.fill('#generate-tags', String(tags));
  await page.selectOption('#chunking', 'network');
  await page.fill('#keep-ms', '1000');
  await page.click('#generate');
  await waitForState(['done']);
  const numbers = await readNumbers();
  checkNumbers(numbers, { fileSize: generateFlv(tags, 42).length, tags });
  assert.ok(numbers.copied > 0, 'payloads spanning 1..1500-byte chunks are copied');
  assert.ok(numbers.chunks > numbers.tags, 'many more chunks than tags');
});
