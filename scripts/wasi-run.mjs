#!/usr/bin/env node
// Runs a WASI command module (a .wasm built with clang --target=wasm32-wasi) under Node's
// node:wasi, the way a native test binary runs: arguments and the environment pass through (so
// GOMEM_TEST_SEED reaches the program), stdio is the terminal's, the current directory is
// preopened as "." and the process exits with the program's exit code. ctest uses it as the
// CMAKE_CROSSCOMPILING_EMULATOR of the WASI toolchain (cmake/wasi-toolchain.cmake).
//
//   node scripts/wasi-run.mjs program.wasm [args...]
//
// Exit codes: the program's own; 1 when the module traps (the trap is printed); 127 when the file
// is missing or is not a WASI command module.
import { readFile } from 'node:fs/promises';
import process from 'node:process';
import v8 from 'node:v8';

// node:wasi's syscalls are V8 "fast API calls", and in Node 20 one of them can start a garbage
// collection in the middle of the call (nodejs/node#46777), which corrupts the JS heap: a program
// that grows its memory to the module's declared maximum made node crash with SIGSEGV at exit in
// about two runs of three. Without fast calls it never did (0 of 40); the syscalls are few, so the
// slower path costs nothing measurable. Set before node:wasi is loaded and any code is optimised.
v8.setFlagsFromString('--no-turbo-fast-api-calls');

// node:wasi warns that it is experimental on every run; that line would bury the test output.
// Drop only that one warning, and only while loading the module; every other warning still shows.
const emitWarning = process.emitWarning;
process.emitWarning = function (warning, ...rest) {
  const type = typeof rest[0] === 'string' ? rest[0] : rest[0]?.type;
  if (type === 'ExperimentalWarning' && String(warning).includes('WASI')) return;
  return emitWarning.call(process, warning, ...rest);
};
const { WASI } = await import('node:wasi');
process.emitWarning = emitWarning;

const [file, ...args] = process.argv.slice(2);
if (!file) {
  console.error('usage: node wasi-run.mjs program.wasm [args...]');
  process.exit(127);
}

let bytes;
try {
  bytes = await readFile(file);
} catch (error) {
  console.error(`wasi-run: cannot read ${file}: ${error.code ?? error.message}`);
  process.exit(127);
}

let module;
try {
  module = await WebAssembly.compile(bytes);
} catch (error) {
  console.error(`wasi-run: ${file} is not a valid wasm module: ${error.message}`);
  process.exit(127);
}

const wasi = new WASI({
  version: 'preview1',
  args: [file, ...args],
  env: process.env,
  preopens: { '.': process.cwd() },
  returnOnExit: true, // exit() in the program returns here with its code instead of killing node
});

let instance;
try {
  instance = await WebAssembly.instantiate(module, wasi.getImportObject());
} catch (error) {
  console.error(`wasi-run: cannot instantiate ${file}: ${error.message}`);
  process.exit(127);
}
if (typeof instance.exports._start !== 'function') {
  console.error(`wasi-run: ${file} has no _start export (not a WASI command module)`);
  process.exit(127);
}

let code;
try {
  code = wasi.start(instance);
} catch (error) {
  // A trap (unreachable from abort() or __builtin_trap, out-of-bounds access, stack overflow).
  console.error(`wasi-run: ${file} trapped: ${error.stack ?? error}`);
  code = 1;
}
process.exitCode = code;
