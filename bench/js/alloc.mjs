// alloc.mjs - a 1 KiB buffer taken, written and given back, a million times per pass:
//   gomem malloc(1024)+free               Allocator#malloc's view, then Allocator#free
//   gomem nextN(1024), recycle every 64   RecyclableMemory: one recycle() frees 64 buffers
//   new Uint8Array(1024)                  the JS heap: written and dropped, so the cost includes
//                                         the GC that collects the arrays and backing stores
// A pass is long enough for many collections, so ns/op includes GC time. Also prints the JS
// heap bytes each operation allocates (the view objects gomem hands out are JS objects too).
//
//   node bench/js/alloc.mjs [--quick] [--json FILE] [--runs N]
import { init } from '../../js/index.mjs';
import {
  allocatedBytes, isMain, parseOptions, printTable, record, time, writeJson,
} from './common.mjs';

const SIZE = 1024;
const NEW = 'new Uint8Array(1024)';

export async function benchAlloc(options) {
  const ops = options.quick ? 100_000 : 1_000_000;
  const gomem = await init();
  const allocator = gomem.createAllocator();
  const recyclable = allocator.createRecyclable();

  // [contender, make(n) -> a pass of n operations returning a checksum]
  const contenders = [
    ['gomem malloc(1024)+free', (n) => () => {
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const view = allocator.malloc(SIZE);
        view[i & 1023] = i;
        sum = (sum + view[(i * 7) & 1023]) | 0;
        allocator.free(view);
      }
      return sum;
    }],
    ['gomem nextN(1024), recycle every 64', (n) => () => {
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const view = recyclable.nextN(SIZE);
        view[i & 1023] = i;
        sum = (sum + view[(i * 7) & 1023]) | 0;
        if ((i & 63) === 63) recyclable.recycle();
      }
      recyclable.recycle();
      return sum;
    }],
    [NEW, (n) => () => {
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const view = new Uint8Array(SIZE);
        view[i & 1023] = i;
        sum = (sum + view[(i * 7) & 1023]) | 0;
      }
      return sum;
    }],
  ];

  const workload = `1 KiB buffer taken and given back, ${ops / 1e6}M per pass (GC included)`;
  const records = [];
  const short = ops / 10;
  for (const [contender, make] of contenders) {
    const run = make(ops);
    const warmupRun = make(short);
    const timing = time({ run, warmupRun, ops, runs: options.runs, warmup: options.warmup });
    const bytesPerOp = allocatedBytes(warmupRun) / short;
    records.push(record(workload, contender, timing,
      { alloc_bytes_per_op: Number(bytesPerOp.toFixed(2)) }));
  }
  if (allocator.stats().live > 4096) throw new Error('the gomem contenders leaked');
  printTable(workload, records, NEW, [['alloc_bytes_per_op', 'JS heap B/op']]);
  recyclable.destroy();
  allocator.destroy();
  return records;
}

if (isMain(import.meta.url)) {
  const options = parseOptions();
  const records = await benchAlloc(options);
  if (options.json) writeJson(options.json, records);
}
