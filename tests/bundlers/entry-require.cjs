// The app from CommonJS source: require('gomem-wasm') takes the package's "require" entry
// (js/index.cjs). Classes are read after init() resolved, which works on every Node.js.
const gomemWasm = require('gomem-wasm');
const { exercise, fail, report } = require('./app.mjs');

const lib = {
  init: gomemWasm.init,
  get Memory() { return gomemWasm.Memory; },
  get Reader() { return gomemWasm.Reader; },
};
exercise(lib).then(report, fail);
