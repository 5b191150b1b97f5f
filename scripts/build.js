#!/usr/bin/env node
// build.js - what `npm install` runs: the native addon and host-sim (cmake-js) and the
// TypeScript (tsc). Skips a step whose outputs are newer than its sources, unless --force.
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const force = process.argv.includes('--force');

function newest(dir, exts) {
  let t = 0;
  if (!fs.existsSync(dir)) return t;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newest(p, exts));
    else if (exts.some((x) => e.name.endsWith(x))) t = Math.max(t, fs.statSync(p).mtimeMs);
  }
  return t;
}
const mtime = (p) => (fs.existsSync(p) ? fs.statSync(p).mtimeMs : 0);

function run(cmd, args) {
  console.log(`[tinyhil build] ${path.basename(cmd)} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`[tinyhil build] failed: ${cmd} ${args.join(' ')} (exit ${r.status})`);
    process.exit(r.status || 1);
  }
}

const cSources = Math.max(
  newest(path.join(root, 'kernels'), ['.c', '.h', '.txt']),
  newest(path.join(root, 'firmware', 'core'), ['.c', '.h', '.txt']),
  newest(path.join(root, 'firmware', 'boards', 'host-sim'), ['.c', '.h', '.txt']),
  newest(path.join(root, 'binding'), ['.cc', '.h']),
  mtime(path.join(root, 'CMakeLists.txt')),
);
const addon = path.join(root, 'build', 'Release', 'tinyhil.node');
if (force || mtime(addon) < cSources) {
  const cmakeJs = require.resolve('cmake-js/bin/cmake-js');
  run(process.execPath, [cmakeJs, 'compile', '--log-level', 'warn', '--parallel', '2']);
}

const tsSources = newest(path.join(root, 'src'), ['.ts', '.json']);
const tsOut = path.join(root, 'dist', 'cli.js');
if (force || mtime(tsOut) < Math.max(tsSources, mtime(path.join(root, 'tsconfig.json')))) {
  let tsc;
  try {
    tsc = require.resolve('typescript/bin/tsc');
  } catch {
    console.error('[tinyhil build] typescript is not installed: run `npm install` (with dev dependencies)');
    process.exit(1);
  }
  run(process.execPath, [tsc, '-p', 'tsconfig.json']);
}
