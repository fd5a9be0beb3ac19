// node files.mjs DIR: checks the unpacked package in DIR (the tarball's package/) for files that
// are referenced but not shipped: every target of package.json's main, module, types, exports and
// imports, and every relative import of each shipped .mjs, .cjs and .d.ts file (in a .d.ts,
// './x.js' names ./x.d.ts). The exact list itself is asserted by scripts/test-pack.sh.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const root = process.argv[2];
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const problems = [];

const targets = [];
const collect = (value) => {
  if (typeof value === 'string') targets.push(value);
  else if (value && typeof value === 'object') Object.values(value).forEach(collect);
};
collect([pkg.main, pkg.module, pkg.types, pkg.exports, pkg.imports]);
for (const target of targets) {
  if (!existsSync(join(root, target))) problems.push(`package.json names ${target}, not shipped`);
}

const walk = (dir) => readdirSync(dir).flatMap((name) => {
  const path = join(dir, name);
  return statSync(path).isDirectory() ? walk(path) : [path];
});
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g;
for (const file of walk(root).filter((path) => /\.(mjs|cjs|d\.ts)$/.test(path))) {
  const text = readFileSync(file, 'utf8');
  for (const [, specifier] of text.matchAll(SPECIFIER)) {
    let target = join(dirname(file), specifier);
    if (file.endsWith('.d.ts')) target = target.replace(/\.js$/, '.d.ts');
    if (!existsSync(target)) {
      problems.push(`${relative(root, file)} imports ${specifier}, not shipped`);
    }
  }
}
if (problems.length > 0) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log(`files: ${targets.length} package.json targets and every relative import are shipped`);
