// Shadow-memory test in the style of walloc's test.js: the test keeps its own map of every live
// byte and checks, over thousands of random malloc / free / partial free / freeRest calls, that no
// two allocations ever overlap, that every allocation keeps the bytes written into it (through
// memory growths, re-deriving views with gomem.view), and that stats().live matches the map.
// The test body is shared with the browser tests (tests/shared/shadow.mjs).
import assert from 'node:assert/strict';
import { before, test } from 'node:test';

import { init } from '../../js/index.mjs';
import { shadowRun } from '../shared/shadow.mjs';

let gomem;
before(async () => {
  gomem = await init();
});

test('random malloc/free/partial free/freeRest never overlap (default options)', () => {
  const growths = shadowRun(gomem, assert, 0x5eed, {}, 6000);
  assert.ok(growths > 0, 'memory grew during the run, so stale views were re-derived');
});

test('random malloc/free/partial free/freeRest never overlap (small arenas, alignment 64)', () => {
  shadowRun(gomem, assert, 0xbeef, { initialSize: 4096, maxBlockSize: 65536, alignment: 64 }, 6000);
});
