// node-wasi.mjs - node:wasi as every WASI runner here needs it on Node 20 (scripts/wasi-run.mjs
// for the test suites and benchmarks, tests/programs/run-wasm.mjs for the real programs).
import process from 'node:process';
import v8 from 'node:v8';

/**
 * The WASI class of node:wasi, loaded once it is safe to use.
 *
 * node:wasi's syscalls are V8 "fast API calls", and in Node 20 one of them can start a garbage
 * collection in the middle of the call (nodejs/node#46777), which corrupts the JS heap: a program
 * that grows its memory to the module's declared maximum made node crash with SIGSEGV at exit in
 * about two runs of three. Without fast calls it never did (0 of 40); the syscalls are few, so the
 * slower path costs nothing measurable. The flag is set before node:wasi is loaded, so no call into
 * it is ever compiled as a fast call.
 *
 * node:wasi also warns that it is experimental on every run; that line would bury a program's
 * output. Only that one warning is dropped, and only while loading the module.
 */
async function loadWasi() {
  v8.setFlagsFromString('--no-turbo-fast-api-calls');
  const emitWarning = process.emitWarning;
  process.emitWarning = function (warning, ...rest) {
    const type = typeof rest[0] === 'string' ? rest[0] : rest[0]?.type;
    if (type === 'ExperimentalWarning' && String(warning).includes('WASI')) return;
    return emitWarning.call(process, warning, ...rest);
  };
  try {
    return (await import('node:wasi')).WASI;
  } finally {
    process.emitWarning = emitWarning;
  }
}

/**
 * A WASI instance for running `file` as a command, the way a native program runs: its arguments
 * and the environment pass through, the current directory is preopened as "." (this node:wasi and
 * Debian 12's wasi-libc resolve no absolute path), and exit() returns its code from start()
 * instead of ending node. Loads node:wasi as loadWasi() does.
 */
export async function commandWasi(file, args) {
  const WASI = await loadWasi();
  return new WASI({
    version: 'preview1',
    args: [file, ...args],
    env: process.env,
    preopens: { '.': process.cwd() },
    returnOnExit: true,
  });
}
