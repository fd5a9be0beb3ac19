#!/usr/bin/env node
// Runs one WebAssembly program the way scripts/test-programs.mjs measures it, and reports how long
// it ran and how large its linear memory ended up:
//
//   node tests/programs/run-wasm.mjs [--report FILE] program.wasm|program.js [args...]
//
// - program.wasm: a WASI command module (clang --target=wasm32-wasi), run under node:wasi with
//   arguments and environment passed on, stdin/stdout/stderr the process's own (binary safe), and
//   the current directory preopened as "." (files are named relative to it: this node:wasi and
//   Debian 12's wasi-libc resolve no absolute path). Redirect its output to a file, not a pipe:
//   node's stdio pipes are non-blocking, and a WASI program writing fast into one gets EAGAIN;
// - program.js: an Emscripten program linked for node (-sENVIRONMENT=node -sEXIT_RUNTIME=1
//   -sWASM_ASYNC_COMPILATION=0, -sNODERAWFS=1 for real files and binary stdio); it is loaded with
//   require() after process.argv is set to what the program should see.
//
// The report (JSON, written to FILE when --report is given, never to stdout, which is the
// program's) holds:
//   exitCode     the program's exit code;
//   runMs        milliseconds from the instance's creation (compilation done) to the exit, so node's
//                start-up and the wasm compilation are left out;
//   memoryBytes  memory.buffer.byteLength at the exit. Wasm memory never shrinks, so this is the
//                program's peak linear memory (initial memory included).
// The process exits with the program's exit code (1 when the module traps, 127 when the file cannot
// be run).
import { readFile } from 'node:fs/promises';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import process from 'node:process';

import { commandWasi } from '../../scripts/node-wasi.mjs';

const argv = process.argv.slice(2);
let reportFile = null;
if (argv[0] === '--report') {
  reportFile = argv[1];
  argv.splice(0, 2);
}
const [file, ...args] = argv;
if (!file) {
  console.error('usage: node run-wasm.mjs [--report FILE] program.wasm|program.js [args...]');
  process.exit(127);
}

let instance = null; // the program's instance, once created
let startedAt = 0; // performance.now() when it was created
let importedMemory = null; // a memory the glue created itself (imported by the module)
let reported = false;

function memoryOf(inst) {
  if (inst) {
    for (const value of Object.values(inst.exports)) {
      if (value instanceof WebAssembly.Memory) return value;
    }
  }
  return importedMemory;
}

function report(exitCode) {
  if (reported) return;
  reported = true;
  const memory = memoryOf(instance);
  const result = {
    exitCode,
    runMs: instance ? Number((performance.now() - startedAt).toFixed(3)) : null,
    memoryBytes: memory ? memory.buffer.byteLength : null,
  };
  if (reportFile) writeFileSync(reportFile, `${JSON.stringify(result)}\n`);
}

if (file.endsWith('.wasm')) {
  let module;
  try {
    module = await WebAssembly.compile(await readFile(file));
  } catch (error) {
    console.error(`run-wasm: cannot load ${file}: ${error.message}`);
    process.exit(127);
  }
  const wasi = await commandWasi(file, args);
  instance = await WebAssembly.instantiate(module, wasi.getImportObject());
  startedAt = performance.now();
  let code;
  try {
    code = wasi.start(instance);
  } catch (error) {
    console.error(`run-wasm: ${file} trapped: ${error.stack ?? error}`);
    code = 1;
  }
  report(code);
  process.exitCode = code;
} else if (file.endsWith('.js')) {
  // Emscripten's glue (3.1.6, synchronous compilation) makes its instance with
  // `new WebAssembly.Instance`; other builds use WebAssembly.instantiate. Catch either, and any
  // memory the glue creates itself.
  const NativeInstance = WebAssembly.Instance;
  const NativeMemory = WebAssembly.Memory;
  const nativeInstantiate = WebAssembly.instantiate;
  WebAssembly.Instance = function Instance(module, imports) {
    const inst = new NativeInstance(module, imports);
    instance = inst;
    startedAt = performance.now();
    return inst;
  };
  WebAssembly.Instance.prototype = NativeInstance.prototype;
  WebAssembly.Memory = function Memory(descriptor) {
    const memory = new NativeMemory(descriptor);
    importedMemory = memory;
    return memory;
  };
  WebAssembly.Memory.prototype = NativeMemory.prototype;
  WebAssembly.instantiate = async function instantiate(source, imports) {
    const result = await nativeInstantiate(source, imports);
    instance = result instanceof NativeInstance ? result : result.instance;
    startedAt = performance.now();
    return result;
  };
  // The glue ends the process with process.exit(code) (EXIT_RUNTIME=1); a program whose main
  // returns without it ends when the event loop is empty. Either way 'exit' fires last.
  process.on('exit', (code) => report(code));
  const absolute = path.resolve(file);
  process.argv = [process.argv[0], absolute, ...args];
  const require = createRequire(import.meta.url);
  require(absolute);
} else {
  console.error(`run-wasm: ${file}: expected a .wasm (WASI) or .js (Emscripten) file`);
  process.exit(127);
}
