// build.mjs - compiles a recipe (recipes.mjs) into objects and links them into executables, under
// the cache, each build in a directory named by a key over everything that makes it what it is:
// a second run finds every directory done and rebuilds nothing, and a changed input (a flag, the
// compiler, gomem's archive) gets a new key and replaces that one build only.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

import { capture, step } from './commands.mjs';
import { sha256OfFile, shortHash } from './hash.mjs';
import { mallocLinkFlags } from './mallocs.mjs';
import {
  compilerOf, exeSuffix, objectOf, OBJDIR, RECIPE_VERSION, targetLinkFlags,
} from './recipes.mjs';

const DONE = '.done'; // written last: a directory without it was interrupted and is rebuilt

// Creates parent/NAME-KEY after removing the other keys' NAME-KEY directories (a new key
// replaces the old build of the same thing).
function freshBuildDir(parent, name, key) {
  const isOld = (entry) =>
    entry.startsWith(`${name}-`) && /^[0-9a-f]{16}$/.test(entry.slice(name.length + 1));
  if (existsSync(parent)) {
    for (const entry of readdirSync(parent).filter(isOld)) {
      rmSync(join(parent, entry), { recursive: true, force: true });
    }
  }
  mkdirSync(join(parent, `${name}-${key}`), { recursive: true });
}

// Runs task(item) for every item, at most jobs at a time; resolves to their results in order.
async function inParallel(items, jobs, task) {
  const results = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, items.length) }, worker));
  return results;
}

// Compiles the recipe's sources, jobs at a time, into cache/obj/PROGRAM/TARGET-KEY; resolves to
// that directory, or null when a compile failed (each failure's output is shown).
export async function buildObjects({ program, target, recipe, compilerId, cache, jobs }) {
  const key = shortHash(Buffer.concat([
    Buffer.from(`${RECIPE_VERSION} ${recipe.srcId} ${compilerId}\n${recipe.cflags.join(' ')}\n`),
    Buffer.from(recipe.srcs.map((src) => `${src}\n`).join('')),
    ...recipe.localFiles.map((file) => readFileSync(file)),
  ]));
  const parent = join(cache, 'obj', program);
  const objdir = join(parent, `${target}-${key}`);
  if (existsSync(join(objdir, DONE))) return objdir;
  freshBuildDir(parent, target, key);
  if (recipe.multiarch) {
    const triplet = target === 'native'
      ? capture('gcc', ['-dumpmachine']).trim()
      : `wasm32-${target}`;
    const header = `#define DEB_HOST_MULTIARCH "${triplet}"\n`;
    writeFileSync(join(objdir, 'lua5.4-deb-multiarch.h'), header);
  }
  const [cc, ...ccArgs] = compilerOf(target);
  const flags = recipe.cflags.map((flag) => flag.replaceAll(OBJDIR, objdir));
  const shown = [cc, ...ccArgs, ...flags].join(' ').replaceAll(cache, '~cache');
  console.log(`== build ${program} for ${target}: ${shown} (${recipe.srcs.length} files)`);
  const started = Date.now();
  const compiled = await inParallel(recipe.srcs, jobs, (src) => {
    const object = join(objdir, objectOf(src));
    return step(cc, [...ccArgs, ...flags, '-c', src, '-o', object], `${object}.log`,
      `compiling ${program} (${basename(src)}) for ${target}`);
  });
  if (!compiled.every(Boolean)) {
    console.error(`test-programs: compiling ${program} for ${target} failed`);
    return null;
  }
  console.log(`   compiled in ${Math.round((Date.now() - started) / 1000)} s`);
  writeFileSync(join(objdir, DONE), '');
  return objdir;
}

// The objects executable [name, stem] links: STEM.o (or every object for 'all') and the objects
// no executable names, which are shared (zlib's library).
function objectsOf([, stem], exes, objdir) {
  const named = new Set(exes.map(([, s]) => `${s}.o`));
  return readdirSync(objdir)
    .filter((file) => file.endsWith('.o'))
    .sort()
    .filter((file) => stem === 'all' || file === `${stem}.o` || !named.has(file))
    .map((file) => join(objdir, file));
}

// Links every executable of the recipe with the malloc into
// cache/bin/PROGRAM/TARGET-MALLOC-KEY; resolves to that directory, or null when a link failed.
export async function linkExes({ program, target, malloc, recipe, objdir, cache, gomem }) {
  const { archive, flags: mallocFlags } = mallocLinkFlags(target, malloc, gomem);
  const linkFlags = [...mallocFlags, ...recipe.libs, ...targetLinkFlags(target)];
  const archiveSum = archive ? `${sha256OfFile(archive)}\n` : '';
  const key = shortHash(`${basename(objdir)}\n${linkFlags.join(' ')}\n${archiveSum}`);
  const parent = join(cache, 'bin', program);
  const bindir = join(parent, `${target}-${malloc}-${key}`);
  if (existsSync(join(bindir, DONE))) return bindir;
  freshBuildDir(parent, `${target}-${malloc}`, key);
  const [cc, ...ccArgs] = compilerOf(target);
  for (const exe of recipe.exes) {
    const [name] = exe;
    const output = join(bindir, name + exeSuffix(target));
    const args = [...ccArgs, ...objectsOf(exe, recipe.exes, objdir), ...linkFlags, '-o', output];
    const linked = await step(cc, args, join(bindir, `${name}.log`),
      `linking ${program} (${name}) for ${target} with ${malloc}`);
    if (!linked) return null;
  }
  writeFileSync(join(bindir, DONE), '');
  return bindir;
}
