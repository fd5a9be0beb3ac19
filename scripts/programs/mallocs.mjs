// mallocs.mjs - the mallocs each target is run with, gomem's malloc libraries (built by
// scripts/build-malloc.sh when missing) and what makes each malloc the program's.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { run } from './commands.mjs';
import { Stop } from './errors.mjs';

// The first malloc of each target is the reference: the target's default malloc.
const MALLOCS = {
  native: ['glibc', 'gomem-preload', 'gomem-static'],
  wasi: ['wasi-libc', 'gomem'],
  emscripten: ['dlmalloc', 'emmalloc', 'gomem'],
};

export function mallocsOf(target, defaultOnly) {
  const all = MALLOCS[target];
  return defaultOnly ? all.filter((malloc) => !malloc.startsWith('gomem')) : all;
}

// A peer is compared and timed, but its differences are not failures (emmalloc does not check
// calloc for overflow: tests/programs/README.md).
export function isPeer(malloc) {
  return malloc === 'emmalloc';
}

// gomem's malloc libraries under dir (build/, or GOMEM_MALLOC_BUILD).
export function gomemLibraries(dir) {
  return {
    nativeSo: join(dir, 'malloc-native/libgomem_malloc.so'),
    nativeA: join(dir, 'malloc-native/libgomem_malloc.a'),
    wasiA: join(dir, 'malloc-wasi/libgomem_malloc.a'),
    emscriptenA: join(dir, 'malloc-emscripten/libgomem_malloc.a'),
  };
}

// Builds gomem's malloc (scripts/build-malloc.sh, into build/) when a library the targets need
// is missing; a GOMEM_MALLOC_BUILD directory is someone else's, so there it only says what is
// missing and stops.
export async function ensureGomemMalloc(root, libraries, targets) {
  const needed = {
    native: [libraries.nativeSo, libraries.nativeA],
    wasi: [libraries.wasiA],
    emscripten: [libraries.emscriptenA],
  };
  const missing = targets.flatMap((target) => needed[target]).filter((file) => !existsSync(file));
  if (!missing.length) return;
  console.log(`== gomem's malloc replacement is not built (${missing.length} libraries missing): ` +
    'scripts/build-malloc.sh');
  const elsewhere = process.env.GOMEM_MALLOC_BUILD;
  if (elsewhere) {
    const list = missing.map((file) => `  ${file}`).join('\n');
    throw new Stop(`GOMEM_MALLOC_BUILD=${elsewhere} lacks:\n${list}`);
  }
  await run('bash', [join(root, 'scripts/build-malloc.sh')], { cwd: root });
}

// { flags, archive }: the link flags that make the malloc the program's, and gomem's archive
// when one is linked (the link key covers its checksum). The archive goes in whole, before the
// C library, so every function of the malloc family comes from gomem (a libc function that
// calls, say, memalign must not reach the libc's own malloc). gomem-preload runs the glibc
// build, so it links like glibc.
export function mallocLinkFlags(target, malloc, libraries) {
  const whole = (archive, ...first) =>
    ({ archive, flags: [...first, '-Wl,--whole-archive', archive, '-Wl,--no-whole-archive'] });
  const none = { archive: null, flags: [] };
  if (target === 'native') return malloc === 'gomem-static' ? whole(libraries.nativeA) : none;
  if (target === 'wasi') return malloc === 'gomem' ? whole(libraries.wasiA) : none;
  return malloc === 'gomem'
    ? whole(libraries.emscriptenA, '-sMALLOC=none')
    : { archive: null, flags: [`-sMALLOC=${malloc}`] };
}

// LD_PRELOAD can be ignored quietly (ld.so only warns), so check once that the library really
// gets mapped into a process, and say why not when it does not. (Every other gomem row has
// gomem by construction: -sMALLOC=none leaves Emscripten no other malloc, in WASI the whole
// archive defines the malloc family so wasi-libc's dlmalloc object is never pulled in (or the
// link would fail on duplicate symbols), and a static native link's malloc interposes libc's.)
export function preloadWorks(so) {
  const env = { ...process.env, LD_PRELOAD: so };
  const { stdout, stderr } = spawnSync('cat', ['/proc/self/maps'], { env, encoding: 'utf8' });
  const maps = `${stdout ?? ''}${stderr ?? ''}`;
  if (maps.includes('libgomem_malloc')) return true;
  console.error(`test-programs: LD_PRELOAD=${so} does not map the library into a process:`);
  for (const line of maps.split('\n').filter((l) => /preload/i.test(l))) console.error(line);
  return false;
}
