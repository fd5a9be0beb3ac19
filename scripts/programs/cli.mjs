// cli.mjs - the command line of scripts/test-programs.mjs: parses and checks the options, and
// prints the entry's header comment for --help (the one place the options are described).
import { readFileSync } from 'node:fs';

import { Stop } from './errors.mjs';

const PROGRAMS = ['sqlite', 'zlib', 'lua', 'stress'];
const TARGETS = ['native', 'wasi', 'emscripten'];

// The leading comment block of the entry file, without the comment markers.
function usage(entryFile) {
  const lines = readFileSync(entryFile, 'utf8').split('\n');
  const comment = [];
  for (const line of lines.slice(lines[0].startsWith('#!') ? 1 : 0)) {
    if (!line.startsWith('//')) break;
    comment.push(line.replace(/^\/\/ ?/, ''));
  }
  return comment.join('\n');
}

// A comma-separated list of names from known, in known's order and each once: the runs and the
// table follow that order whatever order the list gives.
function names(value, known, what) {
  const given = value.split(',').filter(Boolean);
  for (const name of given) {
    if (!known.includes(name)) throw new Stop(`unknown ${what} '${name}'`, 2);
  }
  return known.filter((name) => given.includes(name));
}

// argv: process.argv.slice(2). Returns { quick, bench, runs, programs, targets, defaultOnly },
// or prints the help and exits.
export function parseOptions(argv, entryFile) {
  const options = {
    quick: false, bench: false, runs: 0, programs: PROGRAMS, targets: TARGETS, defaultOnly: false,
  };
  const valueOf = (i) => {
    if (i + 1 >= argv.length) throw new Stop(`${argv[i]} needs a value (see --help)`, 2);
    return argv[i + 1];
  };
  for (let i = 0; i < argv.length; i++) {
    switch (argv[i]) {
      case '--quick': options.quick = true; break;
      case '--bench': options.bench = true; break;
      case '--default-only': options.defaultOnly = true; break;
      case '--runs':
        options.runs = Number(valueOf(i++));
        if (!Number.isInteger(options.runs) || options.runs < 1) {
          throw new Stop(`--runs takes a whole number from 1, not '${argv[i]}'`, 2);
        }
        break;
      case '--only': options.programs = names(valueOf(i++), PROGRAMS, 'program'); break;
      case '--targets': options.targets = names(valueOf(i++), TARGETS, 'target'); break;
      case '-h':
      case '--help':
        console.log(usage(entryFile));
        process.exit(0);
        break;
      default: throw new Stop(`unknown argument '${argv[i]}' (see --help)`, 2);
    }
  }
  if (!options.runs) options.runs = options.bench ? 5 : 1;
  return options;
}
