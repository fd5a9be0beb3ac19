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

import { commandWasi } from './node-wasi.mjs';

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

const wasi = await commandWasi(file, args);

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
