// verdict.mjs - what a variant's output says. On each target every malloc's output must equal
// the reference's (the first malloc that ran: the target's default), byte for byte, and the
// reference output of each wasm target must equal the native one (normalized: workloads.mjs).
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { normalize } from './workloads.mjs';

// Outputs are compared as bytes: latin1 reads each byte as one character.
function readBytes(file) {
  return existsSync(file) ? readFileSync(file, 'latin1') : '';
}

// What a failed run said about it: its first line naming an error, else stderr's last line.
function whatItSaid(output, stderr) {
  const lines = `${output}${stderr}`.split('\n');
  return lines.find((line) => /error|trap|abort|fail/i.test(line))
    ?? stderr.replace(/\n$/, '').split('\n').pop();
}

// One program's comparisons, across its targets in order (native first, when selected).
export class Comparison {
  constructor(program, results, preloadOk) {
    this.program = program;
    this.results = results;
    this.preloadOk = preloadOk;
    this.nativeOutput = null; // the native reference's output, normalized
    this.target = null;
    this.reference = null; // { file, output } of the current target's reference
  }

  // A new target: its first malloc that runs becomes the reference.
  startTarget(target) {
    this.target = target;
    this.reference = null;
  }

  // The verdict on a variant's run ({ ok, rundir }): { ok, verdict, detail }, detail for the
  // notes below the table.
  judge(malloc, { ok, rundir }) {
    const { program, target } = this;
    const where = `build/programs/runs/${program}/${target}-${malloc}`;
    const stderr = readBytes(join(rundir, 'stderr'));
    const preloaded = this.preloadOk && !stderr.includes('cannot be preloaded');
    if (malloc === 'gomem-preload' && !preloaded) {
      const verdict = `NOT PRELOADED (ld.so ignored LD_PRELOAD; see ${where}/stderr)`;
      return { ok: false, verdict, detail: '' };
    }
    const file = join(rundir, 'output');
    const output = readBytes(file);
    if (!ok) {
      const said = whatItSaid(output, stderr).slice(0, 160);
      return { ok: false, verdict: `RUN FAILED (see ${where}/stderr)`, detail: `: '${said}'` };
    }
    if (!this.reference) return this.#newReference(file, output);
    if (output === this.reference.output) return { ok: true, verdict: 'same', detail: '' };
    // The diff stays beside the output; its first differing line goes into the notes.
    const diffFile = join(rundir, 'output.diff');
    const fd = openSync(diffFile, 'w');
    spawnSync('diff', [this.reference.file, file], { stdio: ['ignore', fd, 'inherit'] });
    closeSync(fd);
    const diff = readFileSync(diffFile, 'utf8').split('\n');
    const first = (diff.find((line) => line.startsWith('>')) ?? '').slice(2, 100);
    const detail = ` (first different line: '${first}'; diff in ${where}/output.diff)`;
    return { ok: false, verdict: 'DIFFERS', detail };
  }

  #newReference(file, output) {
    this.reference = { file, output };
    const normalized = normalize(this.program, output);
    if (this.target === 'native') {
      this.nativeOutput = normalized;
      const saved = join(this.results, 'runs', this.program, 'native.normalized');
      writeFileSync(saved, normalized, 'latin1');
      return { ok: true, verdict: 'reference', detail: '' };
    }
    if (this.nativeOutput === null) return { ok: true, verdict: 'reference', detail: '' };
    return normalized === this.nativeOutput
      ? { ok: true, verdict: 'reference, = native', detail: '' }
      : { ok: false, verdict: 'reference, DIFFERS from native', detail: '' };
  }
}
