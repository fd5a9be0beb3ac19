// run.mjs - bundles the app of tests/bundlers (app.mjs through entry*.mjs) with esbuild and Vite,
// from a project that installed the packed gomem-wasm tarball, and runs every bundle: the Node.js
// ones with node, the browser ones in headless Chromium (Debian's, through playwright-core) from a
// static server on 127.0.0.1. One line per case, then `N passed, N failed`; exit status 1 on any
// failure.
//
//   node tests/bundlers/run.mjs PROJECT    (scripts/test-bundlers.sh makes PROJECT: a fresh
//                                           project with the tarball and the files of this
//                                           directory installed into it)
//
// Each case builds, then runs, and expects either the app's result (it allocated, read the
// message across two buffers, freed everything, and loaded the hardened module too) or an error
// coded WASM_NOT_FOUND whose message matches (what users see when the wasm is left behind).
// Browser outputs are also checked for the absence of any `node:` import.
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, relative, resolve, sep } from 'node:path';

import { startStaticServer } from '../../scripts/static-server.mjs';

if (process.argv[2] === undefined) {
  console.error('usage: node tests/bundlers/run.mjs PROJECT (see scripts/test-bundlers.sh)');
  process.exit(2);
}
const project = resolve(process.argv[2]);
const dist = join(project, 'dist');
const packageJs = join(project, 'node_modules/gomem-wasm/js');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--headless', '--disable-gpu',
  '--disable-background-networking', '--disable-component-update', '--no-first-run',
  '--disable-sync'];
const NODE_TIMEOUT_MS = 30_000;
const PAGE_TIMEOUT_MS = 30_000;
const EXPECTED_FIELDS = { magic: 'GM', version: 1, length: 5, tag: '0xdeadbeef', payload: 'hello' };
// Where a Node.js bundle runs when it must not find node_modules: a fresh directory under the
// system temp dir, outside any project.
let isolated;
// What main() undoes at the end (the Vite dev server).
const cleanups = [];

const esbuild = await import('esbuild');
const vite = await import('vite');

// --- the cases ---------------------------------------------------------------------------------
// tool, target, format, what the case shows; build() returns { dir, file (the Node.js entry or
// the page), warnings }; run is 'node' or 'browser'; expect is 'ok' or { code, message }.
const NOT_FOUND = (message) => ({ code: 'WASM_NOT_FOUND', message });

const cases = [
  {
    tool: 'none', target: 'browser', format: 'esm',
    what: "the package's js/ served as it is, imported by a <script type=module>",
    run: 'browser', expect: 'ok', shipsNodeCode: true, // js/load-node.mjs is there, never loaded
    build: () => unbundledCase('unbundled'),
  },
  {
    tool: 'esbuild', target: 'browser', format: 'esm',
    what: 'init() default URL, gomem*.wasm copied beside the bundle',
    run: 'browser', expect: 'ok',
    build: () => esbuildCase('esbuild-browser-esm', 'entry.mjs',
      { platform: 'browser', format: 'esm' }, { copyWasm: true, module: true }),
  },
  {
    tool: 'esbuild', target: 'browser', format: 'esm',
    what: "init() default URL, wasm not copied: the 404 says what to pass",
    run: 'browser', expect: NOT_FOUND(/HTTP 404.*init\(\{ wasm \}\)/),
    build: () => esbuildCase('esbuild-browser-esm-nowasm', 'entry.mjs',
      { platform: 'browser', format: 'esm' }, { module: true }),
  },
  {
    tool: 'esbuild', target: 'browser', format: 'esm',
    what: "import wasm from 'gomem-wasm/gomem.wasm', --loader:.wasm=binary",
    run: 'browser', expect: 'ok',
    build: () => esbuildCase('esbuild-browser-esm-binary', 'entry-loader.mjs',
      { platform: 'browser', format: 'esm', loader: { '.wasm': 'binary' } }, { module: true }),
  },
  {
    tool: 'esbuild', target: 'browser', format: 'iife',
    what: "import wasm from 'gomem-wasm/gomem.wasm', --loader:.wasm=file",
    run: 'browser', expect: 'ok',
    build: () => esbuildCase('esbuild-browser-iife', 'entry-loader.mjs',
      { platform: 'browser', format: 'iife', loader: { '.wasm': 'file' } }, { module: false }),
  },
  {
    tool: 'esbuild', target: 'browser', format: 'iife',
    what: 'init() default: no import.meta.url, the error says what to pass',
    run: 'browser', expect: NOT_FOUND(/no import\.meta\.url.*init\(\{ wasm \}\)/),
    build: () => esbuildCase('esbuild-browser-iife-nowasm', 'entry.mjs',
      { platform: 'browser', format: 'iife' }, { module: false }),
  },
  {
    tool: 'esbuild', target: 'node', format: 'esm',
    what: 'init() default: not beside the bundle, found in node_modules',
    run: 'node', expect: 'ok',
    build: () => esbuildCase('esbuild-node-esm', 'entry.mjs',
      { platform: 'node', format: 'esm', outExtension: { '.js': '.mjs' } }),
  },
  {
    tool: 'esbuild', target: 'node', format: 'esm',
    what: 'the same bundle alone in an empty directory: the error says what to pass',
    run: 'node', alone: true, expect: NOT_FOUND(/cannot find gomem\.wasm.*init\(\{ wasm \}\)/),
    build: () => esbuildCase('esbuild-node-esm-alone', 'entry.mjs',
      { platform: 'node', format: 'esm', outExtension: { '.js': '.mjs' } }),
  },
  {
    tool: 'esbuild', target: 'node', format: 'esm',
    what: 'binary loader: one self-contained file, run alone in an empty directory',
    run: 'node', alone: true, expect: 'ok',
    build: () => esbuildCase('esbuild-node-esm-binary', 'entry-loader.mjs',
      { platform: 'node', format: 'esm', outExtension: { '.js': '.mjs' },
        loader: { '.wasm': 'binary' } }),
  },
  {
    tool: 'esbuild', target: 'node', format: 'cjs',
    what: 'ESM source, init() default: no import.meta.url, found in node_modules',
    run: 'node', expect: 'ok',
    build: () => esbuildCase('esbuild-node-cjs', 'entry.mjs',
      { platform: 'node', format: 'cjs', outExtension: { '.js': '.cjs' } }),
  },
  {
    tool: 'esbuild', target: 'node', format: 'cjs',
    what: "require('gomem-wasm') (js/index.cjs), run without require(esm)",
    run: 'node', nodeArgs: ['--no-experimental-require-module'], expect: 'ok',
    build: () => esbuildCase('esbuild-node-cjs-require', 'entry-require.cjs',
      { platform: 'node', format: 'cjs', outExtension: { '.js': '.cjs' } }),
  },
  {
    tool: 'esbuild', target: 'node', format: 'cjs',
    what: 'the cjs bundle alone in an empty directory: the error says what to pass',
    run: 'node', alone: true, expect: NOT_FOUND(/cannot find gomem\.wasm.*init\(\{ wasm \}\)/),
    build: () => esbuildCase('esbuild-node-cjs-alone', 'entry.mjs',
      { platform: 'node', format: 'cjs', outExtension: { '.js': '.cjs' } }),
  },
  {
    tool: 'vite', target: 'browser', format: 'esm',
    what: 'vite build: the new URL(..., import.meta.url) files emitted as assets',
    run: 'browser', expect: 'ok',
    build: () => viteBrowserCase('vite-browser'),
  },
  {
    tool: 'vite', target: 'browser', format: 'esm',
    what: 'vite dev server (dependency pre-bundling on)',
    run: 'browser', expect: 'ok',
    build: () => viteDevCase(),
  },
  {
    tool: 'vite', target: 'node', format: 'esm',
    what: 'SSR build, gomem-wasm external (Vite\'s default): the installed package',
    run: 'node', expect: 'ok',
    build: () => viteSsrCase('vite-ssr-external', 'es', false),
  },
  {
    tool: 'vite', target: 'node', format: 'esm',
    what: 'SSR build, gomem-wasm bundled (ssr.noExternal): found in node_modules',
    run: 'node', expect: 'ok',
    build: () => viteSsrCase('vite-ssr-esm', 'es', true),
  },
  {
    tool: 'vite', target: 'node', format: 'cjs',
    what: 'SSR build, gomem-wasm bundled, output.format cjs',
    run: 'node', expect: 'ok',
    build: () => viteSsrCase('vite-ssr-cjs', 'cjs', true),
  },
];

// --- builds ------------------------------------------------------------------------------------

// No bundler: the installed js/ copied as it is, and a page importing js/index.mjs by URL (as
// from a CDN): the loader fetches gomem.wasm beside it, and never imports `#load`, a bare
// specifier a browser could not resolve without an import map.
async function unbundledCase(name) {
  const dir = join(dist, name);
  await rm(dir, { recursive: true, force: true });
  await mkdir(join(dir, 'js'), { recursive: true });
  for (const entry of await readdir(packageJs)) {
    await copyFile(join(packageJs, entry), join(dir, 'js', entry));
  }
  await copyFile(join(project, 'app.mjs'), join(dir, 'app.mjs'));
  await writeFile(join(dir, 'index.html'), '<!doctype html>\n<meta charset="utf-8">\n' +
    `<title>${name}</title>\n<script type="module">\n` +
    "import * as lib from './js/index.mjs';\n" +
    "import { exercise, fail, report } from './app.mjs';\n" +
    'exercise(lib).then(report, fail);\n</script>\n');
  return { dir, file: join(dir, 'index.html'), warnings: [] };
}

async function esbuildCase(name, entry, options, page) {
  const dir = join(dist, name);
  await rm(dir, { recursive: true, force: true });
  const result = await esbuild.build({
    absWorkingDir: project,
    entryPoints: { app: join(project, entry) },
    outdir: dir,
    bundle: true,
    logLevel: 'silent',
    assetNames: '[name]-[hash]',
    // Without a target esbuild 0.28 inlines binary-loader bytes with Uint8Array.fromBase64,
    // which Node.js 20 lacks.
    target: options.platform === 'node' ? 'node20' : 'es2022',
    ...options,
  });
  const warnings = result.warnings.map((warning) => warning.id || warning.text);
  const outExtension = options.outExtension?.['.js'] ?? '.js';
  if (page === undefined) return { dir, file: join(dir, `app${outExtension}`), warnings };
  if (page.copyWasm) {
    // esbuild leaves `new URL('./gomem.wasm', import.meta.url)` alone: the files go beside the
    // bundle by hand (docs/js.md, "Bundlers").
    for (const file of ['gomem.wasm', 'gomem.hardened.wasm']) {
      await copyFile(join(packageJs, file), join(dir, file));
    }
  }
  const script = page.module ? '<script type="module" src="./app.js"></script>'
    : '<script src="./app.js"></script>';
  await writeFile(join(dir, 'index.html'), `<!doctype html>\n<meta charset="utf-8">\n` +
    `<title>${name}</title>\n${script}\n`);
  return { dir, file: join(dir, 'index.html'), warnings };
}

// Vite's warnings, collected instead of printed.
function viteLogger(warnings) {
  const logger = vite.createLogger('warn', { allowClearScreen: false });
  logger.warn = (message) => warnings.push(firstLine(message));
  logger.warnOnce = logger.warn;
  logger.info = () => {};
  return logger;
}

async function viteBrowserCase(name) {
  const dir = join(dist, name);
  const warnings = [];
  await vite.build({
    root: project,
    configFile: false,
    envDir: false,
    logLevel: 'warn',
    customLogger: viteLogger(warnings),
    // Relative URLs: the page is served from a subdirectory of dist/.
    base: './',
    build: { outDir: dir, emptyOutDir: true },
  });
  const assets = await readdir(join(dir, 'assets'));
  for (const prefix of ['gomem-', 'gomem.hardened-']) {
    if (!assets.some((file) => file.startsWith(prefix) && file.endsWith('.wasm'))) {
      throw new Error(`vite emitted no ${prefix}*.wasm (assets: ${assets.join(', ')})`);
    }
  }
  return { dir, file: join(dir, 'index.html'), warnings };
}

// The dev server, left running until the end (cleanup closes it); the page is its index.html.
async function viteDevCase() {
  const warnings = [];
  const server = await vite.createServer({
    root: project,
    configFile: false,
    envDir: false,
    logLevel: 'warn',
    customLogger: viteLogger(warnings),
    cacheDir: join(dist, 'vite-dev-cache'),
    server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false, watch: null },
  });
  await server.listen();
  cleanups.push(() => server.close());
  return { dir: null, url: server.resolvedUrls.local[0], warnings };
}

async function viteSsrCase(name, format, bundled) {
  const dir = join(dist, name);
  const warnings = [];
  const extension = format === 'cjs' ? '.cjs' : '.mjs';
  await vite.build({
    root: project,
    configFile: false,
    envDir: false,
    logLevel: 'warn',
    customLogger: viteLogger(warnings),
    ssr: bundled ? { noExternal: true } : {},
    build: {
      ssr: join(project, 'entry.mjs'),
      outDir: dir,
      emptyOutDir: true,
      rolldownOptions: { output: { format, entryFileNames: `app${extension}` } },
    },
  });
  const file = join(dir, `app${extension}`);
  const text = await readFile(file, 'utf8');
  const external = /from\s*["']gomem-wasm["']|require\(["']gomem-wasm["']\)/.test(text);
  if (external === bundled) {
    throw new Error(`vite ${bundled ? 'left gomem-wasm external' : 'bundled gomem-wasm'} ` +
      `in ${relative(project, file)}`);
  }
  return { dir, file, warnings };
}

// --- runs --------------------------------------------------------------------------------------

// Runs a Node.js bundle; resolves to { ok, result } or { ok: false, code, message }.
async function runNode(testCase, built) {
  let file = built.file;
  // Where node runs: for an "alone" case a fresh directory holding only the bundle's files;
  // otherwise the system temp dir, so nothing is found through the working directory.
  let cwd = tmpdir();
  if (testCase.alone) {
    cwd = join(isolated, basename(built.dir));
    await mkdir(cwd, { recursive: true });
    for (const entry of await readdir(built.dir)) await copyFile(join(built.dir, entry), join(cwd, entry));
    file = join(cwd, basename(file));
  }
  const { stdout, stderr, error } = await new Promise((done) => {
    execFile(process.execPath, [...(testCase.nodeArgs ?? []), file],
      { cwd, timeout: NODE_TIMEOUT_MS }, (failure, out, err) => done(
        { stdout: out, stderr: err, error: failure }));
  });
  const resultLine = stdout.split('\n').find((line) => line.startsWith('RESULT '));
  const errorLine = stderr.split('\n').find((line) => line.startsWith('ERROR '));
  if (resultLine && !error) return { ok: true, result: JSON.parse(resultLine.slice(7)) };
  if (errorLine) return JSON.parse(errorLine.slice(6));
  return { ok: false, code: 'NO_REPORT',
    message: `node exited ${error?.code ?? 0} without a report: ${firstLine(stderr || stdout)}` };
}

// A static server over dist/ (scripts/static-server.mjs) that records every path requested.
async function startStatic(root) {
  const requests = [];
  const started = await startStaticServer({ mounts: [['/', root]],
    onRequest: (pathname) => requests.push(pathname) });
  return { ...started, requests };
}

async function runBrowser(context, base, built) {
  const page = await context.newPage();
  const log = [];
  page.on('pageerror', (error) => log.push(`uncaught: ${error.message}`));
  try {
    const url = built.url ?? new URL(relative(dist, built.file).split(sep).join('/'), base).href;
    await page.goto(url, { timeout: PAGE_TIMEOUT_MS });
    const handle = await page.waitForFunction(() => window.__result, null,
      { timeout: PAGE_TIMEOUT_MS });
    return await handle.jsonValue();
  } catch (error) {
    return { ok: false, code: 'NO_REPORT', message: `${firstLine(error.message)} ${log.join('; ')}` };
  } finally {
    await page.close();
  }
}

// Browser outputs must not import node: modules (js/load-node.mjs is for the "node" condition).
async function nodeImports(dir) {
  const found = [];
  for (const entry of await readdir(dir, { recursive: true })) {
    if (!/\.(m?js|cjs)$/.test(entry)) continue;
    const text = await readFile(join(dir, entry), 'utf8');
    for (const match of text.matchAll(/["'](node:[a-z/_]+)["']/g)) found.push(`${entry}: ${match[1]}`);
  }
  return found;
}

// --- checks and report -------------------------------------------------------------------------

function verdict(testCase, outcome) {
  if (testCase.expect === 'ok') {
    if (!outcome.ok) return `expected the app's result, got ${outcome.code}: ${outcome.message}`;
    const { fields, live, hardened } = outcome.result;
    if (JSON.stringify(fields) !== JSON.stringify(EXPECTED_FIELDS)) {
      return `read ${JSON.stringify(fields)}`;
    }
    if (live !== 0 || hardened !== true) return `live ${live}, hardened ${hardened}`;
    return null;
  }
  if (outcome.ok) return `expected ${testCase.expect.code}, but the app ran`;
  if (outcome.code !== testCase.expect.code || !testCase.expect.message.test(outcome.message)) {
    return `expected ${testCase.expect.code} matching ${testCase.expect.message}, got ` +
      `${outcome.code}: ${outcome.message}`;
  }
  return null;
}

function firstLine(text) {
  return String(text).trim().split('\n')[0].slice(0, 300);
}

async function jsBytes(dir) {
  let total = 0;
  for (const entry of await readdir(dir, { recursive: true })) {
    if (/\.(m?js|cjs)$/.test(entry)) total += (await stat(join(dir, entry))).size;
  }
  return total;
}

async function main() {
  const started = Date.now();
  isolated = await mkdtemp(join(tmpdir(), 'gomem-bundlers-'));
  await rm(dist, { recursive: true, force: true });
  await mkdir(dist, { recursive: true });
  console.log(`esbuild ${esbuild.version}, vite ${vite.version}, node ${process.version}; ` +
    `project ${project}`);

  // Build everything first (a build failure is that case's failure), then run.
  for (const testCase of cases) {
    const t0 = Date.now();
    try {
      testCase.built = await testCase.build();
      if (testCase.run === 'browser') {
        // Vite replaces a node: module with an empty stub and only warns: a warning is a failure.
        const stubbed = testCase.built.warnings.filter((text) => /node:|browser compat/.test(text));
        if (stubbed.length > 0) testCase.problem = `browser build reached ${stubbed.join('; ')}`;
        const imports = testCase.built.dir === null || testCase.shipsNodeCode ? []
          : await nodeImports(testCase.built.dir);
        if (imports.length > 0) testCase.problem = `browser output imports ${imports.join(', ')}`;
      }
    } catch (error) {
      testCase.problem = `build failed: ${firstLine(error.message)}`;
    }
    testCase.buildMs = Date.now() - t0;
  }

  const browserCases = cases.filter((testCase) => testCase.run === 'browser' && testCase.built);
  let chromium;
  let context;
  let server;
  const userDataDir = await mkdtemp(join(tmpdir(), 'gomem-bundlers-chromium-'));
  try {
    if (browserCases.length > 0) {
      ({ chromium } = await import('playwright-core'));
      server = await startStatic(dist);
      context = await chromium.launchPersistentContext(userDataDir, {
        executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 30_000,
      });
    }
    for (const testCase of cases) {
      if (!testCase.built) continue;
      const t0 = Date.now();
      const outcome = testCase.run === 'node' ? await runNode(testCase, testCase.built)
        : await runBrowser(context, server.url, testCase.built);
      testCase.runMs = Date.now() - t0;
      testCase.problem ??= verdict(testCase, outcome);
      // Unbundled, the page must not even request js/load-*.mjs (`#load` is for Node.js only).
      const loaders = testCase.shipsNodeCode
        ? server.requests.filter((path) => /\/load-[a-z]+\.mjs$/.test(path)) : [];
      if (loaders.length > 0) testCase.problem ??= `the page requested ${loaders.join(', ')}`;
      testCase.outcome = outcome;
      if (testCase.built.dir !== null) testCase.js = await jsBytes(testCase.built.dir);
    }
  } finally {
    await context?.close().catch(() => {});
    await server?.close();
    for (const cleanup of cleanups) await cleanup().catch(() => {});
    await rm(userDataDir, { recursive: true, force: true }).catch(() => {});
    await rm(isolated, { recursive: true, force: true }).catch(() => {});
  }

  let passed = 0;
  let failed = 0;
  for (const testCase of cases) {
    const ok = testCase.problem === null || testCase.problem === undefined;
    if (ok) passed++;
    else failed++;
    const label = `${testCase.tool} ${testCase.target} ${testCase.format}`.padEnd(22);
    const shown = testCase.expect === 'ok' ? 'ran' : `${testCase.expect.code} as expected`;
    const warnings = testCase.built?.warnings ?? [];
    const warned = warnings.length > 0 ? `; ${warnings.length} build warning(s): ` +
      `${[...new Set(warnings)].map((text) => text.slice(0, 100)).join(', ')}` : '';
    const size = testCase.js ? `, ${(testCase.js / 1024).toFixed(1)} KiB JS` : '';
    console.log(`${ok ? 'PASS' : 'FAIL'} ${label} ${testCase.what} (${shown}; built in ` +
      `${testCase.buildMs} ms${size}, ran in ${testCase.runMs ?? '-'} ms${warned})` +
      (ok ? '' : `\n     ${testCase.problem}`));
  }
  console.log(`bundlers: ${cases.length} cases in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

main().then((code) => {
  process.exitCode = code;
}, (error) => {
  console.error(`bundler tests: ${error?.stack ?? error}`);
  console.log('0 passed, 1 failed');
  process.exitCode = 1;
});
