// load-node.mjs - the Node.js half of loading gomem.wasm: reading it from disk.
//
// js/index.mjs imports this module as `#load` (package.json "imports"), dynamically and only when
// it runs in Node.js. The "node" condition selects this file; every other target (browsers, and
// so every browser bundle) gets js/load-browser.mjs instead, which has the same exports and no
// `node:` import. Only I/O here: index.mjs turns what these functions return into its errors.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** This build can read files (js/load-browser.mjs: false). */
export const canReadFiles = true;

/** The bytes of the file a path or a file: URL names; fs errors (ENOENT, ...) as they are. */
export function readModule(source) {
  return readFile(source);
}

/**
 * The bytes of the package's own module `file` ('gomem.wasm' or 'gomem.hardened.wasm'):
 *   1. at `url`, the file beside the module that asked (index.mjs's
 *      `new URL('./gomem.wasm', import.meta.url)`; null when there is no import.meta.url, as in
 *      esbuild's cjs output). Unbundled, and in bundles whose tool emits the file, it is there.
 *   2. otherwise in an installed gomem-wasm package, found as require.resolve('gomem-wasm/<file>')
 *      would from the directory of `url` (the bundle's), from the running CommonJS file, from the
 *      main script and from the working directory: a bundle that carried the JS away from the
 *      package (esbuild for Node, a Vite SSR build) still finds node_modules/gomem-wasm/js/<file>.
 * @param {URL | null} url
 * @param {string} file
 * @returns {Promise<{ bytes: Uint8Array } | { tried: string[] }>} the bytes, or where it looked
 */
export async function readDefaultModule(url, file) {
  const tried = [];
  const attempt = async (path) => {
    if (tried.includes(path)) return null;
    tried.push(path);
    try {
      return await readFile(path);
    } catch (error) {
      if (error?.code === 'ENOENT' || error?.code === 'ENOTDIR') return null;
      throw error;
    }
  };
  if (url !== null) {
    const bytes = await attempt(fileURLToPath(url));
    if (bytes !== null) return { bytes };
  }
  for (const base of resolutionBases(url)) {
    let path;
    try {
      path = createRequire(base).resolve(`gomem-wasm/${file}`);
    } catch {
      continue; // no gomem-wasm installed where this base looks
    }
    const bytes = await attempt(path);
    if (bytes !== null) return { bytes };
  }
  return { tried };
}

// The files require.resolve may start from, most specific first. `__filename` exists when a
// bundler turned this module into CommonJS (typeof keeps it harmless in an ES module).
function resolutionBases(url) {
  const bases = [];
  if (url !== null) bases.push(fileURLToPath(url));
  if (typeof __filename === 'string' && __filename !== '') bases.push(__filename);
  if (typeof process.argv[1] === 'string' && process.argv[1] !== '') bases.push(process.argv[1]);
  bases.push(join(process.cwd(), 'index.js'));
  return bases;
}
