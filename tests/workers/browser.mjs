// browser.mjs - runs the shared-memory worker scenario in headless Chromium: serves the page
// (tests/workers/page.html) with the headers that make it cross-origin isolated
// (Cross-Origin-Opener-Policy: same-origin, Cross-Origin-Embedder-Policy: require-corp; without
// them there is no SharedArrayBuffer), loads it through playwright-core with Debian's
// /usr/bin/chromium, and prints every check. Exits 1 on any failure.
//
//   node tests/workers/browser.mjs          (CHROMIUM=/path/to/chrome to use another binary)
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { startStaticServer } from '../../scripts/static-server.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const TIMEOUT_MS = 120_000;
const ARGS = ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--no-first-run', '--disable-sync'];

const { chromium } = await import('playwright-core');
const { url, close } = await startStaticServer({
  mounts: [['/js/', resolve(root, 'js')], ['/tests/workers/', resolve(root, 'tests/workers')]],
  headers: { 'cross-origin-opener-policy': 'same-origin',
    'cross-origin-embedder-policy': 'require-corp' },
});
const userDataDir = await mkdtemp(join(tmpdir(), 'gomem-workers-'));
let context;
let failed = 1;
try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, args: ARGS,
  });
  const page = context.pages()[0] ?? await context.newPage();
  page.on('pageerror', (error) => console.error(`[page error] ${error.message}`));
  await page.goto(`${url}tests/workers/page.html`);
  const handle = await page.waitForFunction(() => window.__results?.done && window.__results,
    null, { timeout: TIMEOUT_MS });
  const results = await handle.jsonValue();
  console.log(`chromium ${context.browser()?.version() ?? ''}; crossOriginIsolated: ` +
    `${results.crossOriginIsolated}`);
  for (const message of results.failed) console.log(`FAIL ${message}`);
  failed = results.failed.length + (results.passed === 0 ? 1 : 0);
  console.log(`workers in Chromium: ${results.passed} checks passed, ${failed} failed`);
} finally {
  await context?.close().catch(() => {});
  await close();
  await rm(userDataDir, { recursive: true, force: true }).catch(() => {});
}
process.exitCode = failed === 0 ? 0 : 1;
