// node-worker.mjs - a test worker under Node's worker_threads: worker-body.mjs over parentPort.
import { parentPort } from 'node:worker_threads';

import { handle } from './worker-body.mjs';

parentPort.on('message', (data) => handle(data, (reply) => parentPort.postMessage(reply)));
