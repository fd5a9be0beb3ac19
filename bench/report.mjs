#!/usr/bin/env node
// report.mjs - turns the benchmark records of one `npm run bench` into the report: latest.md
// (tables at a glance, machine, toolchain, every flag), latest.json (one record per figure) and
// SVG charts (grouped bars, one colour per contender, log scale where the values span more than
// 20x), and prints a short summary. No dependencies.
//
//   node bench/report.mjs --in DIR [--out DIR] [--meta FILE] [--elapsed SECONDS] [--quick]
//                         [--print PLATFORM[,PLATFORM]]
//
// --in      directory of JSON record arrays as the benchmarks write them (bench_common.h shape:
//           group, workload, contender, build, median_ns, min_ns, max_ns, runs, extra fields)
// --out     where to write latest.md, latest.json and the .svg charts (nothing is written without)
// --meta    tab-separated lines written by scripts/bench.sh:
//             build <label> <cmake build dir> <what it is>
//             peer  <name> <status: measured | not measured: why> <library> <package>
//             note  <text>
// --print   print the Markdown sections of these platforms (native, wasm, js) to stdout instead
//           of the summary (scripts/bench-wasm.sh uses it on its own)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';

// ---- arguments -----------------------------------------------------------------------------------

const args = { in: null, out: null, meta: null, elapsed: null, quick: false, print: null };
{
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') args.quick = true;
    else if (['--in', '--out', '--meta', '--elapsed', '--print'].includes(a) && i + 1 < argv.length) {
      args[a.slice(2)] = argv[++i];
    } else {
      console.error(`report: unknown argument ${a}`);
      process.exit(2);
    }
  }
  if (!args.in) {
    console.error('usage: node bench/report.mjs --in DIR [--out DIR] [--meta FILE] [--elapsed S] [--quick] [--print PLATFORMS]');
    process.exit(2);
  }
}

// ---- input ---------------------------------------------------------------------------------------

const records = [];
for (const name of readdirSync(args.in).filter((f) => f.endsWith('.json')).sort()) {
  let list;
  try {
    list = JSON.parse(readFileSync(join(args.in, name), 'utf8'));
  } catch (error) {
    console.error(`report: skipping ${name}: ${error.message}`);
    continue;
  }
  for (const r of Array.isArray(list) ? list : list.records ?? []) {
    if (r && typeof r.median_ns === 'number') records.push({ ...r, source: name });
  }
}

const builds = new Map(); // label -> { dir, what }
const peers = []; // { name, status, library, package }
const notes = [];
if (args.meta && existsSync(args.meta)) {
  for (const line of readFileSync(args.meta, 'utf8').split('\n')) {
    const [kind, ...f] = line.split('\t');
    if (kind === 'build') builds.set(f[0], { dir: f[1], what: f[2] ?? '' });
    else if (kind === 'peer') peers.push({ name: f[0], status: f[1], library: f[2] ?? '', package: f[3] ?? '' });
    else if (kind === 'note') notes.push(f.join('\t'));
  }
}

// ---- machine and toolchain -----------------------------------------------------------------------

function run(cmd, cmdArgs, pick = (s) => s.split('\n')[0]) {
  try {
    return pick(execFileSync(cmd, cmdArgs, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim());
  } catch {
    return null;
  }
}
function cpuModel() {
  try {
    const m = readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.+)$/m);
    if (m) return m[1].trim();
  } catch { /* not Linux */ }
  return os.cpus()[0]?.model ?? 'unknown';
}
function packageVersion(pkg) {
  return run('dpkg-query', ['-W', '-f=${Version}', pkg]);
}
const machine = {
  cpu: cpuModel(),
  cores: os.cpus().length,
  memory_gib: +(os.totalmem() / 2 ** 30).toFixed(1),
  os: run('sh', ['-c', '. /etc/os-release && echo "$PRETTY_NAME"']) ?? os.type(),
  kernel: `${os.type()} ${os.release()}`,
  virtualisation: run('systemd-detect-virt', []) ?? null,
  load_average: os.loadavg().map((x) => x.toFixed(2)).join(' '),
};
const toolchain = {
  gcc: run('gcc', ['--version']),
  clang: run('clang', ['--version']),
  emcc: run('emcc', ['--version']),
  node: `node ${process.version} (V8 ${process.versions.v8})`,
  cmake: run('cmake', ['--version']),
  glibc: run('ldd', ['--version']),
  'wasi-libc': packageVersion('wasi-libc') && `Debian wasi-libc ${packageVersion('wasi-libc')}`,
};

// The flags CMake wrote for a build directory (what was used, not what was meant).
function flagsOf(dir) {
  if (!dir) return null;
  const read = (file, re) => {
    try {
      return readFileSync(join(dir, file), 'utf8').match(re)?.[1]?.trim() ?? null;
    } catch {
      return null;
    }
  };
  const bench = read('bench/CMakeFiles/bench_alloc.dir/flags.make', /^C_FLAGS = (.*)$/m);
  const lib = read('CMakeFiles/gomem_objects.dir/flags.make', /^C_FLAGS = (.*)$/m);
  let link = read('bench/CMakeFiles/bench_alloc.dir/link.txt', /^(.*)$/m);
  if (link) link = link.replace(/^.*-E env NODE_PATH=\S+ /, '');
  return { bench, lib, link };
}
const buildFlags = new Map([...builds].map(([label, b]) => [label, flagsOf(b.dir)]));
function flagText(build) {
  const f = buildFlags.get(build);
  if (f?.bench) return `benchmark: ${f.bench}; libgomem: ${f.lib}`;
  if (builds.has(build)) return builds.get(build).what;
  return build?.startsWith('node') ? `${build} (JS, no compile flags)` : 'unknown';
}

// ---- classification ------------------------------------------------------------------------------

function platformOf(build = '') {
  if (build.startsWith('native')) return 'native';
  if (build.startsWith('wasi') || build.startsWith('emscripten')) return 'wasm';
  return 'js';
}
const isOurs = (c) => c.startsWith('gomem');
const isFloor = (c) => c === 'bump' || c.startsWith('plain C');
const isPeer = (c) => !isOurs(c) && !isFloor(c) && !c.includes('(reference)');
// A gomem contender built with other options than the default (its name carries them); wasm
// builds' names carry the build and are not variants.
const isVariant = (c) => isOurs(c) && /\(/.test(c) && !/^gomem \w+ \((wasi|emscripten-dlmalloc|emscripten-emmalloc)\)$/.test(c);
const peerNames = new Map(peers.map((p) => [p.name, p]));

// The peers' build flags: prebuilt libraries, stated as what they are.
const debianFlags = run('dpkg-buildflags', ['--get', 'CFLAGS']);
function peerFlagText(contender, build) {
  const p = peerNames.get(contender);
  if (p?.package) {
    const v = packageVersion(p.package);
    return `${contender}: Debian package ${p.package} ${v ?? ''}, as shipped (distribution flags ` +
      `${debianFlags ?? '-g -O2 -fstack-protector-strong ...'} plus the project's own; the stripped ` +
      `library does not record them exactly); loaded with LD_PRELOAD into the benchmark (${flagText(build)})`;
  }
  if (/dlmalloc|emmalloc/.test(contender) && contender.includes('wasi')) {
    return `${contender}: wasi-libc's prebuilt malloc (its Makefile builds at -O2), linked into the same .wasm; ${flagText(build)}`;
  }
  if (/dlmalloc|emmalloc/.test(contender)) {
    return `${contender}: Emscripten's system library (built at -O2), linked into the same .wasm; the -O3 link runs wasm-opt over the whole module; ${flagText(build)}`;
  }
  if (contender.startsWith('glibc')) return `${contender}: the system C library (Debian glibc, as shipped); ${flagText(build)}`;
  return flagText(build);
}

for (const r of records) {
  r.platform = platformOf(r.build);
  r.flags = isOurs(r.contender) || isFloor(r.contender) ? flagText(r.build) : peerFlagText(r.contender, r.build);
}

// ---- ordering and colours ------------------------------------------------------------------------

const contenderOrder = [
  /^gomem index/, /^gomem scalable/, /^gomem arena/, /^gomem recyclable/, /^gomem/,
  /^glibc/, /^mimalloc/, /^jemalloc/, /^tcmalloc/, /wasi-libc|wasi dlmalloc/, /emscripten dlmalloc/,
  /emmalloc/, /./, /^plain/, /^bump/,
];
function rank(c) {
  if (c === 'bump') return 1000;
  const i = contenderOrder.findIndex((re) => re.test(c));
  return i < 0 ? 999 : i;
}
function sortContenders(list) {
  const wasiFirst = (c) => (/\(wasi\)/.test(c) ? 0 : 1);
  return [...new Set(list)].sort((a, b) => rank(a) - rank(b) || wasiFirst(a) - wasiFirst(b) || a.localeCompare(b));
}
const palette = {
  'gomem index': '#1f77b4', 'gomem scalable': '#2ca02c', 'gomem arena': '#17becf',
  'gomem recyclable': '#2ca02c', gomem: '#2ca02c', glibc: '#d62728', mimalloc: '#ff7f0e',
  jemalloc: '#9467bd', tcmalloc: '#8c564b', 'wasi-libc dlmalloc': '#d62728',
  'emscripten dlmalloc': '#e377c2', 'emscripten emmalloc': '#bcbd22', bump: '#7f7f7f',
  'plain C load, one array': '#7f7f7f', gomem_malloc: '#2ca02c', dlmalloc: '#e377c2', emmalloc: '#bcbd22',
};
const spare = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#17becf',
  '#bcbd22', '#393b79', '#637939', '#8c6d31', '#843c39', '#7b4173', '#3182bd', '#e6550d', '#31a354',
  '#756bb1', '#636363', '#aec7e8', '#ffbb78', '#98df8a', '#ff9896', '#c5b0d5'];
const remembered = new Map(); // a contender keeps its colour from chart to chart where it can
// Colours for one chart's series, never twice in a chart: a contender's own palette colour, else
// the colour it had in an earlier chart, else its family's (longest palette prefix), else a spare.
function coloursFor(names) {
  const out = new Map(), taken = new Set();
  const family = (c) => Object.keys(palette).filter((k) => c === k || c.startsWith(`${k} `))
    .sort((a, b) => b.length - a.length)[0];
  for (const pick of [(c) => palette[c], (c) => remembered.get(c), (c) => palette[family(c)]]) {
    for (const c of names) {
      const col = out.has(c) ? null : pick(c);
      if (col && !taken.has(col)) out.set(c, col), taken.add(col);
    }
  }
  for (const c of names) {
    if (out.has(c)) continue;
    const col = spare.find((x) => !taken.has(x)) ?? '#333333';
    out.set(c, col);
    taken.add(col);
  }
  for (const c of names) if (!remembered.has(c)) remembered.set(c, out.get(c));
  return out;
}

// ---- formatting ----------------------------------------------------------------------------------

function num(x) {
  if (x == null || !Number.isFinite(x)) return '—';
  const a = Math.abs(x);
  if (a >= 1000) return Math.round(x).toLocaleString('en-US');
  if (a >= 100) return x.toFixed(1);
  if (a >= 10) return x.toFixed(2);
  return x.toFixed(2);
}
const mib = (b) => (b == null ? '—' : `${(b / 2 ** 20).toFixed(2)} MiB`);
const ratio = (x) => (x == null || !Number.isFinite(x) ? '—' : `${x < 0.1 ? x.toPrecision(2) : x.toFixed(2)}x`);
const cell = (r) => (r ? `${num(r.median_ns)} <sub>${num(r.min_ns)}–${num(r.max_ns)}</sub>` : '—');
function table(header, rows, align) {
  const a = align ?? header.map((_, i) => (i === 0 ? '---' : '---:'));
  return [`| ${header.join(' | ')} |`, `|${a.join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function select(filter) {
  return records.filter(filter);
}
function workloadsOf(list) {
  return [...new Set(list.map((r) => r.workload))];
}
function find(list, workload, contender) {
  return list.find((r) => r.workload === workload && r.contender === contender);
}

// ---- SVG charts ----------------------------------------------------------------------------------

const charts = []; // { file, title }

// Grouped bars: groups along x, one bar per series in each group. Log scale when the values span
// more than 20x (or when asked). refLine: { value, label } drawn dashed across the plot.
function barChart({ file, title, subtitle, groups, series: allSeries, yLabel, log, refLine }) {
  const series = allSeries.filter((s) => s.values.some((v) => v != null && v > 0));
  const values = series.flatMap((s) => s.values).filter((v) => v != null && v > 0);
  if (!values.length) return null;
  let lo = Math.min(...values), hi = Math.max(...values);
  if (refLine) hi = Math.max(hi, refLine.value), lo = Math.min(lo, refLine.value);
  const useLog = log ?? hi / lo > 20;
  const colour = ((m) => (c) => m.get(c))(coloursFor(series.map((x) => x.name)));
  // Legend entries flow left to right and wrap; width estimated from the text length.
  const legend = [];
  {
    let lx = 78, ly = 54;
    const maxX = Math.max(760, 120 + groups.length * 90) - 20;
    for (const s of series) {
      const w = 24 + s.name.length * 6.6;
      if (lx + w > maxX && lx > 78) lx = 78, ly += 18;
      legend.push({ name: s.name, x: lx, y: ly });
      lx += w + 14;
    }
  }
  const legendBottom = legend.length ? legend[legend.length - 1].y : 40;
  const W = Math.max(760, 120 + groups.length * 90, ...legend.map((l) => l.x + 24 + l.name.length * 6.6 + 20));
  const top = legendBottom + 24, left = 78, right = 20, bottom = 78;
  const H = top + 300 + bottom;
  const plotW = W - left - right, plotH = H - top - bottom;
  let y, ticks;
  if (useLog) {
    const a = Math.floor(Math.log10(lo)), b = Math.ceil(Math.log10(hi));
    const span = Math.max(1, b - a);
    y = (v) => top + plotH - ((Math.log10(v) - a) / span) * plotH;
    ticks = [];
    for (let e = a; e <= b; e++) {
      ticks.push({ v: 10 ** e, major: true });
      if (span <= 4 && e < b) for (const m of [2, 5]) ticks.push({ v: m * 10 ** e, major: false });
    }
  } else {
    const step = niceStep(hi / 5);
    const max = Math.ceil(hi / step) * step;
    y = (v) => top + plotH - (v / max) * plotH;
    ticks = [];
    for (let v = 0; v <= max + step / 2; v += step) ticks.push({ v, major: true });
  }
  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${left}" y="22" font-size="15" font-weight="bold">${esc(title)}</text>`);
  if (subtitle) out.push(`<text x="${left}" y="40" fill="#555">${esc(subtitle)}</text>`);
  // legend
  for (const l of legend) {
    out.push(`<rect x="${l.x.toFixed(1)}" y="${l.y - 10}" width="12" height="12" fill="${colour(l.name)}"/>`);
    out.push(`<text x="${(l.x + 17).toFixed(1)}" y="${l.y}">${esc(l.name)}</text>`);
  }
  // grid and y axis
  for (const t of ticks) {
    const ty = y(t.v);
    if (ty < top - 0.5 || ty > top + plotH + 0.5) continue;
    out.push(`<line x1="${left}" x2="${W - right}" y1="${ty.toFixed(1)}" y2="${ty.toFixed(1)}" stroke="${t.major ? '#d0d0d0' : '#ececec'}"/>`);
    out.push(`<text x="${left - 6}" y="${(ty + 4).toFixed(1)}" text-anchor="end" fill="#333">${esc(tickLabel(t.v))}</text>`);
  }
  out.push(`<line x1="${left}" x2="${left}" y1="${top}" y2="${top + plotH}" stroke="#333"/>`);
  out.push(`<line x1="${left}" x2="${W - right}" y1="${top + plotH}" y2="${top + plotH}" stroke="#333"/>`);
  out.push(`<text transform="translate(18 ${top + plotH / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}${useLog ? ' (log scale)' : ''}</text>`);
  // bars
  // In each group only the series with a value get a bar, centred (a contender absent from a
  // workload leaves no gap); the colours tell the contenders apart.
  const groupW = plotW / groups.length;
  const most = Math.max(...groups.map((_, gi) => series.filter((s) => s.values[gi] != null && s.values[gi] > 0).length));
  const barW = Math.min(26, (groupW - 14) / Math.max(1, most));
  groups.forEach((g, gi) => {
    const present = series.filter((s) => s.values[gi] != null && s.values[gi] > 0);
    const x0 = left + gi * groupW + (groupW - barW * present.length) / 2;
    present.forEach((s, si) => {
      const v = s.values[gi];
      const by = y(v), base = top + plotH;
      const bx = x0 + si * barW;
      out.push(`<rect x="${bx.toFixed(1)}" y="${by.toFixed(1)}" width="${(barW - 1.5).toFixed(1)}" height="${Math.max(0.5, base - by).toFixed(1)}" fill="${colour(s.name)}"><title>${esc(`${s.name} — ${g}: ${num(v)}`)}</title></rect>`);
    });
    const lines = wrap(g, Math.max(8, Math.floor(groupW / 6.5)));
    lines.forEach((l, li) => out.push(`<text x="${(left + gi * groupW + groupW / 2).toFixed(1)}" y="${top + plotH + 16 + li * 14}" text-anchor="middle">${esc(l)}</text>`));
  });
  if (refLine) {
    const ry = y(refLine.value);
    out.push(`<line x1="${left}" x2="${W - right}" y1="${ry.toFixed(1)}" y2="${ry.toFixed(1)}" stroke="#000" stroke-dasharray="6 4"/>`);
    out.push(`<text x="${left + 6}" y="${(ry - 5).toFixed(1)}">${esc(refLine.label)}</text>`);
  }
  out.push('</svg>');
  if (args.out) writeFileSync(join(args.out, file), `${out.join('\n')}\n`);
  charts.push({ file, title });
  return file;
}
function niceStep(x) {
  const p = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= x) return m * p;
  return 10 * p;
}
function tickLabel(v) {
  if (v >= 1e6) return `${+(v / 1e6).toPrecision(3)}M`;
  if (v >= 1e3) return `${+(v / 1e3).toPrecision(3)}k`;
  return `${+v.toPrecision(3)}`;
}
function wrap(text, width) {
  const words = String(text).split(' ');
  const lines = [''];
  for (const w of words) {
    const cur = lines[lines.length - 1];
    if (cur && (cur + ' ' + w).length > width) lines.push(w);
    else lines[lines.length - 1] = cur ? `${cur} ${w}` : w;
  }
  return lines.slice(0, 3);
}

// ---- sections ------------------------------------------------------------------------------------

const md = []; // the report's body, section by section
const summaryRows = []; // [target, measured, met]
const platformName = { native: 'native', wasm: 'WebAssembly (under Node)', js: 'JavaScript (Node)' };

// A time table (median + min..max per contender) and a ratio table (gomem ÷ each peer).
function timeTables(list, { unit = 'ns/op', ratioNote = true } = {}) {
  const workloads = workloadsOf(list);
  const contenders = sortContenders(list.map((r) => r.contender));
  const out = [];
  out.push(table(['workload', ...contenders.map(esc)],
    workloads.map((w) => [esc(w), ...contenders.map((c) => cell(find(list, w, c)))])));
  out.push(`${unit}, median of the measured runs <sub>min–max</sub>.`);
  const ours = contenders.filter(isOurs), theirs = contenders.filter(isPeer);
  if (ours.length && theirs.length) {
    const pairs = [];
    for (const o of ours) {
      for (const t of theirs) {
        if (!comparable(list, o, t) || (isVariant(o) && t !== theirs[0])) continue;
        if (workloads.some((w) => find(list, w, o) && find(list, w, t))) pairs.push([o, t]);
      }
    }
    const rows = workloads.map((w) => [esc(w), ...pairs.map(([o, t]) => {
      const a = find(list, w, o), b = find(list, w, t);
      if (!a || !b) return '—';
      const x = a.median_ns / b.median_ns;
      return x < 1 ? `**${ratio(x)}**` : ratio(x);
    })]);
    if (rows.some((r) => r.slice(1).some((c) => c !== '—'))) {
      out.push(table(['workload', ...pairs.map(([o, t]) => `${esc(o)} ÷ ${esc(t)}`)], rows));
      if (ratioNote) out.push('Time ratio gomem ÷ peer: below 1.00x (bold) gomem is faster.');
    }
  }
  return out.join('\n\n');
}
// Whether gomem contender o is compared with peer t: in wasm only within one build (one module,
// one runtime), where gomem's name carries the build ("gomem index (wasi)").
function comparable(list, o, t) {
  const ob = buildSuffix(o);
  if (!ob) return true;
  return list.find((r) => r.contender === t)?.build === ob;
}

function chartFor(list, file, title, yLabel, subtitle) {
  const workloads = workloadsOf(list);
  const contenders = sortContenders(list.map((r) => r.contender));
  return barChart({
    file, title, subtitle, yLabel, groups: workloads,
    series: contenders.map((c) => ({ name: c, values: workloads.map((w) => find(list, w, c)?.median_ns ?? null) })),
  });
}

// --- allocator patterns ---
function allocatorSection(platform) {
  const list = select((r) => r.group === 'allocator' && r.platform === platform && !/\b(treap|avl)\b|two-tree|buddy|-O2|hardened/.test(r.contender));
  if (!list.length) return;
  md.push(`### Allocator patterns, ${platformName[platform]}`);
  md.push(platform === 'native'
    ? 'GoMem\'s `allocator_bench_test.go` patterns (index: the default tlsf index over one 64 KiB range, MixedRandom over 64 MiB; scalable: `gomem_malloc`/`gomem_free`, default options), each contender on identical calls. The peers are the same benchmark binary with the peer\'s library in `LD_PRELOAD`, so its `malloc`/`free` is the peer\'s; bump is the floor (a pointer bumped through a 16 MiB region, free does nothing).'
    : 'The same benchmark compiled to wasm and run under Node (`--no-liftoff`); each build\'s peer is the C library\'s malloc linked into the same module. gomem is measured in each build (named after it), bump in the WASI build.');
  md.push(timeTables(list));
  const f = chartFor(list, `allocator-${platform}.svg`, `Allocator patterns, ${platformName[platform]}: ns per operation (lower is better)`, 'ns per operation', 'median of the measured runs');
  if (f) md.push(`![allocator patterns, ${platform}](${f})`);
}

// --- build-option variants (treap and avl index, buddy, -O2) ---
function variantSection() {
  const list = select((r) => r.group === 'allocator' && r.platform === 'native' && isOurs(r.contender));
  const variants = sortContenders(list.map((r) => r.contender));
  if (variants.length <= 2) return;
  md.push('### Build options: tlsf vs treap vs two-tree (avl) index, buddy pools, distribution flags (native)');
  md.push('Separate builds of the same benchmark: the default (tlsf index) against `-DGOMEM_INDEX=treap` (first fit), `-DGOMEM_INDEX=avl` (two AVL trees, best fit), `-DGOMEM_BUDDY=ON`, and the default options compiled with Debian\'s package flags instead of `-O3`, the flags the peers were built with.');
  md.push(timeTables(list));
  const f = chartFor(list, 'variants-native.svg', 'gomem build options, native: ns per operation (lower is better)', 'ns per operation');
  if (f) md.push(`![build options](${f})`);
}

// --- arena creation ---
function arenaSection() {
  const list = select((r) => r.group === 'arena');
  if (!list.length) return;
  md.push('### Arena creation: mmap vs heap pages (native)');
  md.push('Create + destroy an arena of 1 MiB and of 16 MiB, and the same with its first byte written; `mmap` pages (default) against the C heap (`-DGOMEM_MMAP=OFF`).');
  md.push(timeTables(list));
  const f = chartFor(list, 'arena-native.svg', 'Arena creation: ns per create + destroy (lower is better)', 'ns per operation');
  if (f) md.push(`![arena creation](${f})`);
}

// --- memory, reader, straddle, recyclable ---
function memorySection() {
  const list = select((r) => ['memory', 'reader'].includes(r.group) && r.platform === 'native');
  if (list.length) {
    md.push('### Buffer list and reader (native)');
    md.push('GoMem\'s `memory_bench_test.go` and `reader_bench_test.go` workloads (same names and buffer sizes). No peer: these are gomem\'s own data structures.');
    md.push(table(['workload', 'group', 'gomem ns/op <sub>min–max</sub>'],
      list.map((r) => [esc(r.workload), r.group, cell(r)])));
    const f = barChart({
      file: 'memory-reader-native.svg', title: 'Buffer list and reader: ns per operation (lower is better)', yLabel: 'ns per operation',
      groups: list.map((r) => r.workload),
      series: ['memory', 'reader'].map((g) => ({ name: `gomem ${g}`, values: list.map((r) => (r.group === g ? r.median_ns : null)) })),
    });
    if (f) md.push(`![buffer list and reader](${f})`);
  }
  const straddle = select((r) => r.group === 'straddle' && r.platform === 'native');
  if (straddle.length) {
    md.push('### Reads across buffer boundaries (native)');
    md.push('`read_be(4)` over 1 KiB (256 reads per op) from one buffer and from the same bytes cut into smaller buffers, against a plain big-endian load from one array.');
    const plain = straddle.find((r) => r.contender.startsWith('plain'));
    md.push(table(['contender', 'ns/op <sub>min–max</sub>', '÷ plain load'],
      straddle.map((r) => [esc(r.contender), cell(r), plain ? ratio(r.median_ns / plain.median_ns) : '—'])));
  }
  const rm = select((r) => r.group === 'recyclable' && r.platform === 'native');
  if (rm.length) {
    md.push('### Recyclable memory on vs off (native)');
    md.push('`next_n` N times then one `recycle`, per op; RM off is the `-DGOMEM_DISABLE_RM=ON` build, where each buffer is its own C-heap allocation.');
    md.push(timeTables(rm, { ratioNote: false }));
  }
}

// --- media ---
const mediaStreams = (list) => [...new Set(list.map((r) => r.workload))].sort((a, b) => parseInt(a, 10) - parseInt(b, 10));
function mediaSection(platform) {
  const list = select((r) => r.group === 'media' && r.platform === platform);
  if (!list.length) return;
  const streams = mediaStreams(list);
  const contenders = sortContenders(list.map((r) => r.contender));
  const any = list[0];
  md.push(`### Media server workload, ${platformName[platform]}`);
  md.push(`A stream of frames per stream: video 25/s (a key frame of 60..200 KiB every 50, others 2..40 KiB), audio 46.9/s (100..600 B); each allocated at its kind's upper bound (256 KiB / 64 KiB / 1 KiB), written, shrunk to its length (gomem: \`gomem_free_rest\`; peers: \`realloc\`), kept in a window of the last ${any.window ?? 150} frames of its stream and freed oldest first; streams interleaved by timestamp, the same seeded frames for every contender. Timed: ${any.timed_frames ?? '?'} frames in the steady state (windows full), ${any.runs} runs after a warm-up. Every contender ran in a process of its own for each stream count.`);
  const thr = table(['contender', ...streams.map((s) => `${s}: ns/frame <sub>min–max</sub>`), ...streams.map((s) => `${s}: Mframes/s`)],
    contenders.map((c) => [esc(c), ...streams.map((s) => cell(find(list, s, c))),
      ...streams.map((s) => { const r = find(list, s, c); return r ? (1e3 / r.median_ns).toFixed(2) : '—'; })]));
  md.push(thr);
  const ours = contenders.filter(isOurs), theirs = contenders.filter(isPeer);
  if (ours.length && theirs.length) {
    md.push(`Throughput ratio gomem ÷ peer (frames/s; the target is ${platform === 'native' ? '1.00x or more against glibc, 2.00x with 100 streams' : '1.00x or more against dlmalloc'}, bold where met):`);
    const rows = [];
    for (const o of ours) {
      for (const t of theirs) {
        if (!comparable(list, o, t) || (isVariant(o) && t !== theirs[0])) continue;
        rows.push([`${esc(o)} ÷ ${esc(t)}`, ...streams.map((s) => {
          const a = find(list, s, o), b = find(list, s, t);
          if (!a || !b) return '—';
          const x = b.median_ns / a.median_ns;
          return x >= throughputTarget(platform, s) ? `**${ratio(x)}**` : ratio(x);
        })]);
      }
    }
    md.push(table(['pair', ...streams], rows));
  }
  // footprint
  const resKey = platform === 'native' ? 'rss_peak_bytes' : 'memory_growth_bytes';
  const resName = platform === 'native' ? 'resident' : 'heap growth';
  md.push(`Peak footprint and fragmentation (footprint ÷ peak live bytes; target for gomem ≤ 1.3, ≤ 1.15 with 100 streams). "held" is the allocator's own account of what it holds; "${resName}" is ${platform === 'native' ? 'the process\'s resident set (`/proc/self/statm`) growth in the same pass, with every kept byte written' : 'the growth of the heap\'s break (`sbrk(0)`: the wasm memory size in WASI, Emscripten\'s heap top)'}.\n`);
  md.push(table(['contender', 'held: method', ...streams.map((s) => `${s}: held (÷ live)`), ...streams.map((s) => `${s}: ${resName} (÷ live)`)],
    [
      ['peak live bytes', '(the same for all)', ...streams.map((s) => mib(list.find((r) => r.workload === s)?.live_bytes)), ...streams.map(() => '')],
      ...contenders.map((c) => [esc(c), esc(list.find((r) => r.contender === c)?.footprint_method ?? ''),
        ...streams.map((s) => { const r = find(list, s, c); return r?.peak_bytes != null ? `${mib(r.peak_bytes)} (${r.fragmentation.toFixed(3)})` : 'n/a'; }),
        ...streams.map((s) => { const r = find(list, s, c); return r?.[resKey] != null ? `${mib(r[resKey])} (${(r[resKey] / r.live_bytes).toFixed(3)})` : 'n/a'; })]),
    ]));
  const f1 = barChart({
    file: `media-${platform}.svg`, title: `Media workload, ${platformName[platform]}: ns per frame (lower is better)`,
    subtitle: 'alloc at upper bound, shrink, window of 150 frames per stream, free oldest', yLabel: 'ns per frame',
    groups: streams, series: contenders.map((c) => ({ name: c, values: streams.map((s) => find(list, s, c)?.median_ns ?? null) })),
  });
  const f2 = barChart({
    file: `media-fragmentation-${platform}.svg`, title: `Media workload, ${platformName[platform]}: peak footprint ÷ peak live bytes`,
    subtitle: `the allocator's own account ("held"); bump never frees${platform === 'native' ? '; mimalloc reports no usable figure (resident in the table)' : ''}`, yLabel: 'fragmentation', log: false,
    groups: streams, refLine: { value: 1.15, label: 'target 1.15 (100 streams)' },
    series: contenders.filter((c) => c !== 'bump').map((c) => ({ name: c, values: streams.map((s) => find(list, s, c)?.fragmentation ?? null) })),
  });
  if (f1) md.push(`![media ${platform}](${f1})`);
  if (f2) md.push(`![media fragmentation ${platform}](${f2})`);
}
function buildSuffix(contender) {
  return contender.match(/\((?:[^)]*, )?(wasi|emscripten-dlmalloc|emscripten-emmalloc)\)/)?.[1] ?? null;
}

// --- gomem as the program's malloc (scripts/bench-malloc.sh) ---
function mallocSection() {
  const list = select((r) => r.group === 'malloc');
  if (!list.length) return;
  const platformOfBuild = (b) => (b.startsWith('native') ? 'native' : b.startsWith('wasi') ? 'WASI' : 'Emscripten');
  const base = (c) => c.replace(/^(wasi-libc|emscripten) /, '').replace(/ \((wasi|emscripten)\)$/, '');
  md.push('### gomem as the program\'s malloc (`scripts/bench-malloc.sh`, `npm run bench:malloc`)');
  md.push(`\`bench/malloc/bench_malloc.c\`: ${esc(list[0].workload)} through the standard malloc API only (malloc or calloc into an empty slot, else free or realloc to half..twice the size; first and last byte of every block written and checked), the same source and seed linked with each malloc: \`gomem_malloc\` (static natively, replacing dlmalloc at link time in WASI, over its own break with \`-sMALLOC=none\` in Emscripten) and the peers (preloaded natively, the C library's in wasm). That script times with the wall clock (${list[0].runs} runs); memory is the peak resident set natively and the wasm memory size in wasm, each minus what the program held before the runs.`);
  const rows = [];
  for (const platform of ['native', 'WASI', 'Emscripten']) {
    const here = list.filter((r) => platformOfBuild(r.build) === platform).sort((a, b) => rank(a.contender) - rank(b.contender));
    const ours = here.find((r) => isOurs(r.contender));
    for (const r of here) {
      rows.push([platform, esc(r.contender), cell(r), ours && r !== ours ? (ours.median_ns < r.median_ns ? `**${ratio(ours.median_ns / r.median_ns)}**` : ratio(ours.median_ns / r.median_ns)) : '—',
        mib(r.peak_bytes), r.fragmentation != null ? r.fragmentation.toFixed(3) : '—']);
    }
  }
  md.push(table(['platform', 'contender', 'ns/op <sub>min–max</sub>', 'gomem_malloc time ÷ this', 'memory growth', '÷ peak requested'], rows));
  md.push(`Peak requested bytes: ${mib(list[0].live_bytes)}. Time ratio below 1.00x (bold): gomem_malloc is faster.`);
  const platforms = ['native', 'WASI', 'Emscripten'].filter((p) => list.some((r) => platformOfBuild(r.build) === p));
  const names = sortContenders(list.map((r) => base(r.contender)));
  const f = barChart({
    file: 'malloc.svg', title: 'gomem as the program\'s malloc: ns per operation (lower is better)',
    subtitle: `${list[0].workload}; the same program linked with each malloc`, yLabel: 'ns per operation',
    groups: platforms,
    series: names.map((n) => ({ name: n, values: platforms.map((p) => list.find((r) => platformOfBuild(r.build) === p && base(r.contender) === n)?.median_ns ?? null) })),
  });
  if (f) md.push(`![gomem as malloc](${f})`);
}

// --- gomem as the program's malloc, threads (bench/malloc/bench_threads.c) ---
const threadRecords = () => select((r) => r.group === 'malloc-threads');
const threadPatterns = (list) => [...new Set(list.map((r) => r.pattern))];
const threadCounts = (list) => [...new Set(list.map((r) => r.threads))].sort((a, b) => a - b);
const throughput = (r) => r.threads * 1e3 / r.median_ns; // millions of calls per second, all threads
function mallocThreadsSection() {
  const list = threadRecords();
  if (!list.length) return;
  md.push('### gomem as the program\'s malloc, threads (`bench/malloc/bench_threads.c`, native)');
  md.push('Every thread mallocs and frees in slots of its own, through the standard malloc API, the same program linked with `gomem_malloc` or run with a malloc preloaded (`gomem_malloc (LD_PRELOAD)` is `libgomem_malloc.so`). Patterns: *small*, random 16..512 B malloc/free over 2,048 slots per thread, no block shared (the workload of the threaded targets); *mix*, `bench_malloc.c`\'s 8 B..64 KiB mix with calloc and realloc over 4,096 slots per thread, one free in 16 done by the next thread (blocks handed over in batches through a mailbox). First and last byte of every block written and checked. Time per call per thread = wall time of the timed region ÷ steps per thread; throughput counts the calls of all threads. Interleaved rounds: each round runs every contender once, each in a process of its own (warm-up, then one timed run); median of the rounds <sub>min–max</sub>. Scaling needs an idle machine: see the load in the notes.');
  const counts = threadCounts(list), most = counts[counts.length - 1];
  for (const pattern of threadPatterns(list)) {
    const here = list.filter((r) => r.pattern === pattern);
    const at = (c, t) => here.find((r) => r.contender === c && r.threads === t);
    md.push(`#### ${esc(here[0].workload.replace(/;.*$/, ''))}`);
    const rows = sortContenders(here.map((r) => r.contender)).map((c) => {
      const vsTc = (t) => {
        const a = at(c, t), b = at('tcmalloc', t);
        if (!a || !b) return '—';
        const x = a.median_ns / b.median_ns;
        return isOurs(c) && x <= 1 ? `**${ratio(x)}**` : ratio(x);
      };
      const one = at(c, 1), top = at(c, most);
      const scaling = one && top && most > 1 ? throughput(top) / throughput(one) : null;
      return [esc(c), ...counts.map((t) => cell(at(c, t))), ...counts.map(vsTc),
        ...counts.map((t) => (at(c, t) ? num(throughput(at(c, t))) : '—')),
        scaling == null ? '—' : scaling >= 1.8 ? `**${ratio(scaling)}**` : ratio(scaling)];
    });
    const th = (t) => `${t} thread${t > 1 ? 's' : ''}`;
    md.push(table(['contender', ...counts.map((t) => `${th(t)}: ns/op per thread <sub>min–max</sub>`),
      ...counts.map((t) => `÷ tcmalloc, ${th(t)}`), ...counts.map((t) => `Mops/s, ${th(t)}`),
      `scaling (${th(most)} ÷ 1)`], rows));
  }
  md.push(`Time ÷ tcmalloc: the target is 1.00x or less for gomem (bold where met); scaling: throughput at ${most} threads ÷ at 1, target 1.80x or more (bold where met). ${list[0].runs} rounds.`);
  const workloads = workloadsOf(list);
  const f = barChart({
    file: 'malloc-threads.svg', title: 'gomem as malloc, threads: ns per op per thread (lower is better)',
    subtitle: 'the same program with each malloc; median of the rounds', yLabel: 'ns per op per thread', groups: workloads.map((w) => w.replace(/:.*;/, ',')),
    series: sortContenders(list.map((r) => r.contender)).map((c) => ({ name: c, values: workloads.map((w) => find(list, w, c)?.median_ns ?? null) })),
  });
  if (f) md.push(`![gomem as malloc, threads](${f})`);
}

// --- JS ---
const extraFields = { alloc_bytes_per_op: 'JS heap B/op', mib_per_s: 'MiB/s', frames_per_s: 'frames/s',
  copied_bytes_per_frame: 'bytes copied per frame' };
function jsSection() {
  const list = select((r) => r.platform === 'js');
  if (!list.length) return;
  md.push('### JavaScript (`bench/js/run.mjs`)');
  md.push(`The JS wrapper over the freestanding wasm module against what JS programs use instead; ${esc(list[0].build)}. Each workload has its own contenders; the ratio is each contender's time ÷ the fastest non-gomem contender of the workload (references excluded).`);
  workloadsOf(list).forEach((w, i) => {
    const rows = list.filter((r) => r.workload === w).sort((a, b) => rank(a.contender) - rank(b.contender));
    const peersHere = rows.filter((r) => isPeer(r.contender));
    const best = peersHere.length ? Math.min(...peersHere.map((r) => r.median_ns)) : null;
    const extras = Object.keys(extraFields).filter((k) => rows.some((r) => r[k] != null));
    md.push(`#### ${esc(w)}`);
    md.push(table(['contender', 'ns/op <sub>min–max</sub>', ...extras.map((k) => extraFields[k]), '÷ fastest non-gomem'],
      rows.map((r) => [esc(r.contender), cell(r), ...extras.map((k) => (r[k] != null ? num(r[k]) : '—')),
        best ? (isOurs(r.contender) && r.median_ns < best ? `**${ratio(r.median_ns / best)}**` : ratio(r.median_ns / best)) : '—'])));
    const f = barChart({
      file: `js-${i + 1}.svg`, title: `JS: ${w}`, subtitle: 'ns per operation (lower is better)', yLabel: 'ns per operation',
      groups: [''], series: rows.map((r) => ({ name: r.contender, values: [r.median_ns] })),
    });
    if (f) md.push(`![js ${i + 1}](${f})`);
  });
}

// ---- summary and targets -------------------------------------------------------------------------

function mediaRecord(platform, streams, re) {
  return records.find((r) => r.group === 'media' && r.platform === platform && r.workload === streams && re.test(r.contender));
}
// The targets of the O(1)-core issue, per stream count: fragmentation (held ÷ live) at most 1.15
// with 100 streams and 1.3 with fewer; throughput at least 2x glibc with 100 streams natively and
// 1x below that, at least 1x dlmalloc in wasm at every stream count.
const fragmentationTarget = (streams) => (/^100 /.test(streams) ? 1.15 : 1.3);
const throughputTarget = (platform, streams) => (platform === 'native' && /^100 /.test(streams) ? 2 : 1);

function metText(vals, ok) {
  const met = vals.filter(ok);
  return met.length === vals.length ? 'met' : met.length ? `partly (met at ${met.map(([s]) => s).join(', ')})` : 'missed';
}

function allocatorRecord(platform, workload, re) {
  return records.find((r) => r.group === 'allocator' && r.platform === platform && r.workload === workload && re.test(r.contender));
}

// One summary row for a time ratio ours ÷ theirs over some allocator patterns, against `limit`.
function patternRow(label, platform, workloads, ours, theirs, limit) {
  const vals = workloads.map((w) => {
    const a = allocatorRecord(platform, w, ours), b = allocatorRecord(platform, w, theirs);
    return a && b ? [w, a.median_ns / b.median_ns] : null;
  }).filter(Boolean);
  if (!vals.length) return;
  summaryRows.push([label, vals.map(([w, x]) => `${w}: ${ratio(x)}`).join(', '), metText(vals, ([, x]) => x <= limit)]);
}

// The threaded-malloc issue's targets: gomem_malloc (static and preloaded) at most 1.0x
// tcmalloc's time per call at every thread count, and at least 1.8x the 1-thread throughput at 2.
function mallocThreadRows() {
  const list = threadRecords();
  const ours = [['static', 'gomem_malloc'], ['preloaded', 'gomem_malloc (LD_PRELOAD)']];
  for (const pattern of threadPatterns(list)) {
    const at = (c, t) => list.find((r) => r.pattern === pattern && r.contender === c && r.threads === t);
    const counts = threadCounts(list.filter((r) => r.pattern === pattern));
    const th = (t) => `${t} thread${t > 1 ? 's' : ''}`;
    const vs = ours.flatMap(([name, c]) => counts.map((t) => {
      const a = at(c, t), b = at('tcmalloc', t);
      return a && b ? [`${name} ${th(t)}`, a.median_ns / b.median_ns] : null;
    })).filter(Boolean);
    if (vs.length) {
      summaryRows.push([`threaded ${pattern}: gomem ≤ 1.0x tcmalloc per op at ${counts.join(' and ')} threads (native, time)`,
        vs.map(([k, x]) => `${k}: ${ratio(x)}`).join(', '), metText(vs, ([, x]) => x <= 1)]);
    }
    const scaling = (c) => (at(c, 1) && at(c, 2) ? throughput(at(c, 2)) / throughput(at(c, 1)) : null);
    const sc = ours.map(([name, c]) => [name, scaling(c)]).filter(([, x]) => x != null);
    if (sc.length) {
      const peersText = ['tcmalloc', 'mimalloc', 'jemalloc', 'glibc malloc'].filter((c) => scaling(c) != null)
        .map((c) => `${c} ${ratio(scaling(c))}`).join(', ');
      summaryRows.push([`threaded ${pattern}: 2-thread scaling ≥ 1.8x (gomem, throughput at 2 threads ÷ at 1)`,
        sc.map(([k, x]) => `${k}: ${ratio(x)}`).join(', ') + (peersText ? ` (peers: ${peersText})` : ''),
        metText(sc, ([, x]) => x >= 1.8)]);
    }
  }
}

function summary() {
  const streams = mediaStreams(select((r) => r.group === 'media'));
  const lines = [];
  // fragmentation target
  for (const platform of ['native', 'wasm']) {
    const vals = streams.map((s) => [s, mediaRecord(platform, s, platform === 'native' ? /^gomem scalable$/ : /^gomem scalable \((?:.*, )?wasi\)$/)]).filter(([, r]) => r?.fragmentation != null);
    if (!vals.length) continue;
    summaryRows.push([`media fragmentation ≤ 1.3 (≤ 1.15 at 100 streams) (gomem, ${platform === 'native' ? 'native' : 'wasm WASI'}, held ÷ live)`,
      vals.map(([s, r]) => `${s}: ${r.fragmentation.toFixed(3)}`).join(', '),
      metText(vals, ([s, r]) => r.fragmentation <= fragmentationTarget(s))]);
  }
  const pairs = [
    ['native', /^gomem scalable$/, /^glibc/, 'glibc malloc (native; ≥ 2x at 100 streams)'],
    ['wasm', /^gomem scalable \((?:.*, )?wasi\)$/, /^wasi-libc/, 'dlmalloc (wasm, WASI)'],
    ['wasm', /^gomem scalable \((?:.*, )?emscripten-dlmalloc\)$/, /^emscripten dlmalloc/, 'dlmalloc (wasm, Emscripten)'],
  ];
  for (const [platform, ours, theirs, label] of pairs) {
    const vals = streams.map((s) => {
      const a = mediaRecord(platform, s, ours), b = mediaRecord(platform, s, theirs);
      return a && b ? [s, b.median_ns / a.median_ns] : null;
    }).filter(Boolean);
    if (!vals.length) continue;
    summaryRows.push([`media throughput ≥ 1x ${label}`, vals.map(([s, x]) => `${s}: ${ratio(x)}`).join(', '),
      metText(vals, ([s, x]) => x >= throughputTarget(platform, s))]);
  }
  const seedPatterns = ['Allocate', 'AllocateSmall', 'AllocateLarge', 'SequentialAlloc', 'RandomAlloc'];
  const hotPairs = ['Allocate', 'AllocateSmall', 'AllocateLarge', 'RandomAlloc'];
  patternRow('index MixedRandom ≤ 0.35x glibc (native, time)', 'native', ['MixedRandom'], /^gomem index$/, /^glibc/, 0.35);
  patternRow('index GoMem patterns ≤ 1.0x glibc (native, time)', 'native', seedPatterns, /^gomem index$/, /^glibc/, 1);
  patternRow('index GoMem patterns ≤ 0.5x glibc (stretch)', 'native', seedPatterns, /^gomem index$/, /^glibc/, 0.5);
  patternRow('scalable MixedRandom ≤ 0.5x glibc (native, time)', 'native', ['MixedRandom'], /^gomem scalable$/, /^glibc/, 0.5);
  patternRow('scalable MixedRandom ≤ 0.5x dlmalloc (wasm WASI, time)', 'wasm', ['MixedRandom'], /^gomem scalable \(wasi\)$/, /^wasi-libc/, 0.5);
  patternRow('scalable hot pairs ≤ 1.0x dlmalloc (wasm WASI, time)', 'wasm', hotPairs, /^gomem scalable \(wasi\)$/, /^wasi-libc/, 1);
  mallocThreadRows();
  lines.push(table(['target (issue)', 'measured (per stream count)', ''], summaryRows, ['---', '---', '---']));

  // At a glance: media throughput and fragmentation per contender at the largest stream count,
  // and the geometric mean of the allocator patterns' time ratios.
  const big = streams[streams.length - 1];
  for (const platform of ['native', 'wasm']) {
    const list = select((r) => r.group === 'media' && r.platform === platform && r.workload === big && !isVariant(r.contender));
    if (!list.length) continue;
    const contenders = sortContenders(list.map((r) => r.contender));
    const alloc = select((r) => r.group === 'allocator' && r.platform === platform);
    // gomem scalable from the peer's own build (wasm), the default build (native) and for bump
    const oursFor = (c) => sortContenders(alloc.map((r) => r.contender))
      .find((o) => /^gomem scalable/.test(o) && !isVariant(o) && (c === 'bump' ? !/emscripten/.test(o) : comparable(alloc, o, c)));
    const geo = (c) => {
      const o = oursFor(c);
      const xs = workloadsOf(alloc).map((w) => {
        const ours = find(alloc, w, o), theirs = find(alloc, w, c);
        return ours && theirs ? ours.median_ns / theirs.median_ns : null;
      }).filter((x) => x != null);
      return xs.length ? Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length) : null;
    };
    lines.push(`\n**${platformName[platform]}**, media workload at ${big} (the headline; every figure in the sections below):\n`);
    const resKey = platform === 'native' ? 'rss_peak_bytes' : 'memory_growth_bytes';
    lines.push(table(['', ...contenders.map(esc)], [
      ['ns/frame (median)', ...contenders.map((c) => num(find(list, big, c)?.median_ns))],
      ['frames/s', ...contenders.map((c) => { const r = find(list, big, c); return r ? `${(1e3 / r.median_ns).toFixed(2)} M` : '—'; })],
      ['fragmentation (held ÷ live)', ...contenders.map((c) => { const r = find(list, big, c); return r?.fragmentation != null ? r.fragmentation.toFixed(3) : 'n/a'; })],
      [platform === 'native' ? 'resident ÷ live' : 'heap growth ÷ live', ...contenders.map((c) => { const r = find(list, big, c); return r?.[resKey] != null ? (r[resKey] / r.live_bytes).toFixed(3) : 'n/a'; })],
      ['allocator patterns: gomem scalable time ÷ this (geomean)', ...contenders.map((c) => (isPeer(c) || c === 'bump' ? ratio(geo(c)) : '—'))],
    ]));
  }
  return lines.join('\n');
}

// ---- assemble ------------------------------------------------------------------------------------

if (args.out) {
  mkdirSync(args.out, { recursive: true });
  // Charts of an earlier report that this one would not write again must not linger.
  for (const f of readdirSync(args.out)) if (f.endsWith('.svg')) rmSync(join(args.out, f));
}
for (const platform of ['native', 'wasm']) mediaSection(platform);
for (const platform of ['native', 'wasm']) allocatorSection(platform);
variantSection();
arenaSection();
memorySection();
mallocSection();
mallocThreadsSection();
jsSection();
const summaryText = summary();

const now = new Date();
const header = [
  `# gomem benchmark report${args.quick ? ' (--quick: reduced set, shorter runs)' : ''}`,
  '',
  `Generated ${now.toISOString().replace(/\.\d+Z$/, 'Z')} by \`npm run bench${args.quick ? ' -- --quick' : ''}\`` +
    (args.elapsed ? ` in ${Math.round(+args.elapsed)} s (builds included)` : '') + `; ${records.length} figures. ` +
    'Every figure: a warm-up, then several measured runs; the median and min–max of those runs. Nothing here asserts a time.',
  '',
  '## Summary',
  '',
  summaryText,
  '',
  '## Results',
  '',
];
const machineText = [
  '## Machine and toolchain',
  '',
  table(['', ''], [
    ['CPU', `${esc(machine.cpu)}, ${machine.cores} cores${machine.virtualisation && machine.virtualisation !== 'none' ? ` (${machine.virtualisation})` : ''}`],
    ['memory', `${machine.memory_gib} GiB`],
    ['OS, kernel', `${esc(machine.os)}, ${esc(machine.kernel)}`],
    ['load average at the end', machine.load_average],
    ...Object.entries(toolchain).filter(([, v]) => v).map(([k, v]) => [k, esc(v)]),
  ], ['---', '---']),
  '',
  '## Builds and flags',
  '',
  'Every flag each build was compiled with, as CMake wrote it (`flags.make`, `link.txt`). gomem, the benchmark harness and the bump floor are always compiled with the same flags within a build.',
  '',
  table(['build', 'what', 'benchmark C flags', 'libgomem C flags', 'link'],
    [...builds].map(([label, b]) => {
      const f = buildFlags.get(label) ?? {};
      return [label, esc(b.what), `\`${esc(f.bench ?? '?')}\``, `\`${esc(f.lib ?? '?')}\``, `\`${esc(f.link ?? '?')}\``];
    }), ['---', '---', '---', '---', '---']),
  '',
  '### Peers',
  '',
  table(['peer', 'status', 'library', 'flags'], [
    ...peers.map((p) => [esc(p.name), esc(p.status), esc(p.library), esc(p.package
      ? `Debian package ${p.package} ${packageVersion(p.package) ?? ''}, as shipped: the distribution's flags (${debianFlags ?? '-g -O2 ...'}) plus the project's own; the stripped library does not record them exactly`
      : 'as shipped by Debian')]),
  ], ['---', '---', '---', '---']),
  '',
  ...(notes.length ? ['### Notes', '', ...notes.map((n) => `- ${esc(n)}`), ''] : []),
  '### Method',
  '',
  '- Same inputs for every contender: each benchmark drives every contender through identical calls; the media workload\'s frames come from one seeded generator (splitmix64, seeded by the stream count) and are precomputed before anything is timed.',
  '- Warm-up: the allocator benchmarks calibrate the iteration count on growing runs, then run once at full length untimed; the media benchmark runs once untimed. Then 9 measured runs (5 with `--quick`).',
  '- Native peers are measured by the very same benchmark binary with `LD_PRELOAD` set to the peer\'s shared library, so the harness code is identical; the peers are the libraries Debian ships (their build flags are the distribution\'s, see the build `native-o2` for gomem compiled the same way).',
  '- Media footprint is measured in a separate pass over the same frames before the timed runs (sampling would disturb the timing), in a process of its own for each contender and stream count (an allocator keeps what an earlier run freed). "held" is each allocator\'s own account: gomem `gomem_page_bytes_held()` (arenas and metadata), glibc `mallinfo2()` arena + hblkhd, jemalloc `stats.resident`, tcmalloc heap size minus unmapped bytes; mimalloc\'s commit counter moves in whole segments on Linux, so only its resident figure is given. In wasm "held" for the C library is `sbrk(0)` growth.',
  '- Timing: CPU time, so that time the scheduler gives to other processes is not counted (page faults and system calls made for the allocator are): the thread\'s CPU time natively and in the WASI build (node:wasi runs the module on its main thread), node\'s process CPU time in the Emscripten builds (Emscripten has no CPU clock; node\'s background threads are nearly idle while wasm runs). Contention for caches and memory bandwidth still shows: this is a shared 2-core virtual machine, figures vary by about 10% between sessions and more under load (see min–max and the load averages in the notes).',
  '- wasm: node runs with `--no-liftoff`, so every function is compiled by the optimising compiler before `main` starts.',
  '',
];

const reportMd = [...header, ...md.flatMap((s) => [s, '']), ...machineText].join('\n');

if (args.print) {
  const want = new Set(args.print.split(','));
  const keep = md.filter((s, i) => {
    const title = md.slice(0, i + 1).reverse().find((x) => x.startsWith('### ')) ?? '';
    return [...want].some((p) => title.includes(platformName[p] ?? p));
  });
  console.log(keep.filter((s) => !s.startsWith('![')).join('\n\n'));
}

if (args.out) {
  writeFileSync(join(args.out, 'latest.md'), reportMd);
  const out = records.map((r) => {
    const o = { group: r.group, workload: r.workload, contender: r.contender, build: r.build, platform: r.platform, flags: r.flags,
      median_ns: r.median_ns, min_ns: r.min_ns, max_ns: r.max_ns, runs: r.runs };
    for (const [k, v] of Object.entries(r)) if (!(k in o) && k !== 'source') o[k] = v;
    return o;
  });
  writeFileSync(join(args.out, 'latest.json'), `${JSON.stringify(out, null, 1)}\n`);
}

if (!args.print) {
  console.log('\n==== summary ====');
  console.log(summaryText.replace(/<sub>.*?<\/sub>/g, '').replace(/\*\*/g, ''));
  if (args.out) {
    console.log(`\nwrote ${join(args.out, 'latest.md')}, ${join(args.out, 'latest.json')} (${records.length} records) and ${charts.length} charts:`);
    console.log(`  ${charts.map((c) => c.file).join(' ')}`);
  }
}
