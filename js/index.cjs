// index.cjs - gomem-wasm for require() (package.json exports: the "require" condition).
//
// One source of truth: this file only forwards to index.mjs, the ES module, so `require` and
// `import` share one copy of every class however the package is loaded.
//   - Where Node.js can require() an ES module (20.19+, 22.12+, or 20.17+ / 22.0+ with
//     --experimental-require-module), module.exports is index.mjs's namespace: every export at
//     once, exactly as `import` sees them.
//   - Older Node.js 20 and 22 throw ERR_REQUIRE_ESM there. Then init() is an async function that
//     imports index.mjs first (import() works from CommonJS everywhere), and the other exports
//     (Gomem, Allocator, Memory, Reader, RecyclableMemory, StaleViewError, ...) are set on
//     module.exports once it is loaded, that is once the first init() has resolved; before that
//     they are undefined. `await import('gomem-wasm')` gives them all at once on any version.
'use strict';

try {
  module.exports = require('./index.mjs');
} catch (error) {
  if (error?.code !== 'ERR_REQUIRE_ESM') throw error;
  let loading;
  const load = () => {
    loading ??= import('./index.mjs').then((namespace) => {
      for (const [name, value] of Object.entries(namespace)) {
        if (name !== 'init') exports[name] = value;
      }
      return namespace;
    });
    return loading;
  };
  exports.init = async function init(options) {
    return (await load()).init(options);
  };
}
