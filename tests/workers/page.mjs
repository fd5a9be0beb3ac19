// page.mjs - runs the shared-memory worker scenario (scenario.mjs) in the page with four module
// Web Workers, and leaves the outcome in window.__results: { done, crossOriginIsolated, passed,
// failed: [messages] } for tests/workers/browser.mjs. The page must be cross-origin isolated
// (COOP/COEP headers) to have SharedArrayBuffer.
import { init } from '../../js/index.mjs';
import { channel } from './channel.mjs';
import { runScenario } from './scenario.mjs';

const log = document.getElementById('log');
const results = { done: false, crossOriginIsolated: self.crossOriginIsolated, passed: 0, failed: [] };
window.__results = results;

// The scenario's asserts, counted: a failure is recorded and the run goes on.
const note = (ok, message) => {
  if (ok) results.passed++;
  else results.failed.push(message);
  log.textContent += `${ok ? 'ok  ' : 'FAIL'} ${message}\n`;
};
const assert = {
  ok: (value, message) => note(Boolean(value), message),
  equal: (actual, expected, message) =>
    note(Object.is(actual, expected), `${message} (got ${actual}, expected ${expected})`),
  deepEqual: (actual, expected, message) => note(JSON.stringify(actual) ===
    JSON.stringify(expected), `${message} (got ${JSON.stringify(actual)})`),
};

function spawnWorker() {
  const worker = new Worker(new URL('./browser-worker.mjs', import.meta.url), { type: 'module' });
  worker.onerror = (event) => note(false, `worker error: ${event.message}`);
  const send = channel((message) => worker.postMessage(message),
    (onReply) => { worker.onmessage = ({ data }) => onReply(data); });
  return { send, end: async () => worker.terminate() };
}

try {
  await runScenario({ init, spawnWorker, assert, rounds: 8, seed: 23 });
} catch (error) {
  note(false, `the scenario stopped: ${error.stack ?? error}`);
}
results.done = true;
