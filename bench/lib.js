// bench/lib.js - what the benchmarks share: loading the compiled TypeScript with a clear hint, and flags.
'use strict';
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');

/** A dist/ module, or exit with what to run when the TypeScript is not built. */
function loader(bench) {
  return (mod) => {
    try {
      return require(path.join(ROOT, 'dist', mod));
    } catch (e) {
      console.error(`${bench} needs the compiled TypeScript (dist/${mod}): run npm run build:ts first (${e.message})`);
      process.exit(1);
    }
  };
}

/** The value after `--name` on the command line, or dflt. */
function arg(name, dflt) {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : dflt;
}

module.exports = { ROOT, loader, arg };
