// apt.mjs - a private apt configuration under the cache directory, through which 'apt-get source'
// fetches Debian's source packages: deb-src entries derived from the system's Debian entries,
// their indexes in a lists directory of their own. Nothing under /etc or /var/lib/apt is written,
// so the machine is left as it was found.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// The options that point apt-get and apt-cache at the private configuration in aptDir.
export function aptOptions(aptDir) {
  return [
    '-o', `Dir::Etc::SourceList=${aptDir}/sources.list`,
    '-o', `Dir::Etc::SourceParts=${aptDir}/sources.list.d`,
    '-o', `Dir::State::Lists=${aptDir}/lists`,
    '-o', `Dir::Cache=${aptDir}/cache`,
  ];
}

// Is that version of the source package in the private index? (apt-cache fails when the index
// has never been fetched: that is a no.)
export function hasSource(aptDir, pkg, version) {
  const { stdout } = spawnSync('apt-cache', [...aptOptions(aptDir), 'showsrc', pkg],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 << 20 });
  return (stdout ?? '').split('\n').includes(`Version: ${version}`);
}

// Writes the private source lists from the system's entries: the deb822 file Debian 12 installs
// (as Types: deb-src), else the one-line 'deb ' entries of /etc/apt/sources.list. Returns false
// when the system has neither.
export function writeSourceLists(aptDir) {
  for (const dir of ['sources.list.d', 'lists/partial', 'cache/archives/partial']) {
    mkdirSync(join(aptDir, dir), { recursive: true });
  }
  writeFileSync(join(aptDir, 'sources.list'), '');
  const deb822 = '/etc/apt/sources.list.d/debian.sources';
  if (existsSync(deb822)) {
    const entries = readFileSync(deb822, 'utf8').replace(/^Types:.*$/gm, 'Types: deb-src');
    writeFileSync(join(aptDir, 'sources.list.d/deb-src.sources'), entries);
    return true;
  }
  const oneLine = '/etc/apt/sources.list';
  const entries = (existsSync(oneLine) ? readFileSync(oneLine, 'utf8') : '').split('\n')
    .filter((line) => line.startsWith('deb ')).map((line) => `deb-src ${line.slice(4)}\n`);
  if (!entries.length) return false;
  writeFileSync(join(aptDir, 'sources.list'), entries.join(''));
  return true;
}
