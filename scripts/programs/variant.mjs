// variant.mjs - runs one variant (a program built for a target, with one malloc) --runs times,
// and keeps the last run's files in build/programs/runs/PROGRAM/TARGET-MALLOC.
import { cpSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { median, programRunner } from './measure.mjs';
import { runWorkload } from './workloads.mjs';

// Resolves to { ok, runUs, procUs, peak, rundir }: the medians of the runs (a failed run ends
// them).
export async function runVariant(variant) {
  const { program, target, malloc, bindir, runs, sizes, paths, gomemSo, nodeFlags } = variant;
  // Every variant runs from the same directory under the same program path, so that each sees
  // the same argv and environment: Lua's memory use depends on them (the same Lua binary with
  // glibc held 39 MiB run as ./l and 54 MiB as /tmp/tb/d1/lua), and the variants' build
  // directories differ in length.
  const work = join(paths.results, 'work');
  const stage = join(work, 'bin');
  const runDir = join(work, 'run');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  cpSync(bindir, stage, { recursive: true });
  const samples = { runUs: [], procUs: [], peak: [] };
  let ok = true;
  for (let r = 0; r < runs && ok; r++) {
    rmSync(runDir, { recursive: true, force: true });
    mkdirSync(runDir);
    const { exec, totals } = programRunner({
      target, malloc, bindir: stage, cwd: runDir, gomemSo, runWasm: paths.runWasm, nodeFlags,
    });
    ok = await runWorkload(program, exec, runDir, sizes, paths);
    for (const [name, value] of Object.entries(totals)) samples[name].push(value);
  }
  const rundir = join(paths.results, 'runs', program, `${target}-${malloc}`);
  rmSync(rundir, { recursive: true, force: true });
  mkdirSync(dirname(rundir), { recursive: true });
  renameSync(runDir, rundir);
  return {
    ok,
    runUs: median(samples.runUs),
    procUs: median(samples.procUs),
    peak: median(samples.peak),
    rundir,
  };
}
