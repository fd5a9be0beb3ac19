// Uses the installed package from CommonJS (its "require" entry, js/index.cjs). Run twice by
// scripts/test-pack.sh: as it is, where this Node.js loads index.mjs through require(esm) and every
// export is there at once; and with --no-experimental-require-module (Node.js before 20.19 and
// 22.12), where init() imports index.mjs first and the other exports appear once it resolved.
const gomem = require('gomem-wasm');

// true on 20.19+ and 22.12+, false under --no-experimental-require-module; undefined before
// 20.19 and 22.10, which have no require(esm) unless flagged.
const requireEsm = process.features.require_module === true;

async function main() {
  const { init } = gomem;
  if (typeof init !== 'function') throw new Error('cjs: init is not a function');
  if (requireEsm && typeof gomem.Memory !== 'function') {
    throw new Error('cjs: with require(esm) every export should be there before init()');
  }
  const instance = await init();
  const allocator = instance.createAllocator();
  const view = allocator.malloc(64);
  allocator.free(view);
  if (allocator.stats().live !== 0) throw new Error('cjs: live bytes remain');
  if (!(await init({ hardened: true })).hardened) throw new Error('cjs: hardened');

  // After init() the classes are there either way, and are the ES module's own (one copy).
  const esm = await import('gomem-wasm');
  for (const name of ['Gomem', 'Allocator', 'Memory', 'Reader', 'RecyclableMemory',
    'StaleViewError']) {
    if (gomem[name] !== esm[name]) throw new Error(`cjs: ${name} differs from the ES module's`);
  }
  if (!(instance instanceof gomem.Gomem)) throw new Error('cjs: instance is not a Gomem');
  console.log(`cjs: ok (${requireEsm ? 'require(esm)' : 'no require(esm): init() imports index.mjs'})`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
