// docs/design.md, D4: every memory.grow detaches the old ArrayBuffer (Node.js 20 has no resizable wasm
// buffers), so views handed out earlier read as empty. The wrapper must still free them, re-derive
// them with gomem.view(), and turn any use of a stale view it cannot recover into StaleViewError.
// The test bodies are shared with the browser tests (tests/shared/growth.mjs).
import assert from 'node:assert/strict';
import { before, test } from 'node:test';

import { StaleViewError, init } from '../../js/index.mjs';
import {
  detaches, growthAcrossMany, readerAcrossGrowth, reDerivedSharesRecord, staleViews,
  viewsAfterGrowthAreLive,
} from '../shared/growth.mjs';

let gomem;
before(async () => {
  gomem = await init();
});

test('allocations across many memory growths keep their bytes and can be freed', () => {
  growthAcrossMany(gomem, assert);
});

test('a re-derived view shares its record: freeing one frees both', () => {
  reDerivedSharesRecord(gomem, assert);
});

test('stale sub-views are a StaleViewError telling to call gomem.view, never zeros', () => {
  assert.equal(staleViews(gomem, assert, StaleViewError), detaches(gomem));
});

test('views handed out after growth are live, and stats survive growth', () => {
  viewsAfterGrowthAreLive(gomem, assert);
});

test('the Reader (and RecyclableMemory views) across growths between reads', async () => {
  readerAcrossGrowth(await init(), assert);
});
