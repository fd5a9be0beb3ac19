// table.mjs - the results table (program x target x malloc -> time, peak memory, verdict) and
// the lines that say how it was measured; tests/programs/README.md keeps a copy of one.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

import { describeWorkload } from './workloads.mjs';

// x with one decimal as printf's %.1f writes it: toFixed agrees except on an exact tie (1.25 MiB
// is one), which printf gives to the even digit and toFixed rounds up.
function fixed1(x) {
  const [whole, fraction] = x.toFixed(100).split('.');
  if (!/^50*$/.test(fraction.slice(1))) return x.toFixed(1);
  const down = `${whole}.${fraction[0]}`;
  return Number(fraction[0]) % 2 === 0 ? down : (Number(down) + 0.1).toFixed(1);
}

const ms = (us) => (us === null ? '-' : fixed1(us / 1000));
const mib = (bytes) => (bytes === null ? '-' : fixed1(bytes / 1048576));

// The machine's load (the first three figures of /proc/loadavg), for the header.
function load() {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return '';
  }
}

function line([program, target, malloc, run, proc, peak, verdict]) {
  return `| ${program.padEnd(7)} | ${target.padEnd(10)} | ${malloc.padEnd(13)} | ` +
    `${run.padStart(9)} | ${proc.padStart(10)} | ${peak.padStart(8)} | ${verdict} |`;
}

// The table with its header, as text. rows: { program, target, malloc, runUs, procUs, peak,
// verdict }, figures null where there was no run.
export function renderTable(rows, { options, sizes }) {
  const workloads = options.quick ? '--quick workloads' : 'full workloads';
  const runs = options.bench ? `median of ${options.runs} runs` : 'one run each';
  const when = `${new Date().toISOString().slice(0, 16)}Z`;
  const machine = `${availableParallelism()} cores, load ${load()}`;
  const described = options.programs.map((p) => `${p} ${describeWorkload(p, sizes)}`);
  return [
    '',
    `Programs with each malloc (${workloads}, ${runs}; ${when}, ${machine})`,
    `workloads: ${described.join('; ')}`,
    'run ms: native = the process; wasm = from instantiation to exit (no node start-up or ' +
      'compile).',
    'process ms: the whole process (wasm: node start-up and compilation included).',
    'peak MiB: native = max RSS of the process; wasm = linear memory at exit (wasm memory never ' +
      'shrinks).',
    '',
    line(['program', 'target', 'malloc', 'run ms', 'process ms', 'peak MiB', 'output']),
    '|---------|------------|---------------|----------:|-----------:|---------:|--------|',
    ...rows.map((r) =>
      line([r.program, r.target, r.malloc, ms(r.runUs), ms(r.procUs), mib(r.peak), r.verdict])),
    '',
  ].map((text) => `${text}\n`).join('');
}
