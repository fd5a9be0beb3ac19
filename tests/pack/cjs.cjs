// Uses the installed package from CommonJS: Node 20 can require() an ES module that has no
// top-level await, and init() is async.
const { init } = require('gomem-wasm');

init().then((gomem) => {
  const allocator = gomem.createAllocator();
  const view = allocator.malloc(64);
  allocator.free(view);
  if (allocator.stats().live !== 0) throw new Error('cjs: live bytes remain');
  console.log('cjs: ok');
});
