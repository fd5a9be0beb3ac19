// host.mjs - what this machine must provide: installs the missing Debian packages (through
// scripts/setup.sh, which every script shares), prepares Debian's Emscripten (through
// scripts/emscripten-env.sh), and names each target's compiler and C library for the build keys.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

import { capture, firstLine, run } from './commands.mjs';

// setup.sh's functions are bash: run one in a bash that sourced it.
function setupSh(root, fn, args) {
  const script = `source scripts/setup.sh && ${fn} "$@"`;
  return run('bash', ['-c', script, 'bash', ...args], { cwd: root });
}

// wasm32's compiler-rt, which clang needs to link for WASI (a Debian package of its own).
function hasWasiBuiltins() {
  for (const llvm of readdirSync('/usr/lib').filter((name) => name.startsWith('llvm-'))) {
    const clangDir = join('/usr/lib', llvm, 'lib/clang');
    if (!existsSync(clangDir)) continue;
    for (const version of readdirSync(clangDir)) {
      const builtins = join(clangDir, version, 'lib/wasi/libclang_rt.builtins-wasm32.a');
      if (existsSync(builtins)) return true;
    }
  }
  return false;
}

// emscripten_env exports what emcc needs (NODE_PATH, a writable EM_CACHE when Debian's is
// incomplete) into the shell that sourced it; take those variables into this process, so that
// every emcc and every run started from here sees them. Bash's own bookkeeping is left out.
function adoptEmscriptenEnv(root, probeFlags) {
  const script = 'source scripts/emscripten-env.sh && emscripten_env "$@" >&2 && env -0';
  const env = capture('bash', ['-c', script, 'bash', ...probeFlags], { cwd: root });
  for (const entry of env.split('\0').filter(Boolean)) {
    const at = entry.indexOf('=');
    const name = entry.slice(0, at);
    if (!['SHLVL', '_', 'PWD', 'OLDPWD'].includes(name)) process.env[name] = entry.slice(at + 1);
  }
}

// Installs what the selected targets need, when missing (COMMAND:PACKAGE, or FILE:PACKAGE).
export async function ensureTools(root, targets) {
  const tools = ['gcc:gcc', 'npm:npm', 'dpkg-source:dpkg-dev', 'bzip2:bzip2', 'xz:xz-utils',
    '/usr/bin/time:time'];
  if (targets.includes('wasi')) {
    tools.push('clang:clang', 'wasm-ld-14:lld-14', 'llvm-ar-14:llvm-14',
      '/usr/lib/wasm32-wasi/libc.a:wasi-libc');
  }
  if (targets.includes('emscripten')) tools.push('emcc:emscripten');
  await setupSh(root, 'ensure_packages', tools);
  if (targets.includes('wasi') && !hasWasiBuiltins()) {
    await setupSh(root, 'install_packages', ['libclang-rt-14-dev-wasm32']);
  }
  // The probe links with both of Emscripten's mallocs: their system libraries must exist.
  if (targets.includes('emscripten')) {
    adoptEmscriptenEnv(root, ['-O2 -sMALLOC=emmalloc', '-O2 -sMALLOC=dlmalloc']);
  }
}

// What a build's key says about its compiler: its version banner, and the C library's version.
export function identifyCompilers(targets) {
  const ids = {};
  for (const target of targets) {
    if (target === 'native') {
      const glibc = firstLine(capture('ldd', ['--version']));
      ids.native = `${firstLine(capture('gcc', ['--version']))} ${glibc}`;
    } else if (target === 'wasi') {
      const query = ['-W', '-f', '${Version}', 'wasi-libc'];
      const wasiLibc = capture('dpkg-query', query, { quiet: true });
      ids.wasi = `${firstLine(capture('clang', ['--version']))} wasi-libc ${wasiLibc}`;
    } else {
      ids.emscripten = firstLine(capture('emcc', ['--version'], { quiet: true }));
    }
  }
  return ids;
}
