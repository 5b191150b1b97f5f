#!/usr/bin/env node
// build.js - builds the Cortex-M4 timing-model QEMU plugin (th_m4_timing.c) with the host C compiler
// into build/m4-timing/th_m4_timing.so; rebuilt only when the source is newer. `node tools/m4-timing/build.js`.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
const SRC = path.join(__dirname, 'th_m4_timing.c');
const OUT = path.join(ROOT, 'build', 'm4-timing', 'th_m4_timing.so');

/** Path of the built plugin; throws with the compiler's message when it cannot be built. */
function buildM4TimingPlugin(out = OUT) {
  const fresh = fs.existsSync(out) && fs.statSync(out).mtimeMs >= fs.statSync(SRC).mtimeMs;
  if (fresh) return out;
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const cc = process.env.CC || 'gcc';
  const r = spawnSync(cc, ['-shared', '-fPIC', '-O2', '-Wall', '-Wextra', '-fvisibility=hidden', '-o', out, SRC], { encoding: 'utf8' });
  if (r.error) throw new Error(`cannot run ${cc} to build the M4 timing plugin: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`building the M4 timing plugin failed (${cc}):\n${r.stderr}`);
  return out;
}

module.exports = { buildM4TimingPlugin, M4_TIMING_PLUGIN: OUT };

if (require.main === module) {
  try {
    console.log(buildM4TimingPlugin());
  } catch (e) {
    console.error(e.message);
    process.exit(1);
  }
}
