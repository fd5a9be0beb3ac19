// scenario.mjs - the shared-memory worker tests (docs/workers.md), one coordinator run under Node
// (workers.test.mjs, worker_threads) and in Chromium (browser.mjs, Web Workers); no Node imports.
//
// The coordinator makes the shared instance and an allocator, starts four workers that attach to
// it, and keeps a shadow of every block alive: which worker made it, its size, its seed. Then:
//   - rounds: every worker allocates blocks and fills them; each worker's blocks go to the next
//     worker, which checks every byte and frees them; nothing may be damaged, and after each
//     round the allocator's live bytes and its memory picture must match the shadow;
//   - growth: one worker allocates more than the memory holds, so it grows; another must see the
//     new bytes through its own view of the memory, and through a Reader (over a Memory of other
//     workers' blocks) whose cached views predate the growth;
//   - a double free from two workers at the same moment: exactly one succeeds, the other is a
//     FREED error (through descriptions) or DOUBLE_FREE (plain views), and the allocator is
//     intact;
//   - stale descriptions: once freed through a description, its every use is FREED, also when
//     the allocator has handed the bytes out again, and the sender's own view cannot free them;
//   - a worker that ends holding blocks: they stay allocated (live bytes say so) until another
//     worker frees them by their descriptions; its stack region goes back with releaseWorker;
//   - misuse: destroy() of an allocator opened by handle is refused, attach() of anything but
//     forWorker()'s message (or of one attached already) is a TypeError, and after detach()
//     the worker's allocator, Memory and Reader refuse every call.
//
// spawnWorker(index) returns { send(command) -> Promise(reply), end() -> Promise }; `assert` has
// ok, equal and deepEqual; `init` is the package's init.
const WORKERS = 4;
const MiB = 1 << 20;

export async function runScenario({ init, spawnWorker, assert, rounds = 12, seed = 1 }) {
  const gomem = await init({ shared: true, maximumMemory: 512 * MiB });
  assert.equal(gomem.shared, true, 'init({ shared: true }) makes a shared instance');
  assert.ok(gomem.wasmMemory.buffer instanceof SharedArrayBuffer, 'over a SharedArrayBuffer');
  const allocator = gomem.createAllocator();
  const STACK = 64 * 1024; // each worker's region holds at least its stack

  const workers = [];
  const messages = [];
  for (let i = 0; i < WORKERS; i++) {
    const worker = spawnWorker(i);
    const message = gomem.forWorker();
    messages.push(message);
    const reply = await call(worker, { cmd: 'attach', message, allocator: allocator.share() });
    assert.deepEqual(reply, { shared: true }, `worker ${i} attached`);
    workers.push(worker);
  }

  // The shadow: live bytes the coordinator knows of.
  let live = 0;
  const sizes = (blocks) => blocks.reduce((sum, block) => sum + block.length, 0);
  const checkShadow = (when) => {
    assert.equal(allocator.stats().live, live, `${when}: live bytes match the shadow`);
    const picture = allocator.describeMemory();
    assert.equal(picture.live, live, `${when}: the memory picture's live bytes too`);
    assert.equal(picture.live + picture.free, picture.footprint, `${when}: live + free = footprint`);
  };

  for (let round = 0; round < rounds; round++) {
    const made = await Promise.all(workers.map((worker, i) => call(worker, {
      cmd: 'alloc', count: 24, seed: seed + round * 1000 + i * 100, minSize: 1,
      maxSize: round % 3 === 2 ? 256 * 1024 : 4096,
    })));
    for (const blocks of made) live += sizes(blocks);
    checkShadow(`round ${round}, allocated`);
    const checked = await Promise.all(workers.map((worker, i) =>
      call(worker, { cmd: 'checkFree', blocks: made[(i + WORKERS - 1) % WORKERS] })));
    for (const [i, { damaged }] of checked.entries()) {
      assert.equal(damaged, 0, `round ${round}: worker ${i} found every byte intact`);
    }
    for (const blocks of made) live -= sizes(blocks);
    checkShadow(`round ${round}, freed by the next worker`);
  }

  // Growth by one worker, seen by another: through viewOf, and by a Reader whose cached views
  // of the memory predate the growth.
  const small = await call(workers[1], {
    cmd: 'alloc', count: 3, seed: 60, minSize: 5, maxSize: 70,
  });
  live += sizes(small);
  assert.deepEqual(await call(workers[2], { cmd: 'readAcross', blocks: small }),
    { damaged: 0, remaining: 0 }, 'a Reader reads across blocks of another worker');
  const before = gomem.wasmMemory.buffer.byteLength;
  const [big] = await call(workers[0], {
    cmd: 'alloc', count: 1, seed: 77, minSize: before, maxSize: before,
  });
  assert.ok(gomem.wasmMemory.buffer.byteLength > before, 'the memory grew');
  live += big.length;
  checkShadow('after growth');
  assert.deepEqual(await call(workers[2], { cmd: 'readAcross', blocks: [...small, big] }),
    { damaged: 0, remaining: 0 }, 'the same Reader\'s worker reads the grown bytes');
  assert.deepEqual(await call(workers[1], { cmd: 'checkFree', blocks: [...small, big] }),
    { damaged: 0 }, 'another worker reads the grown bytes intact and frees them');
  live -= sizes(small) + big.length;

  // A double free from two workers at once, through the description (the descriptions' table
  // refuses the second: FREED) and through plain views (the C allocator's lock: DOUBLE_FREE).
  for (const [raw, code] of [[false, 'FREED'], [true, 'DOUBLE_FREE']]) {
    const [target] = await call(workers[2], {
      cmd: 'alloc', count: 1, seed: 5, minSize: 64, maxSize: 64,
    });
    const flag = new SharedArrayBuffer(8);
    const racing = [1, 3].map((i) => call(workers[i], { cmd: 'raceFree', block: target, flag, raw }));
    const cell = new Int32Array(flag);
    while (Atomics.load(cell, 1) < 2) await new Promise((done) => setTimeout(done, 1));
    Atomics.store(cell, 0, 1);
    Atomics.notify(cell, 0);
    const outcomes = await Promise.allSettled(racing);
    const freed = outcomes.filter((o) => o.status === 'fulfilled');
    const refused = outcomes.filter((o) => o.status === 'rejected');
    assert.equal(freed.length, 1, `${code}: one of two simultaneous frees succeeds`);
    assert.equal(refused.length, 1, `${code}: the other is refused`);
    assert.equal(refused[0]?.reason.code, code, `${code}: with ${code}`);
    checkShadow(`after the racing frees (${code})`);
  }

  // Stale descriptions: after a free through a description, every use of it is FREED, also once
  // the allocator has handed the same bytes out again, and the sender's own view may not free
  // them a second time.
  const [handed] = await call(workers[0], {
    cmd: 'alloc', count: 1, seed: 31, minSize: 512, maxSize: 512, keep: true,
  });
  assert.deepEqual(await call(workers[1], { cmd: 'checkFree', blocks: [handed] }), { damaged: 0 },
    'the receiver frees the block');
  await rejectsCode(assert, call(workers[2], { cmd: 'viewStale', block: handed }), 'FREED',
    'viewOf a description whose bytes were freed');
  const [again] = await call(workers[3], {
    cmd: 'alloc', count: 1, seed: 32, minSize: 512, maxSize: 512,
  });
  live += again.length;
  assert.equal(again.ptr, handed.ptr, 'the allocator hands the same bytes out again');
  await rejectsCode(assert, call(workers[2], { cmd: 'viewStale', block: handed }), 'FREED',
    'viewOf the stale description once the bytes are someone else\'s');
  await rejectsCode(assert, call(workers[0], { cmd: 'freeKept', ptr: handed.ptr }), 'FREED',
    'the sender freeing its own view after the receiver did');
  checkShadow('after the stale descriptions (the new owner\'s block untouched)');
  assert.deepEqual(await call(workers[3], { cmd: 'checkFree', blocks: [again] }), { damaged: 0 },
    'the new owner\'s bytes are intact');
  live -= again.length;

  // A worker that ends holding blocks: they stay allocated until someone frees them.
  const held = await call(workers[3], {
    cmd: 'alloc', count: 8, seed: 900, minSize: 100, maxSize: 5000,
  });
  live += sizes(held);
  await workers[3].end();
  checkShadow('after a worker ended holding blocks');
  assert.deepEqual(await call(workers[0], { cmd: 'checkFree', blocks: held }), { damaged: 0 },
    'another worker frees what the ended worker held, by description');
  live -= sizes(held);
  let pages = gomem.pageBytesHeld();
  assert.equal(gomem.releaseWorker(messages[3]), true, 'the ended worker\'s region goes back');
  assert.ok(pages - gomem.pageBytesHeld() >= STACK, 'its pages are given back');
  assert.equal(gomem.releaseWorker(messages[3]), false, 'once');

  // Misuse.
  await rejectsCode(assert, call(workers[0], { cmd: 'destroyOpened' }), 'UNSUPPORTED',
    'destroy() of an allocator opened by handle');
  const { attach } = await import('../../js/index.mjs');
  for (const [what, message] of [['anything but forWorker()\'s message', { module: null }],
    ['a message attached already', messages[0]]]) {
    let attachError;
    try {
      await attach(message);
    } catch (error) {
      attachError = error;
    }
    assert.ok(attachError instanceof TypeError && attachError.code === 'INVALID_ARGUMENT',
      `attach() of ${what} is a TypeError`);
  }

  pages = gomem.pageBytesHeld();
  for (const i of [0, 1, 2]) {
    const { refusals, leftBehind } = await call(workers[i], { cmd: 'detach' });
    assert.deepEqual(refusals, ['DESTROYED', 'DESTROYED', 'DESTROYED', 'DESTROYED'],
      `worker ${i} detached, and its allocator, Memory and Reader refuse every call`);
    live += leftBehind; // its Memory stays allocated until the allocator is destroyed
    await workers[i].end();
    assert.equal(gomem.releaseWorker(messages[i]), false, `worker ${i} gave its region back`);
  }
  assert.ok(pages - gomem.pageBytesHeld() >= 3 * STACK, 'detached workers gave their pages back');
  checkShadow('at the end: only the detached workers\' Memories are left');
  const { footprint } = allocator.stats();
  pages = gomem.pageBytesHeld();
  allocator.destroy();
  assert.ok(pages - gomem.pageBytesHeld() >= footprint, 'destroy() gives the arenas back');
}

async function call(worker, command) {
  const reply = await worker.send(command);
  if (reply.error !== undefined) {
    const error = new Error(`${command.cmd}: ${reply.error.message}`);
    error.code = reply.error.code;
    throw error;
  }
  return reply.result;
}

async function rejectsCode(assert, promise, code, what) {
  try {
    await promise;
  } catch (error) {
    assert.equal(error.code, code, `${what}: ${error.message}`);
    return;
  }
  assert.ok(false, `${what} must fail with ${code}`);
}
