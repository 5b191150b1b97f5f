#!/usr/bin/env node
// bench/host.js - `npm run bench:host`: figures measured side by side in one run:
// MHSA addon vs TS golden, optimised C (threads) vs plain scalar C, DFT vs full MHSA scratch.
'use strict';
const os = require('os');
const { KERNELS, runGolden } = require('../dist/golden');
const { generateInputs } = require('../dist/gen');
const native = require('../dist/native');

const bytes = (a) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Median wall time (ms) of fn over `reps` runs after one warm-up. */
function time(fn, reps) {
  fn();
  const ts = [];
  for (let i = 0; i < reps; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    ts.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  ts.sort((a, b) => a - b);
  return ts[Math.floor(ts.length / 2)];
}

const shape = { S: 128, E: 64, P: 64, H: 4, T: 16 };
const rq = KERNELS.mhsa.defaultRq;
const typed = generateInputs('mhsa', shape, 42);
const inputs = typed.map(bytes);
const cores = Math.min(8, os.cpus().length);
const req = (c) => ({ kernel: 'mhsa', shape, rq, inputs, cores: c });

console.log(`tinyhil bench:host on ${os.cpus()[0].model}, ${os.cpus().length} CPUs, node ${process.version}`);
console.log(`MHSA S=${shape.S} E=${shape.E} P=${shape.P} H=${shape.H}, ${native.macs('mhsa', shape).toLocaleString('en-US')} MACs; median of repeated runs\n`);

const tGolden = time(() => runGolden('mhsa', { ...shape, rq }, typed), 5);
const tAddon1 = time(() => native.run(req(1)), 20);
const tAddonN = time(() => native.run(req(cores)), 20);
const tRef = time(() => native.runReference(req(1)), 5);
const same = Buffer.from(bytes(runGolden('mhsa', { ...shape, rq }, typed))).equals(native.run(req(cores))) && native.runReference(req(1)).equals(native.run(req(1)));

const row = (name, ms) => console.log(`  ${name.padEnd(40)} ${ms.toFixed(3).padStart(10)} ms`);
row('TS golden model', tGolden);
row('plain scalar C (th_ref, 1 thread)', tRef);
row('optimised C, 1 thread', tAddon1);
row(`optimised C, ${cores} threads`, tAddonN);
console.log(`  outputs identical across all four: ${same ? 'yes' : 'NO'}\n`);
console.log(`  addon (${cores} threads) vs TS golden:        ${(tGolden / tAddonN).toFixed(1)}x   (target >= 50x)`);
console.log(`  optimised C (${cores} threads) vs plain C:     ${(tRef / tAddonN).toFixed(1)}x   (target >= 4x)`);
console.log(`  optimised C (1 thread) vs plain C:        ${(tRef / tAddon1).toFixed(1)}x`);

console.log('\nScratch peak, MHSA S=512 E=64 P=64 H=8 (bytes, 1 core):');
const big = { S: 512, E: 64, P: 64, H: 8 };
const full = native.scratchBytes('mhsa', big, 1);
for (const T of [1, 8, 16, 64]) {
  const dft = native.scratchBytes('mhsa_dft', { ...big, T }, 1);
  console.log(`  full ${full.toLocaleString('en-US')}  DFT T=${String(T).padEnd(3)} ${dft.toLocaleString('en-US').padStart(10)}  -> ${(full / dft).toFixed(2)}x lower (paper: up to 6.19x)`);
}
process.exit(same ? 0 : 1);
