// run.mjs - runs the JS benchmarks (reader.mjs, alloc.mjs, flv.mjs, pipeline.mjs) one after
// another in this process and, with --json FILE, writes all their records as one array.
//
//   node bench/js/run.mjs [--quick] [--json FILE] [--runs N]     (npm run bench:js)
import { benchAlloc } from './alloc.mjs';
import { BUILD, parseOptions, writeJson } from './common.mjs';
import { benchFlv } from './flv.mjs';
import { benchPipeline } from './pipeline.mjs';
import { benchReader } from './reader.mjs';

const options = parseOptions();
const started = Date.now();
console.log(`gomem-wasm JS benchmarks on ${BUILD} (${process.platform}/${process.arch})` +
  `${options.quick ? ', --quick' : ''}: median ns/op (min..max over ${options.runs} runs)`);
const records = [
  ...await benchReader(options),
  ...await benchAlloc(options),
  ...await benchFlv(options),
  ...await benchPipeline(options),
];
console.log(`\ndone in ${((Date.now() - started) / 1000).toFixed(1)} s`);
if (options.json) writeJson(options.json, records);
