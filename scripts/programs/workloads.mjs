// workloads.mjs - what each program is made to do (--quick: less), and what of its output is
// compared across targets.
import {
  appendFileSync, copyFileSync, existsSync, readFileSync, rmSync, statSync, writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

import { run } from './commands.mjs';
import { sha256OfFile, shortHash } from './hash.mjs';

export function workloadSizes(quick) {
  if (quick) {
    return { stressOps: 100000, sqliteRows: 5000, luaScale: 1, zlibBytes: 2 << 20,
      zlibModes: ['-1', '-6 -r', '-9'] };
  }
  return { stressOps: 400000, sqliteRows: 40000, luaScale: 6, zlibBytes: 8 << 20,
    zlibModes: ['-1', '-6', '-9', '-9 -f', '-6 -h', '-6 -r'] };
}

// For the table's 'workloads:' line.
export function describeWorkload(program, sizes) {
  switch (program) {
    case 'stress': return `${sizes.stressOps} operations`;
    case 'sqlite': return `${sizes.sqliteRows} rows`;
    case 'lua': return `scale ${sizes.luaScale}`;
    default:
      return `example; minigzip ${sizes.zlibModes.length} modes x ${sizes.zlibBytes >> 20} MiB`;
  }
}

// The zlib round trips' input, made once per size and version of make-input.mjs, in the cache.
async function zlibInput(sizes, { cache, programsDir }) {
  const maker = join(programsDir, 'make-input.mjs');
  const name = `zlib-${sizes.zlibBytes}-${shortHash(readFileSync(maker))}.bin`;
  const file = join(cache, 'inputs', name);
  if (!existsSync(file)) await run(process.execPath, [maker, String(sizes.zlibBytes), file]);
  return file;
}

// zlib's example, then per mode a minigzip round trip of the input, a line each in output.
async function zlib(exec, dir, sizes, paths) {
  const input = await zlibInput(sizes, paths);
  const size = statSync(input).size;
  if (!exec('example', [], { stdout: 'output', stderr: 'stderr' })) return false;
  const gz = join(dir, 'in.gz');
  const back = join(dir, 'back');
  for (const mode of sizes.zlibModes) {
    const more = { stderr: 'stderr', appendStderr: true };
    if (!exec('minigzip', mode.split(' '), { stdin: input, stdout: gz, ...more })) return false;
    if (!exec('minigzip', ['-d'], { stdin: gz, stdout: back, ...more })) return false;
    const line = readFileSync(back).equals(readFileSync(input))
      ? `${size} -> ${statSync(gz).size} bytes, sha256 ${sha256OfFile(gz).slice(0, 16)}, ` +
        'round trip identical'
      : 'round trip DIFFERS from the input';
    appendFileSync(join(dir, 'output'), `minigzip ${mode}: ${line}\n`);
    rmSync(back);
    rmSync(gz);
  }
  return true;
}

// Runs the program's workload with exec (measure.mjs) in dir, writing what is compared to
// dir/output and the programs' stderr to dir/stderr. Resolves to false when a process failed.
export async function runWorkload(program, exec, dir, sizes, paths) {
  const { programsDir } = paths;
  const io = { stdout: 'output', stderr: 'stderr' };
  switch (program) {
    case 'stress':
      return exec('malloc-stress', [String(sizes.stressOps), '1'], io);
    case 'sqlite': {
      const script = readFileSync(join(programsDir, 'sqlite-workload.sql'), 'utf8');
      const params = `CREATE TABLE params AS SELECT ${sizes.sqliteRows} AS n;\n`;
      writeFileSync(join(dir, 'workload.sql'), params + script);
      return exec('sqlite3', ['-batch', ':memory:'], { stdin: 'workload.sql', ...io });
    }
    case 'lua':
      copyFileSync(join(programsDir, 'lua-workload.lua'), join(dir, 'lua-workload.lua'));
      return exec('lua', ['lua-workload.lua', String(sizes.luaScale)], io);
    default:
      return zlib(exec, dir, sizes, paths);
  }
}

// What is compared across targets: zlib's example prints its compile flags (the sizes of types,
// 32-bit in wasm), masked.
export function normalize(program, output) {
  if (program !== 'zlib') return output;
  return output.replace(/compile flags = 0x[0-9a-f]*/g, 'compile flags = (masked)');
}
