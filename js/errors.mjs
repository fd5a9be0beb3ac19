// errors.mjs - the errors gomem-wasm throws and the argument checks that raise them.
//
// docs/design.md, D5: the C library reports failures as status values; the wrapper turns
// each into a built-in error kind (so `instanceof RangeError` works as callers expect) carrying
// `.code`, the C status name ("DOUBLE_FREE", "FOREIGN_POINTER", ...), or one of the wrapper's own
// codes (STALE_VIEW, DESTROYED, FREED). Messages say what went wrong and what to do instead.

// The built-in kind for each code that has one: bad sizes and ranges are RangeErrors; an argument
// of the wrong type, or a value no call could accept (an alignment of 3, unread past the start),
// is a TypeError coded INVALID_ARGUMENT, as Node.js's ERR_INVALID_ARG_TYPE and
// ERR_INVALID_ARG_VALUE are TypeErrors; a misuse of the allocator's state (double free) is a
// plain Error. A code names its kind once, here: codedError and statusError both take it from
// this table, so `error.code === 'INVALID_ARGUMENT'` always comes with `instanceof TypeError`
// (index.d.ts, GomemErrorCode), whichever kind a call site names.
const KIND_BY_CODE = {
  NOMEM: RangeError,
  INVALID_ARGUMENT: TypeError,
  INVALID_SIZE: RangeError,
  FOREIGN_POINTER: RangeError,
  OUT_OF_RANGE: RangeError,
  END_OF_DATA: RangeError,
  OVERFLOW: RangeError,
};

// What to do about each status, appended to the C library's one-sentence description.
const HINT_BY_STATUS = {
  NOMEM: 'free or trim what you no longer need, or raise the page limit',
  FOREIGN_POINTER:
    'pass a view returned by this allocator (or a subarray of one), not a view of another ' +
    'allocator, another gomem instance or an ordinary Uint8Array',
  OUT_OF_RANGE: 'the range runs past its allocation: free only bytes this allocator handed out',
  DOUBLE_FREE: 'free each byte exactly once',
  SPANS_ALLOCATIONS: 'free each allocation (or a sub-range of one) on its own; a view across ' +
    'two of them is a bug that only the hardened module detects',
};

/**
 * An Error with a `.code`, the way Node.js tags its own errors: of the kind KIND_BY_CODE names
 * for the code, else of the given kind.
 */
export function codedError(Kind, code, message) {
  const error = new (KIND_BY_CODE[code] ?? Kind)(message);
  error.code = code;
  return error;
}

/**
 * The error for a non-OK status of the C library.
 * @param {string} name the status name from gomem_status_name ("DOUBLE_FREE")
 * @param {string} description the sentence from gomem_status_message
 * @param {string} action what was being done, e.g. "free(256 bytes at 0x10000)"
 */
export function statusError(name, description, action) {
  const hint = HINT_BY_STATUS[name];
  const message = `${action} failed with ${name}: ${description}${hint ? `; ${hint}` : ''}`;
  return codedError(Error, name, message);
}

/** Thrown when a view's ArrayBuffer was detached by a wasm memory growth (docs/design.md, D4). */
export class StaleViewError extends Error {
  constructor(message) {
    super(message);
    this.name = 'StaleViewError';
    this.code = 'STALE_VIEW';
  }
}

/** Checks a whole count of bytes, at least `min`, with no upper bound here; returns it. */
export function checkCount(value, what, min = 0) {
  if (typeof value !== 'number') {
    throw codedError(TypeError, 'INVALID_ARGUMENT',
      `${what} must be a number of bytes, got ${describe(value)}`);
  }
  if (!Number.isInteger(value) || value < min) {
    throw codedError(RangeError, 'INVALID_SIZE',
      `${what} must be a whole number of bytes, at least ${min}; got ${value}`);
  }
  return value;
}

/**
 * Checks the size of an allocation and returns it. Non-numbers are TypeErrors; NaN, fractions
 * and sizes below 1 are RangeErrors coded INVALID_SIZE, as are sizes above `limit`, the largest
 * single allocation (the module's GOMEM_ARENA_LIMIT, runtime.limits.arenaLimit): no amount of
 * freeing could ever satisfy them, which callers can tell from NOMEM ("not now": memory could not
 * grow this time).
 */
export function checkSize(value, what, limit) {
  if (checkCount(value, what, 1) > limit) {
    throw codedError(RangeError, 'INVALID_SIZE',
      `${what} of ${value} bytes is more than any wasm32 memory can hold in one allocation ` +
      `(at most ${limit} bytes); split the data into smaller buffers`);
  }
  return value;
}

/**
 * How a view the wrapper recorded was given back, for messages ("freed already", ...): its
 * record's `freed` is 'free', 'freeRest' or 'recycle' (see Runtime in index.mjs).
 */
export function freedHow(record) {
  switch (record.freed) {
    case 'freeRest':
      return 'given to freeRest already (use the view of the kept bytes it returned)';
    case 'recycle': return 'freed already by recycle() (or destroy()) of its RecyclableMemory';
    default: return 'freed already';
  }
}

function describe(value) {
  if (value === null) return 'null';
  if (typeof value === 'bigint') return `the bigint ${value}n (pass a number)`;
  if (typeof value === 'string') return `the string ${JSON.stringify(value)} (pass a number)`;
  return typeof value === 'object' ? value.constructor?.name ?? 'an object' : typeof value;
}
