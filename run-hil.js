#!/usr/bin/env node
// run-hil.js - the entry point users type. Builds on first use if `npm install` could not.
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const root = __dirname;
const needBuild = !fs.existsSync(path.join(root, 'dist', 'cli.js')) || !fs.existsSync(path.join(root, 'build', 'Release', 'tinyhil.node'));
if (needBuild) {
  process.stderr.write('tinyhil is not built yet: building (cmake-js + tsc)...\n');
  const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.js')], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status || 1);
}
require('./dist/cli').main(process.argv).then((code) => {
  process.exitCode = code;
  // Boards and ports are closed by now; should a child process or port linger, do not hang on it.
  setTimeout(() => process.exit(code), 3000).unref();
});
