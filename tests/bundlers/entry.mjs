// The app with gomem-wasm finding its module itself (init() with no `wasm`). No top-level await:
// the same entry is bundled to iife and cjs.
import { Memory, Reader, init } from 'gomem-wasm';

import { exercise, fail, report } from './app.mjs';

exercise({ init, Memory, Reader }).then(report, fail);
