// pipeline-stage.mjs - one stage of bench/js/pipeline.mjs in a worker_thread: the reader makes
// frames, the parser reads their headers, the consumer reads their bytes and reports. workerData:
// { role, mode, frames, gomem (forWorker()'s message, shared mode), allocator (its share()),
// input, output (MessagePorts), consumed (a SharedArrayBuffer: frames consumed so far, which
// keeps the reader at most WINDOW frames ahead, as a real source is paced by its consumer) }. Posts 'ready' once set up, starts on 'go'; the consumer posts
// { frames, bad } at the end.
import { parentPort, workerData } from 'node:worker_threads';

import { attach } from '../../js/index.mjs';
import { frameSize } from './pipeline.mjs';

const { role, mode, frames, input, output } = workerData;
const consumed = new Int32Array(workerData.consumed);
const WINDOW = 64;
const SHARED = mode === 'gomem shared views';
const TRANSFER = mode === 'postMessage, transferred buffer';

const gomem = SHARED ? await attach(workerData.gomem) : null;
const allocator = SHARED ? gomem.openAllocator(workerData.allocator) : null;

// A frame's bytes: an 8-byte header (size, sequence; little-endian) and a body.
function fillFrame(view, sequence) {
  const data = new DataView(view.buffer, view.byteOffset, view.length);
  data.setUint32(0, view.length, true);
  data.setUint32(4, sequence, true);
  for (let i = 8; i < view.length; i += 64) view[i] = (sequence + i) & 0xff;
}

const asView = (message) => (SHARED ? gomem.viewOf(message) : new Uint8Array(message));

function read() {
  const reused = new Uint8Array(64 * 1024);
  for (let i = 0; i < frames; i++) {
    for (let done = Atomics.load(consumed, 0); i - done >= WINDOW; done = Atomics.load(consumed, 0)) {
      Atomics.wait(consumed, 0, done);
    }
    const size = frameSize(i);
    if (SHARED) {
      const view = allocator.malloc(size);
      fillFrame(view, i);
      output.postMessage(gomem.share(view));
    } else if (TRANSFER) {
      const view = new Uint8Array(size);
      fillFrame(view, i);
      output.postMessage(view.buffer, [view.buffer]);
    } else {
      const view = reused.subarray(0, size);
      fillFrame(view, i);
      output.postMessage(view); // structured clone: a copy
    }
  }
}

let bad = 0;
let seen = 0;

function parse(message) {
  const view = asView(message);
  const data = new DataView(view.buffer, view.byteOffset, view.length);
  if (data.getUint32(0, true) !== view.length) bad++;
  if (TRANSFER) output.postMessage(message, [message]);
  else output.postMessage(message); // shared: the description; copy mode: the bytes again
}

function consume(message) {
  const view = asView(message);
  const sequence = new DataView(view.buffer, view.byteOffset, 8).getUint32(4, true);
  let sum = 0;
  for (let i = 8; i < view.length; i += 64) sum += view[i] - ((sequence + i) & 0xff);
  if (sequence !== seen || sum !== 0) bad++;
  if (SHARED) allocator.free(view);
  Atomics.add(consumed, 0, 1);
  Atomics.notify(consumed, 0);
  if (++seen === frames) parentPort.postMessage({ frames: seen, bad });
}

if (role === 'parser') input.on('message', parse);
if (role === 'consumer') input.on('message', consume);
parentPort.on('message', () => {
  if (role === 'reader') read();
});
parentPort.postMessage('ready');
