// browser-worker.mjs - a test worker in a browser (a module Web Worker): worker-body.mjs over
// the worker's own message port.
import { handle } from './worker-body.mjs';

self.onmessage = ({ data }) => handle(data, (reply) => self.postMessage(reply));
