// pipeline.mjs - a three-worker media pipeline (reader -> parser -> consumer, worker_threads)
// passing frames three ways (docs/workers.md):
//   gomem shared views                 the reader allocates each frame from one gomem allocator in
//                                      a shared memory (init({ shared: true })) and fills it; each
//                                      hop posts the frame's { ptr, length } (share/viewOf); the
//                                      consumer frees it. Nothing is copied.
//   postMessage, transferred buffer    the reader fills a new ArrayBuffer per frame and each hop
//                                      transfers it: nothing is copied, but every frame is a fresh
//                                      JS allocation.
//   postMessage, copied                the reader fills one reused buffer and each hop posts the
//                                      bytes (structured clone): two copies per frame.
// The reader stays at most 64 frames ahead of the consumer. Every stage does the same work on a
// frame: the parser reads its 8-byte header (size, sequence)
// and checks the size; the consumer sums one byte in 64 and checks the sequence. Frames are
// 512 B..64 KiB (a video stream's mix). ns/op is per frame, end to end; also frames/s and the
// bytes copied per frame.
//
//   node bench/js/pipeline.mjs [--quick] [--json FILE] [--runs N]
import { MessageChannel, Worker } from 'node:worker_threads';

import { init } from '../../js/index.mjs';
import { isMain, parseOptions, printTable, record, writeJson } from './common.mjs';

const SHARED = 'gomem shared views';
const TRANSFER = 'postMessage, transferred buffer';
const COPY = 'postMessage, copied';
const STAGE = new URL('./pipeline-stage.mjs', import.meta.url);

// The frame sizes, the same sequence for every contender.
export function frameSize(i) { return 512 + ((i * 2654435761) >>> 0) % (64 * 1024 - 512); }

function startStage(role, data) {
  const transferList = [data.input, data.output].filter((port) => port !== undefined);
  const worker = new Worker(STAGE, { workerData: { role, ...data }, transferList });
  worker.on('error', (error) => { throw error; });
  return worker;
}

// One run: `frames` frames through the three stages; resolves to the wall time in ns.
async function runPipeline(mode, frames, shared) {
  const { port1: toParser, port2: parserIn } = new MessageChannel();
  const { port1: toConsumer, port2: consumerIn } = new MessageChannel();
  const gomemFor = () => (mode === SHARED ? shared.gomem.forWorker() : null);
  const consumed = new SharedArrayBuffer(4);
  const common = { mode, frames, allocator: shared?.allocator.share() ?? null, consumed };
  const stages = [
    startStage('consumer', { ...common, gomem: gomemFor(), input: consumerIn }),
    startStage('parser', { ...common, gomem: gomemFor(), input: parserIn, output: toConsumer }),
    startStage('reader', { ...common, gomem: gomemFor(), output: toParser }),
  ];
  const ready = stages.map((worker) => new Promise((done) => worker.once('message', done)));
  await Promise.all(ready);
  const start = process.hrtime.bigint();
  stages.forEach((worker) => worker.postMessage('go'));
  const result = await new Promise((done) => stages[0].once('message', done));
  const elapsed = Number(process.hrtime.bigint() - start);
  await Promise.all(stages.map((worker) => worker.terminate()));
  if (result.frames !== frames || result.bad !== 0) {
    throw new Error(`${mode}: ${result.frames} of ${frames} frames arrived, ${result.bad} bad`);
  }
  return elapsed;
}

export async function benchPipeline(options) {
  const frames = options.quick ? 2000 : 10000;
  const gomem = await init({ shared: true, maximumMemory: 256 << 20 });
  const allocator = gomem.createAllocator();
  const shared = { gomem, allocator };
  const bytesPerFrame = Array.from({ length: frames }, (_, i) => frameSize(i))
    .reduce((a, b) => a + b, 0) / frames;
  const contenders = [SHARED, TRANSFER, COPY];
  const times = Object.fromEntries(contenders.map((c) => [c, []]));
  for (let run = -options.warmup; run < options.runs; run++) {
    for (const mode of contenders) { // interleaved: a change of load touches all alike
      const ns = await runPipeline(mode, frames, shared);
      if (run >= 0) times[mode].push(ns / frames);
    }
  }
  const workload = `pipeline of 3 workers, ${frames} frames of 512 B..64 KiB`;
  const copied = { [SHARED]: 0, [TRANSFER]: 0, [COPY]: 2 * Math.round(bytesPerFrame) };
  const records = contenders.map((mode) => {
    const sorted = times[mode].sort((a, b) => a - b);
    const median = sorted[sorted.length >> 1];
    return record(workload, mode, {
      median_ns: Number(median.toFixed(1)), min_ns: Number(sorted[0].toFixed(1)),
      max_ns: Number(sorted[sorted.length - 1].toFixed(1)), runs: sorted.length,
    }, { frames_per_s: Math.round(1e9 / median), copied_bytes_per_frame: copied[mode] });
  });
  printTable(workload, records, TRANSFER,
    [['frames_per_s', 'frames/s'], ['copied_bytes_per_frame', 'bytes copied/frame']]);
  if (allocator.stats().live !== 0) throw new Error('the shared pipeline left frames allocated');
  allocator.destroy();
  return records;
}

if (isMain(import.meta.url)) {
  const options = parseOptions();
  const records = await benchPipeline(options);
  if (options.json) writeJson(options.json, records);
}
