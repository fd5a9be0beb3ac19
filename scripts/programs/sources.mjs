// sources.mjs - fetches, checks and unpacks the pinned sources (pins.mjs) into the cache at test
// time, so that nothing of these programs is committed: the npm tarball by 'npm pack', Debian's
// source packages by 'apt-get source' through the private configuration of apt.mjs. A registry
// that cannot be reached makes the program skipped; any other problem (a pin gone from the
// registry, a checksum mismatch) fails it.
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { aptOptions, hasSource, writeSourceLists } from './apt.mjs';
import { attemptLogged, step } from './commands.mjs';
import { sha256OfFile } from './hash.mjs';
import * as pins from './pins.mjs';

// What npm and apt-get print when the network, not the request, is the problem.
const NETWORK_ERROR = new RegExp([
  'ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENETUNREACH',
  'EHOSTUNREACH', 'network', 'socket hang up', 'Temporary failure resolving', 'Could not resolve',
  'Could not connect', 'Failed to fetch', 'Unable to connect', 'Connection failed',
  'Connection timed out',
].join('|'));
const FETCH = { timeoutMs: 300_000 }; // each npm pack or apt-get source

// What prepare() resolves to; a program whose source is UNREACHABLE is skipped, and any other
// outcome than READY fails it.
export const READY = 'ready';
export const UNREACHABLE = 'unreachable';
const FAILED = 'failed';

// Why a program whose source is UNREACHABLE is skipped.
export function unreachableReason(program) {
  return program === 'sqlite'
    ? 'the npm registry cannot be reached'
    : "Debian's archive cannot be reached";
}

function complain(message) {
  console.error(`test-programs: ${message}`);
}

function hasChecksum(file, sha256) {
  return existsSync(file) && sha256OfFile(file) === sha256;
}

// Says so and returns false on a checksum mismatch.
function verify(file, sha256) {
  const got = sha256OfFile(file);
  if (got === sha256) return true;
  complain(`checksum mismatch for ${file}: expected ${sha256}, got ${got} (refusing to build it)`);
  return false;
}

// After a fetch command failed: UNREACHABLE when its log shows a network error, else FAILED
// with the log and the message shown.
function classify(log, message) {
  const text = readFileSync(log, 'utf8');
  if (NETWORK_ERROR.test(text)) return UNREACHABLE;
  process.stderr.write(text);
  complain(message);
  return FAILED;
}

// The sqlite3 npm tarball into downloads/.
async function fetchNpm(downloads) {
  const { npm, tarball, sha256 } = pins.sqlite;
  if (hasChecksum(join(downloads, tarball), sha256)) return READY;
  console.log(`== fetch ${npm} (npm pack)`);
  const log = join(downloads, 'npm-pack.log');
  const args = ['pack', npm, '--loglevel=error', '--fetch-retries=2',
    '--fetch-retry-mintimeout=2000', '--fetch-retry-maxtimeout=10000'];
  const how = await attemptLogged('npm', args, log, { cwd: downloads, ...FETCH });
  if (how) {
    return classify(log, `npm pack ${npm} failed, ${how} (not a network error: is the pinned ` +
      'version gone?)');
  }
  return verify(join(downloads, tarball), sha256) ? READY : FAILED;
}

// Makes 'apt-get source' of that version possible: fetches the private source indexes when
// they lack it.
async function ensureDebSrc(aptDir, downloads, pin) {
  if (hasSource(aptDir, pin.package, pin.version)) return READY;
  if (!writeSourceLists(aptDir)) {
    complain('no Debian archive entry found in /etc/apt to derive a deb-src entry from');
    return FAILED;
  }
  console.log(`== apt-get update of the source indexes (private: ${aptDir})`);
  const log = join(downloads, 'apt-update.log');
  // Its exit status says little (one unreachable mirror fails it); whether the index now has the
  // version says what matters.
  await attemptLogged('apt-get', [...aptOptions(aptDir), 'update'], log);
  if (hasSource(aptDir, pin.package, pin.version)) return READY;
  return classify(log, `Debian's source index has no ${pin.package} ${pin.version} (pinned ` +
    'version gone? update the pin in scripts/programs/pins.mjs)');
}

// A Debian source package's files into downloads/, each checked.
async function fetchDeb(aptDir, downloads, pin) {
  const files = Object.entries(pin.files);
  if (files.every(([name, sha256]) => hasChecksum(join(downloads, name), sha256))) return READY;
  const status = await ensureDebSrc(aptDir, downloads, pin);
  if (status !== READY) return status;
  console.log(`== fetch ${pin.package} ${pin.version} (apt-get source --download-only)`);
  const log = join(downloads, `apt-source-${pin.package}.log`);
  const spec = `${pin.package}=${pin.version}`;
  const args = [...aptOptions(aptDir), 'source', '--download-only', spec];
  const how = await attemptLogged('apt-get', args, log, { cwd: downloads, ...FETCH });
  if (how) return classify(log, `apt-get source ${spec} failed (${how})`);
  return files.every(([name, sha256]) => verify(join(downloads, name), sha256)) ? READY : FAILED;
}

// The SQLite tarball inside the npm tarball, checked, unpacked into src/.
async function unpackSqlite(src, downloads) {
  const { tarball, inner, innerSha256, dir } = pins.sqlite;
  const innerFile = join(src, 'sqlite-inner.tar.gz');
  const log = join(src, `${dir}.log`);
  rmSync(join(src, dir), { recursive: true, force: true });
  const out = openSync(innerFile, 'w');
  const extracted = await step('tar', ['-xzf', join(downloads, tarball), '-O', inner], log,
    `unpacking ${tarball}`, { stdout: out }).finally(() => closeSync(out));
  const ok = extracted && verify(innerFile, innerSha256) &&
    (await step('tar', ['-xzf', innerFile, '-C', src], log, `unpacking ${inner}`));
  rmSync(innerFile, { force: true });
  return ok;
}

// dpkg-source -x, which applies Debian's patches, into src/DIR.
async function unpackDeb(src, downloads, pin) {
  const dsc = Object.keys(pin.files)[0];
  rmSync(join(src, pin.dir), { recursive: true, force: true });
  return step('dpkg-source', ['-x', join(downloads, dsc), pin.dir], join(src, `${pin.dir}.log`),
    `unpacking ${dsc}`, { cwd: src });
}

// Fetches and unpacks a program's source into cache/src (once: an unpacked tree is marked).
// Resolves to READY, UNREACHABLE or FAILED.
export async function prepare(program, cache) {
  if (program === 'stress') return READY; // ours, in tests/programs
  const pin = pins[program];
  const downloads = join(cache, 'downloads');
  const src = join(cache, 'src');
  const status = program === 'sqlite'
    ? await fetchNpm(downloads)
    : await fetchDeb(join(cache, 'apt'), downloads, pin);
  if (status !== READY) return status;
  const marker = join(src, pin.dir, '.unpacked');
  if (existsSync(marker)) return READY;
  const unpacked = program === 'sqlite'
    ? await unpackSqlite(src, downloads)
    : await unpackDeb(src, downloads, pin);
  if (!unpacked) return FAILED;
  writeFileSync(marker, '');
  return READY;
}
