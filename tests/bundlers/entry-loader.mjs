// The app with the modules imported through the bundler's loader for .wasm (a file loader gives
// their URLs, a binary loader their bytes) and passed as init({ wasm }).
import { Memory, Reader, init } from 'gomem-wasm';
import wasm from 'gomem-wasm/gomem.wasm';
import hardenedWasm from 'gomem-wasm/gomem.hardened.wasm';

import { exercise, fail, report } from './app.mjs';

exercise({ init, Memory, Reader }, { wasm, hardenedWasm }).then(report, fail);
