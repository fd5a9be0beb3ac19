// Shared by the JS tests: the assertion every error test uses.
import assert from 'node:assert/strict';

// assert.throws with the error kind and code, and a message that matches `text` when given.
export function throwsCode(fn, Kind, code, text) {
  assert.throws(fn, (error) => {
    assert.ok(error instanceof Kind, `expected ${Kind.name}, got ${error?.constructor?.name}`);
    assert.equal(error.code, code);
    if (text !== undefined) assert.match(error.message, text);
    return true;
  });
}
