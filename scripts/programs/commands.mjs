// commands.mjs - starting the tools this test drives (compilers, npm, apt-get, tar, ...). A command
// that must succeed throws a CommandError naming it and how it failed; callers that expect some
// failures (a compile error, an unreachable registry) get how it failed back instead.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';

import { CommandError } from './errors.mjs';

// The command as a shell line, for messages (arguments with spaces or quotes are quoted).
function describe(command, args) {
  const quote = (word) =>
    (/^[\w@%+=:,./~-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`);
  return [command, ...args].map(quote).join(' ');
}

// How a finished command failed ('exit status 2', 'killed by SIGSEGV', ...), or null.
function failureOf({ status, signal, error, timedOutAfter }) {
  if (error) return `could not start: ${error.message}`;
  if (timedOutAfter) return `timed out after ${timedOutAfter / 1000} s`;
  if (signal) return `killed by ${signal}`;
  return status === 0 ? null : `exit status ${status}`;
}

// Runs a command to its end; resolves to null when it succeeded, else to how it failed. stdio
// is spawn's (file descriptors, 'inherit', 'ignore'); timeoutMs ends it (SIGTERM) when it takes
// longer.
function attempt(command, args, { cwd, env, stdio = 'inherit', timeoutMs } = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env, stdio });
    let error = null;
    let timedOutAfter = 0;
    const timer = timeoutMs && setTimeout(() => {
      timedOutAfter = timeoutMs;
      child.kill();
    }, timeoutMs);
    child.on('error', (err) => { error = err; });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve(failureOf({ status, signal, error, timedOutAfter }));
    });
  });
}

// Runs a command that must succeed.
export async function run(command, args, options = {}) {
  const how = await attempt(command, args, options);
  if (how) throw new CommandError(describe(command, args), how);
}

// attempt() with the command's stdout and stderr into the file log (which the caller reads to
// tell a network error from other failures, or shows). options.stdout: a file descriptor for
// its stdout instead.
export async function attemptLogged(command, args, log, options = {}) {
  const fd = openSync(log, 'w');
  try {
    const stdio = ['ignore', options.stdout ?? fd, fd];
    return await attempt(command, args, { ...options, stdio });
  } finally {
    closeSync(fd);
  }
}

// A step whose failure fails one program, not the whole test (a compile, a link, an unpacking):
// attemptLogged(), and on failure the log is shown with which step (what) and which command
// failed. Resolves to whether it succeeded.
export async function step(command, args, log, what, options = {}) {
  const how = await attemptLogged(command, args, log, options);
  if (!how) return true;
  process.stderr.write(readFileSync(log, 'utf8'));
  console.error(`test-programs: ${what}: "${describe(command, args)}" failed (${how})`);
  return false;
}

// The stdout of a short command that must succeed; its stderr goes to the terminal, or nowhere
// with quiet.
export function capture(command, args, { cwd, env, quiet = false } = {}) {
  const stdio = ['ignore', 'pipe', quiet ? 'ignore' : 'inherit'];
  const result = spawnSync(command, args,
    { cwd, env, stdio, encoding: 'utf8', maxBuffer: 64 << 20 });
  const how = failureOf(result);
  if (how) throw new CommandError(describe(command, args), how);
  return result.stdout;
}

// The first line of a command's output (a version banner).
export function firstLine(text) {
  return text.split('\n', 1)[0];
}
