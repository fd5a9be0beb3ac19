// errors.mjs - the ways this test stops before its table, each with the message the entry prints
// ('test-programs: ...') and the exit code: 2 for a bad command line, 1 otherwise.
export class Stop extends Error {
  constructor(message, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

// A command that had to succeed and did not: which one, and how (the exit status, the signal,
// why it could not start).
export class CommandError extends Stop {
  constructor(commandLine, how) {
    super(`stopped: "${commandLine}" failed (${how})`);
  }
}
