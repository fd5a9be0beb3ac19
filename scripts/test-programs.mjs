#!/usr/bin/env node
// npm run test:programs: real C programs that nobody on this team wrote, run with gomem as their
// whole malloc and with the default malloc, natively and in WebAssembly; their output must be the
// same with every malloc (gomem's malloc must stand in for any C library's: docs/design.md, D12).
//
//   node scripts/test-programs.mjs [--quick] [--bench] [--runs N] [--only P,..] [--targets T,..]
//                                  [--default-only]
//
// Programs (tests/programs/README.md says more):
//   sqlite   the SQLite shell (shell.c + sqlite3.c, SQLite 3.52.0) from the amalgamation tarball
//            inside the npm package sqlite3@6.0.1; workload tests/programs/sqlite-workload.sql
//   zlib     zlib 1.2.13 from Debian's source package zlib: test/example, and test/minigzip round
//            trips of a generated file at several levels and strategies
//   lua      the Lua 5.4.4 interpreter from Debian's source package lua5.4 (Debian's patches
//            applied); workload tests/programs/lua-workload.lua
//   stress   tests/programs/malloc-stress.c (ours): random sizes 1 B..64 KiB, realloc up and down,
//            a pattern per block checked before every free
// Targets and mallocs:
//   native      gcc -O2; glibc malloc, gomem by LD_PRELOAD of libgomem_malloc.so into the glibc
//               build, gomem linked statically (libgomem_malloc.a before libc)
//   wasi        clang --target=wasm32-wasi -O2 + Debian's wasi-libc, run by
//               tests/programs/run-wasm.mjs under node:wasi; wasi-libc's malloc (dlmalloc), gomem
//   emscripten  emcc -O2 (3.1.6), run under node; dlmalloc (Emscripten's default), emmalloc (a
//               peer: compared and timed, its differences reported but not failures), gomem
//               (-sMALLOC=none)
// gomem's malloc comes from scripts/build-malloc.sh (build/malloc-native, build/malloc-wasi,
// build/malloc-emscripten; GOMEM_MALLOC_BUILD=DIR looks in DIR instead of build/). When it has not
// been built this test builds it (in build/; with GOMEM_MALLOC_BUILD it stops and says what is
// missing); --default-only runs the default mallocs alone.
//
// Sources are fetched at test time, never committed: npm pack (npm registry) and apt-get source
// (Debian's archive, through a private apt configuration under the cache: nothing in /etc changes),
// pinned by version and SHA-256 (scripts/programs/pins.mjs), kept with every build output under
// ~/.cache/gomem-programs (GOMEM_PROGRAMS_CACHE=DIR moves it). Builds are keyed by source version,
// compiler and flags: a second run rebuilds nothing. A program whose registry cannot be reached is
// skipped with a message; any other fetch failure (a pin gone from the registry, a checksum
// mismatch) fails.
//
// Every run's output must equal the default malloc's on the same target (gomem rows fail
// otherwise), and the default malloc's output on a wasm target must equal the native one (zlib's
// example prints its compile flags, which differ by target and are masked). Prints a table:
// program x target x malloc -> time, peak memory, verdict, and closes with
// 'programs: N passed, N failed, N skipped' (a pass is one program x target x malloc run).
//   --quick          smaller workloads (the table's times are then single runs): npm test uses it
//   --bench          5 runs of each (--runs N to choose), medians; wasm under node --no-liftoff
//   --only P,..      only these programs (sqlite, zlib, lua, stress)
//   --targets T,..   only these targets (native, wasi, emscripten)
//   --default-only   the default mallocs only (for use before scripts/build-malloc.sh exists)
// Logs and each run's output: build/programs/ (results.tsv, table.txt, runs/).
//
// The parts, in scripts/programs/: cli (options), host (packages, Emscripten, compiler ids),
// mallocs (which mallocs, gomem's libraries), pins + apt + sources (fetching), recipes + build
// (cached builds), workloads + measure + variant (runs), verdict (comparisons), table.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { buildObjects, linkExes } from './programs/build.mjs';
import { parseOptions } from './programs/cli.mjs';
import { Stop } from './programs/errors.mjs';
import { ensureTools, identifyCompilers } from './programs/host.mjs';
import {
  ensureGomemMalloc, gomemLibraries, isPeer, mallocsOf, preloadWorks,
} from './programs/mallocs.mjs';
import { recipe } from './programs/recipes.mjs';
import { prepare, READY, unreachableReason, UNREACHABLE } from './programs/sources.mjs';
import { renderTable } from './programs/table.mjs';
import { runVariant } from './programs/variant.mjs';
import { Comparison } from './programs/verdict.mjs';
import { workloadSizes } from './programs/workloads.mjs';

const entryFile = fileURLToPath(import.meta.url);
const root = dirname(dirname(entryFile));

// The counts of the last line, the table's rows and the notes below it.
class Tally {
  passed = 0;
  failed = 0;
  skipped = 0;
  rows = [];
  failures = [];
  peerNotes = [];

  // A row without figures: skipped, or its source, build or link failed.
  unrun(program, target, malloc, verdict) {
    this.rows.push({ program, target, malloc, runUs: null, procUs: null, peak: null, verdict });
  }

  // A failure, listed below the table.
  fail(what) {
    this.failed++;
    this.failures.push(what);
  }
}

// Everything the runs need, once the machine is ready for the selected targets.
async function setUp(options) {
  const cache = process.env.GOMEM_PROGRAMS_CACHE
    || join(process.env.XDG_CACHE_HOME || join(process.env.HOME, '.cache'), 'gomem-programs');
  const results = join(root, 'build/programs');
  for (const dir of ['downloads', 'src', 'obj', 'bin', 'inputs']) {
    mkdirSync(join(cache, dir), { recursive: true });
  }
  mkdirSync(results, { recursive: true });
  const programsDir = join(root, 'tests/programs');
  const gomem = gomemLibraries(process.env.GOMEM_MALLOC_BUILD || join(root, 'build'));
  if (!options.defaultOnly) await ensureGomemMalloc(root, gomem, options.targets);
  await ensureTools(root, options.targets);
  const withPreload = options.targets.includes('native') && !options.defaultOnly;
  return {
    options,
    cache,
    paths: { cache, results, programsDir, runWasm: join(programsDir, 'run-wasm.mjs') },
    gomem,
    compilerIds: identifyCompilers(options.targets),
    preloadOk: !withPreload || preloadWorks(gomem.nativeSo),
    sizes: workloadSizes(options.quick),
    nodeFlags: options.bench ? ['--no-liftoff'] : [],
    jobs: availableParallelism(),
    tsv: join(results, 'results.tsv'),
  };
}

// Rows for every variant of a program that cannot run: its source was unreachable or failed.
function sourceMissing(program, status, { options }, tally) {
  const unreachable = status === UNREACHABLE;
  if (unreachable) {
    const reason = unreachableReason(program);
    console.log(`== ${program}: SKIPPED: ${reason} (its source is fetched at test time)`);
  } else {
    console.log(`== ${program}: FAILED to fetch or unpack its source`);
    tally.fail(`${program}: source`);
  }
  const verdict = unreachable ? `skipped: ${unreachableReason(program)}` : 'SOURCE FAILED';
  for (const target of options.targets) {
    for (const malloc of mallocsOf(target, options.defaultOnly)) {
      if (unreachable && !isPeer(malloc)) tally.skipped++;
      tally.unrun(program, target, malloc, verdict);
    }
  }
}

// Builds one program for one target, and runs and judges it with each malloc.
async function programOnTarget(program, target, comparison, setup, tally) {
  const { options, cache, paths, gomem } = setup;
  const mallocs = mallocsOf(target, options.defaultOnly);
  const r = recipe(program, target, paths);
  const objdir = await buildObjects({
    program, target, recipe: r, compilerId: setup.compilerIds[target], cache, jobs: setup.jobs,
  });
  if (!objdir) {
    tally.fail(`${program}/${target}: build`);
    for (const malloc of mallocs) tally.unrun(program, target, malloc, 'BUILD FAILED');
    return;
  }
  comparison.startTarget(target);
  for (const malloc of mallocs) {
    const variant = `${program}/${target}/${malloc}`;
    const bindir = await linkExes({ program, target, malloc, recipe: r, objdir, cache, gomem });
    if (!bindir) {
      if (!isPeer(malloc)) tally.fail(`${variant}: link`);
      tally.unrun(program, target, malloc, 'LINK FAILED');
      continue;
    }
    const measured = await runVariant({
      program, target, malloc, bindir, runs: options.runs, sizes: setup.sizes, paths,
      gomemSo: gomem.nativeSo, nodeFlags: setup.nodeFlags,
    });
    const judged = comparison.judge(malloc, measured);
    let { verdict } = judged;
    if (isPeer(malloc)) {
      if (!judged.ok) {
        verdict += ' (peer: not a failure)';
        tally.peerNotes.push(`${variant}: ${verdict}${judged.detail}`);
      }
    } else if (judged.ok) {
      tally.passed++;
    } else {
      tally.fail(`${variant}: ${verdict}${judged.detail}`);
    }
    const { runUs, procUs, peak } = measured;
    tally.rows.push({ program, target, malloc, runUs, procUs, peak, verdict });
    const fields = [program, target, malloc, runUs, procUs, peak, verdict];
    appendFileSync(setup.tsv, `${fields.join('\t')}\n`);
    console.log(`   ${program.padEnd(7)} ${target.padEnd(11)} ${malloc.padEnd(14)} ${verdict}`);
  }
}

async function main() {
  const options = parseOptions(process.argv.slice(2), entryFile);
  process.chdir(root);
  const started = Date.now();
  const setup = await setUp(options);
  const tally = new Tally();
  writeFileSync(setup.tsv, '');
  const mode = `${options.quick ? 'quick' : 'full'}` +
    `${options.bench ? `, bench (${options.runs} runs each)` : ''}`;
  console.log(`mode: ${mode}; cache: ${setup.cache}`);

  for (const program of options.programs) {
    const status = await prepare(program, setup.cache);
    if (status !== READY) {
      sourceMissing(program, status, setup, tally);
      continue;
    }
    const comparison = new Comparison(program, setup.paths.results, setup.preloadOk);
    for (const target of options.targets) {
      await programOnTarget(program, target, comparison, setup, tally);
    }
  }

  const table = renderTable(tally.rows, { options, sizes: setup.sizes });
  process.stdout.write(table);
  writeFileSync(join(setup.paths.results, 'table.txt'), table);
  for (const note of tally.peerNotes) console.log(`peer: ${note}`);
  for (const failure of tally.failures) console.log(`failed: ${failure}`);
  const seconds = Math.round((Date.now() - started) / 1000);
  console.log(`test-programs: ${seconds} s; results in build/programs/ (table.txt, results.tsv, ` +
    'runs/)');
  console.log(`programs: ${tally.passed} passed, ${tally.failed} failed, ${tally.skipped} skipped`);
  return tally.failed ? 1 : 0;
}

main().then(
  (code) => { process.exitCode = code; },
  (error) => {
    // A Stop says what stopped the test; anything else is a bug here, and its stack says where.
    const stop = error instanceof Stop;
    console.error(`test-programs: ${stop ? error.message : `stopped: ${error.stack}`}`);
    process.exitCode = stop ? error.exitCode : 1;
  },
);
