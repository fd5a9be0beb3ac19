// load-browser.mjs - `#load` for every target but Node.js (package.json "imports": the "browser"
// and "default" conditions; js/load-node.mjs under "node"). Browsers fetch gomem.wasm, which
// js/index.mjs does itself, so this module only says that there is no file system: a bundle built
// for the browser never reaches a `node:` import. index.mjs imports it only when it runs in Node.js
// (a browser bundle run there, e.g. under a DOM emulation), and then says to pass init({ wasm }).

/** This build cannot read files (js/load-node.mjs: true). */
export const canReadFiles = false;

/** No file system here: null for every path. */
export async function readModule() {
  return null;
}

/** No file system here: the default module is nowhere to be read. */
export async function readDefaultModule() {
  return { tried: [] };
}
