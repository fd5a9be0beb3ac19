// recipes.mjs - how each program is built for each target: its sources, compile flags, link
// libraries and executables. build.mjs turns a recipe into objects and executables.
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';

import * as pins from './pins.mjs';
import { sourceId } from './pins.mjs';

// Bump when the recipes change in a way the build keys do not see (the keys cover the source
// version, the compiler, the flags, the source paths and our files each build reads).
export const RECIPE_VERSION = 1;

// Stands in the cflags for the object directory, which is named by the key the flags are part
// of; build.mjs puts the directory in.
export const OBJDIR = '@OBJDIR@';

// The compiler of each target, as a command and its first arguments.
export function compilerOf(target) {
  return { native: ['gcc'], wasi: ['clang', '--target=wasm32-wasi'], emscripten: ['emcc'] }[target];
}

// Link flags every executable of the target gets, whatever its malloc.
export function targetLinkFlags(target) {
  if (target === 'wasi') return ['-Wl,-z,stack-size=1048576'];
  if (target === 'emscripten') {
    return ['-O2', '-sALLOW_MEMORY_GROWTH=1', '-sEXIT_RUNTIME=1', '-sENVIRONMENT=node',
      '-sNODERAWFS=1', '-sWASM_ASYNC_COMPILATION=0', '-sTOTAL_STACK=1048576',
      '-sINITIAL_MEMORY=4194304'];
  }
  return [];
}

// The executables' suffix on each target: tests/programs/run-wasm.mjs runs a .wasm under
// node:wasi and a .js as Emscripten's glue.
export function exeSuffix(target) {
  return { native: '', wasi: '.wasm', emscripten: '.js' }[target];
}

// The object file a source compiles to.
export function objectOf(src) {
  return `${basename(src, '.c')}.o`;
}

// recipe(program, target, { cache, programsDir }) -> {
//   srcId       the source's version, for the key;
//   srcs        absolute paths of the C files;
//   cflags      compile flags (OBJDIR stands for the object directory);
//   exes        [name, stem]: executable NAME links the object STEM.o plus every object no other
//               executable names, or every object when STEM is 'all';
//   libs        link libraries;
//   localFiles  our files the build reads (their contents go into the key);
//   multiarch   true for Lua: Debian's luaconf.h includes a header its build generates, the
//               package search path's multiarch triplet, which build.mjs writes per target
//               into the object directory
// }
export function recipe(program, target, { cache, programsDir }) {
  const r = { srcs: [], cflags: ['-O2'], exes: [], libs: [], localFiles: [], multiarch: false };
  if (program === 'stress') {
    r.srcId = 'ours';
    r.srcs.push(join(programsDir, 'malloc-stress.c'));
    r.cflags.push('-std=c11');
    r.exes.push(['malloc-stress', 'malloc-stress']);
    r.localFiles.push(join(programsDir, 'malloc-stress.c'));
  } else if (program === 'zlib') {
    r.srcId = sourceId(pins.zlib);
    const s = join(cache, 'src', pins.zlib.dir);
    const library = ['adler32', 'crc32', 'deflate', 'infback', 'inffast', 'inflate', 'inftrees',
      'trees', 'zutil', 'compress', 'uncompr', 'gzclose', 'gzlib', 'gzread', 'gzwrite'];
    r.srcs.push(...library.map((name) => join(s, `${name}.c`)));
    r.srcs.push(join(s, 'test/example.c'), join(s, 'test/minigzip.c'));
    r.cflags.push(`-I${s}`, '-DHAVE_UNISTD_H', '-DHAVE_STDARG_H', '-D_LARGEFILE64_SOURCE=1');
    r.exes.push(['example', 'example'], ['minigzip', 'minigzip']);
  } else if (program === 'sqlite') {
    r.srcId = sourceId(pins.sqlite);
    const s = join(cache, 'src', pins.sqlite.dir);
    r.srcs.push(join(s, 'sqlite3.c'), join(s, 'shell.c'));
    r.cflags.push(`-I${s}`, '-DSQLITE_THREADSAFE=0', '-DSQLITE_OMIT_LOAD_EXTENSION',
      '-DSQLITE_ENABLE_FTS5', '-DSQLITE_ENABLE_MATH_FUNCTIONS');
    r.exes.push(['sqlite3', 'all']);
    if (target === 'native') r.libs.push('-lm');
    if (target === 'wasi') {
      r.cflags.push('-D_WASI_EMULATED_SIGNAL', '-D_WASI_EMULATED_PROCESS_CLOCKS',
        '-D_WASI_EMULATED_MMAN', '-D_WASI_EMULATED_GETPID');
    }
  } else if (program === 'lua') {
    r.srcId = sourceId(pins.lua);
    const s = join(cache, 'src', pins.lua.dir, 'src');
    // every file but the bytecode compiler's main, in byte order (as a C-locale glob lists them)
    const files = readdirSync(s).filter((name) => name.endsWith('.c') && name !== 'luac.c').sort();
    r.srcs.push(...files.map((name) => join(s, name)));
    r.cflags.push('-DLUA_COMPAT_5_3', `-I${OBJDIR}`);
    r.multiarch = true;
    r.exes.push(['lua', 'all']);
    if (target === 'native') r.libs.push('-lm');
    if (target === 'wasi') {
      r.cflags.push(`-I${join(programsDir, 'wasi-include')}`, '-include', 'lua-wasi.h',
        '-D_WASI_EMULATED_SIGNAL', '-D_WASI_EMULATED_PROCESS_CLOCKS');
      r.localFiles.push(join(programsDir, 'wasi-include/setjmp.h'),
        join(programsDir, 'wasi-include/lua-wasi.h'));
    }
  }
  // Debian 12's wasi-libc lacks a few functions these two reference (tests/programs/README.md).
  if (target === 'wasi' && (program === 'sqlite' || program === 'lua')) {
    r.srcs.push(join(programsDir, 'wasi-stubs.c'));
    r.localFiles.push(join(programsDir, 'wasi-stubs.c'));
    r.libs.push('-lwasi-emulated-signal', '-lwasi-emulated-process-clocks',
      '-lwasi-emulated-mman', '-lwasi-emulated-getpid');
  }
  return r;
}
