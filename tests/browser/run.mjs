// run.mjs - runs tests/browser/page.html in headless Chromium and reports its results.
//
// Starts tests/browser/server.mjs, launches Debian's /usr/bin/chromium through playwright-core
// (no browser download) with a fresh user-data dir, loads the page, waits up to 60 s for
// window.__results, prints one line per test and then `N passed, N failed` alone on its line.
// Exits 1 on any failure (or if the page never reported), 0 otherwise; the browser, the server
// and the user-data dir are always cleaned up.
//
//   node tests/browser/run.mjs            (CHROMIUM=/path/to/chrome to use another binary)
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startServer } from './server.mjs';

const TIMEOUT_MS = 60_000;
const EXECUTABLE = process.env.CHROMIUM || '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--no-first-run', '--disable-sync'];

async function main() {
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch (error) {
    console.error(`browser tests: cannot load playwright-core (${error.message}); ` +
      'run scripts/test-browser.sh, which installs it');
    return 1;
  }
  const { url, close: closeServer } = await startServer();
  const userDataDir = await mkdtemp(join(tmpdir(), 'gomem-chromium-'));
  let context;
  try {
    // launchPersistentContext is how playwright takes an explicit --user-data-dir.
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: EXECUTABLE,
      headless: true,
      args: ARGS,
      timeout: 30_000,
    });
    const browserVersion = context.browser()?.version() ?? 'unknown version';
    const page = context.pages()[0] ?? await context.newPage();
    // The page's uncaught errors and console errors are kept, and shown when something fails
    // (a test that fetches a missing file on purpose logs a 404 even when all is well).
    const pageLog = [];
    page.on('pageerror', (error) => pageLog.push(`[page uncaught error] ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') {
        pageLog.push(`[page console.${message.type()}] ${message.text()}`);
      }
    });
    const showPageLog = () => pageLog.forEach((line) => console.error(line));
    const started = Date.now();
    await page.goto(`${url}tests/browser/page.html`, { timeout: TIMEOUT_MS });
    let report;
    try {
      const handle = await page.waitForFunction(() => window.__results?.done && window.__results,
        null, { timeout: Math.max(1000, TIMEOUT_MS - (Date.now() - started)) });
      report = await handle.jsonValue();
    } catch (error) {
      showPageLog();
      console.error(`browser tests: no results within ${TIMEOUT_MS / 1000} s (${error.message})`);
      console.log('0 passed, 1 failed');
      return 1;
    }
    const { results, env } = report;
    console.log(`chromium ${browserVersion}; toResizableBuffer: ` +
      `${env.toResizableBuffer ? 'yes' : 'no'}; page served at ${url}`);
    let passed = 0;
    let failed = 0;
    for (const { name, status, message, ms } of results) {
      // A failure's message and the first frames of its stack, indented under the test.
      const lines = (message ?? '').trimEnd().split('\n').slice(0, status === 'fail' ? 4 : 1);
      const tail = message ? ` - ${lines.join('\n      ')}` : '';
      console.log(`${status.toUpperCase().padEnd(4)} ${name} (${ms} ms)${tail}`);
      if (status === 'fail') failed++;
      else if (status === 'pass') passed++;
    }
    if (results.length === 0) failed++;
    const skipped = results.filter((result) => result.status === 'skip').length;
    if (skipped > 0) console.log(`(${skipped} skipped)`);
    if (failed > 0) showPageLog();
    console.log(`${passed} passed, ${failed} failed`);
    return failed === 0 ? 0 : 1;
  } finally {
    await context?.close().catch(() => {});
    await closeServer();
    await rm(userDataDir, { recursive: true, force: true }).catch(() => {});
  }
}

main().then((code) => {
  process.exitCode = code;
}, (error) => {
  console.error(`browser tests: ${error?.stack ?? error}`);
  console.log('0 passed, 1 failed');
  process.exitCode = 1;
});
