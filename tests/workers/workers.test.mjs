// workers.test.mjs - the shared-memory worker scenario (scenario.mjs) under Node: four
// worker_threads attached to one gomem memory (npm run test:workers).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';

import { init } from '../../js/index.mjs';
import { channel } from './channel.mjs';
import { runScenario } from './scenario.mjs';

function spawnWorker() {
  const worker = new Worker(new URL('./node-worker.mjs', import.meta.url));
  worker.on('error', (error) => { throw error; });
  const send = channel((message) => worker.postMessage(message),
    (onReply) => worker.on('message', onReply));
  return { send, end: () => worker.terminate() };
}

test('four worker_threads share one gomem memory', { timeout: 120_000 }, async () => {
  await runScenario({ init, spawnWorker, assert, rounds: 16, seed: 11 });
});
