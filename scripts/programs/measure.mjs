// measure.mjs - runs the processes of a program under test and measures them: wall time, time
// inside the program, peak memory. Runs are sequential and synchronous, so the clock sees the
// process and nothing of this script.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { exeSuffix } from './recipes.mjs';

// The peak resident set /usr/bin/time -f %M wrote (KiB), in bytes: its last line, after any
// 'Command exited with non-zero status' line; 0 without one.
function maxRss(report) {
  const lines = existsSync(report) ? readFileSync(report, 'utf8').split('\n') : [];
  return Number(lines.filter((line) => /^\d+$/.test(line)).pop() ?? 0) * 1024;
}

// A runner for one run of a variant's workload in the directory cwd, its executables in
// bindir. Each exec() adds to its totals (microseconds; peak in bytes is the largest process's):
//   runUs   natively the process; in wasm from the instance's creation to the exit, as
//           tests/programs/run-wasm.mjs reports it (node's start-up and compilation left out);
//   procUs  the whole process;
//   peak    natively the maximum resident set (/usr/bin/time); in wasm the linear memory at the
//           exit (it never shrinks, so that is its peak).
export function programRunner({ target, malloc, bindir, cwd, gomemSo, runWasm, nodeFlags }) {
  const totals = { runUs: 0, procUs: 0, peak: 0 };
  const report = join(cwd, '.report');

  function command(exe, args) {
    const file = join(bindir, exe + exeSuffix(target));
    if (target !== 'native') {
      return [process.execPath, [...nodeFlags, runWasm, '--report', report, file, ...args]];
    }
    // env sets LD_PRELOAD for the program alone, not for /usr/bin/time
    const preload = malloc === 'gomem-preload' ? ['env', `LD_PRELOAD=${gomemSo}`] : [];
    return ['/usr/bin/time', ['-f', '%M', '-o', report, ...preload, file, ...args]];
  }

  // Runs exe with args; io names files (relative to cwd): stdin (none: /dev/null), stdout,
  // stderr, and appendStderr to add to stderr rather than replace it. Files, never pipes: under
  // node:wasi a program writing fast into a pipe gets EAGAIN (node's pipes are non-blocking).
  // Returns whether the program exited with 0.
  function exec(exe, args, io) {
    rmSync(report, { force: true });
    const fds = [
      io.stdin ? openSync(resolve(cwd, io.stdin), 'r') : 'ignore',
      openSync(resolve(cwd, io.stdout), 'w'),
      openSync(resolve(cwd, io.stderr), io.appendStderr ? 'a' : 'w'),
    ];
    const [cmd, cmdArgs] = command(exe, args);
    const started = process.hrtime.bigint();
    const result = spawnSync(cmd, cmdArgs, { cwd, stdio: fds });
    const procUs = Number((process.hrtime.bigint() - started) / 1000n);
    for (const fd of fds) if (typeof fd === 'number') closeSync(fd);
    let runUs = procUs;
    let bytes = 0;
    if (target === 'native') {
      bytes = maxRss(report);
    } else if (existsSync(report)) {
      const measured = JSON.parse(readFileSync(report, 'utf8'));
      runUs = Math.round((measured.runMs ?? 0) * 1000);
      bytes = measured.memoryBytes ?? 0;
    }
    totals.runUs += runUs;
    totals.procUs += procUs;
    totals.peak = Math.max(totals.peak, bytes);
    return !result.error && result.status === 0;
  }

  return { exec, totals };
}

// The median of whole numbers (for an even count the mean of the middle two, rounded down).
export function median(values) {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : Math.floor((sorted[middle - 1] + sorted[middle]) / 2);
}
