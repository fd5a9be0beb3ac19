// common.mjs - what the JS benchmarks share: options (--quick, --json FILE, --runs N), timing of
// warm-up and measured runs (median, min..max in ns per operation), the JS heap bytes a workload
// allocates, the printed table and the JSON records (the shape of bench/bench_common.h:
// {"group", "workload", "contender", "build", "median_ns", "min_ns", "max_ns", "runs"} plus
// extra numeric fields).
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';

export const BUILD = `node ${process.version}`;

/** --quick (short runs), --json FILE, --runs N (measured runs per figure, 1..31). */
export function parseOptions(argv = process.argv.slice(2)) {
  const options = { quick: false, json: null, runs: null };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') options.quick = true;
    else if (arg === '--json' && i + 1 < argv.length) options.json = argv[++i];
    else if (arg === '--runs' && i + 1 < argv.length) {
      options.runs = Math.min(31, Math.max(1, Number.parseInt(argv[++i], 10) || 1));
    } else {
      throw new Error(`unknown argument ${arg}; usage: [--quick] [--json FILE] [--runs N]`);
    }
  }
  options.runs ??= options.quick ? 3 : 7;
  options.warmup = options.quick ? 2 : 3;
  return options;
}

/** true when this module is the program node was started with. */
export function isMain(url) {
  return process.argv[1] !== undefined && url === pathToFileURL(process.argv[1]).href;
}

// gc() is needed to start allocation counts from a collected heap. Without --expose-gc on the
// command line, the flag is set at run time and gc taken from a fresh context (a documented
// V8 flag, not an internal).
function collector() {
  if (typeof globalThis.gc === 'function') return globalThis.gc;
  v8.setFlagsFromString('--expose-gc');
  return runInNewContext('gc');
}
export const gc = collector();

/**
 * Times `run` (one pass over a workload of `ops` operations; returns a checksum, kept so no work
 * is optimised away): `warmup` passes (of `warmupRun` when given, a shorter pass of the same
 * code), then `runs` measured ones, each timed alone. `prepare`, when given, runs untimed before
 * every pass (to rebuild what a pass consumes).
 * @returns {{ median_ns: number, min_ns: number, max_ns: number, runs: number }} ns per op
 */
export function time({ run, ops, prepare, runs, warmup, warmupRun = run }) {
  let sink = 0;
  for (let i = 0; i < warmup; i++) {
    const state = prepare?.();
    sink ^= warmupRun(state);
  }
  const perOp = [];
  for (let i = 0; i < runs; i++) {
    const state = prepare?.();
    const start = process.hrtime.bigint();
    sink ^= run(state);
    perOp.push(Number(process.hrtime.bigint() - start) / ops);
  }
  globalThis.__benchSink = sink;
  perOp.sort((a, b) => a - b);
  const ns = (value) => Number(value.toFixed(3));
  return {
    median_ns: ns(perOp[perOp.length >> 1]), min_ns: ns(perOp[0]),
    max_ns: ns(perOp[perOp.length - 1]), runs,
  };
}

/**
 * JS heap bytes one pass of `run` allocates (what it leaves behind plus what collections during
 * it reclaimed), from a collected heap. v8.GCProfiler (Node >= 18.15) reports the heap before and
 * after every collection in between; without it, only what is left counts (a lower bound when
 * run allocates more than the young generation holds). The least of three passes, less what an
 * empty pass shows (the measurement's own few KiB), so a pass that allocates nothing reads 0.
 */
export function allocatedBytes(run, prepare) {
  const least = (fn) => Math.min(...[0, 1, 2].map(() => heapGrowth(fn, prepare)));
  return Math.max(0, least(run) - least(() => 0));
}

function heapGrowth(run, prepare) {
  const state = prepare?.();
  gc();
  gc();
  const profiler = typeof v8.GCProfiler === 'function' ? new v8.GCProfiler() : null;
  const before = v8.getHeapStatistics().used_heap_size;
  profiler?.start();
  globalThis.__benchSink = run(state);
  const result = profiler?.stop();
  const after = v8.getHeapStatistics().used_heap_size;
  let reclaimed = 0;
  for (const event of result?.statistics ?? []) {
    reclaimed += event.beforeGC.heapStatistics.usedHeapSize -
      event.afterGC.heapStatistics.usedHeapSize;
  }
  return after - before + reclaimed;
}

/** A JSON record (bench_common.h's shape) from a timing; `extra` adds numeric fields. */
export function record(workload, contender, timing, extra = {}) {
  return { group: 'js', workload, contender, build: BUILD, ...timing, ...extra };
}

const fmt = (ns) => (ns >= 100 ? ns.toFixed(0) : ns >= 10 ? ns.toFixed(1) : ns.toFixed(2));

/**
 * Prints one workload's records as a table: median ns/op, min..max, the ratio to `baseline`'s
 * median (the contender others are compared with), and extra columns.
 */
export function printTable(title, records, baseline, extraColumns = []) {
  console.log(`\n${title}`);
  const base = records.find((r) => r.contender === baseline);
  const width = Math.max(...records.map((r) => r.contender.length));
  for (const r of records) {
    let ratio = '';
    if (base !== undefined && r !== base) {
      const times = r.median_ns / base.median_ns;
      ratio = times >= 1 ? `  ${times.toFixed(2)}x slower than ${baseline}`
        : `  ${(1 / times).toFixed(2)}x faster than ${baseline}`;
    }
    const extra = extraColumns.map(([key, label]) => `  ${label} ${r[key]}`).join('');
    console.log(`  ${r.contender.padEnd(width)}  ${fmt(r.median_ns).padStart(8)} ns/op ` +
      `(${fmt(r.min_ns)}..${fmt(r.max_ns)}, ${r.runs} runs)${ratio}${extra}`);
  }
}

/** Writes the records (an array) to `file`. */
export function writeJson(file, records) {
  writeFileSync(file, `${JSON.stringify(records, null, 2)}\n`);
  console.log(`\nwrote ${records.length} records to ${file}`);
}
