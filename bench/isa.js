#!/usr/bin/env node
// bench/isa.js - `npm run bench:isa`: instructions per MAC on qemu-m4 (Cortex-M4, QEMU -icount),
// portable C path vs the ARM DSP (SMLAD/SXTB16) path, at the EEGFormer attention shape
// S=81 E=32 P=32 H=8: the three projections and both attention matmuls, side by side.
// Two firmwares: build/fw-qemu-m4 (DSP) and build/fw-qemu-m4-nodsp (-DTH_NO_DSP=ON); missing ones
// are built first. Every output is checked bit-exact against the golden model.
//   options: --board qemu-m4|qemu-m7  --seed N  --json FILE
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const ROOT = path.resolve(__dirname, '..');
function load(mod) {
  try {
    return require(path.join(ROOT, 'dist', mod));
  } catch (e) {
    console.error(`bench:isa needs the compiled TypeScript (dist/${mod}): run npm run build:ts first (${e.message})`);
    process.exit(1);
  }
}

function arg(name, dflt) {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : dflt;
}

const board = arg('--board', 'qemu-m4');
if (!['qemu-m4', 'qemu-m7'].includes(board)) {
  console.error(`bench:isa: --board must be qemu-m4 or qemu-m7 (boards with a DSP path), got "${board}"`);
  process.exit(2);
}
const seed = Number(arg('--seed', '1'));
const jsonOut = arg('--json', null);
const shape = { S: 81, E: 32, P: 32, H: 8 };
const KERNELS_RUN = [
  ['linear_qk', 'Q/K projection'],
  ['linear_v', 'V projection'],
  ['linear_o', 'output projection'],
  ['qk_softmax', 'M1: QK^T + softmax'],
  ['av', 'M2: A.V'],
];

const { openBoard } = load('board/open');
const { qemuUnavailable } = load('board/qemu');
const { KERNELS, runGolden, compare } = load('golden');
const { generateInputs, tensorBytes } = load('gen');

const variants = [
  { name: 'portable', dir: `fw-${board}-nodsp` },
  { name: 'DSP', dir: `fw-${board}` },
];

function ensureBuilt() {
  const missing = variants.filter((v) => !fs.existsSync(path.join(ROOT, 'build', v.dir, `tinyhil-${board}.elf`)));
  if (missing.length === 0) return;
  console.log(`building ${missing.map((v) => v.dir).join(', ')} ...`);
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build-firmware.js'), '--board', board, '--no-dsp'], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(1);
}

async function measure(variant) {
  const elf = path.join(ROOT, 'build', variant.dir, `tinyhil-${board}.elf`);
  const why = qemuUnavailable(board, elf);
  if (why) throw new Error(why);
  const b = await openBoard({ board, qemu: { elf }, runTimeoutMs: 300000 });
  const out = {};
  try {
    for (const [kernel] of KERNELS_RUN) {
      const k = KERNELS[kernel];
      const inputs = generateInputs(kernel, shape, seed);
      const rq = k.defaultRq;
      const res = await b.run({ kernel, shape, rq, inputs: inputs.map(tensorBytes) });
      const want = runGolden(kernel, { ...shape, rq }, inputs);
      const bad = compare(kernel, shape, res.output, want);
      if (bad) throw new Error(`${variant.name} firmware: ${bad}`);
      out[kernel] = res.counter;
    }
  } finally {
    await b.close();
  }
  return out;
}

async function main() {
  ensureBuilt();
  const counts = {};
  for (const v of variants) counts[v.name] = await measure(v);
  const rows = KERNELS_RUN.map(([kernel, what]) => {
    const macs = KERNELS[kernel].macs(shape);
    const p = counts.portable[kernel];
    const d = counts.DSP[kernel];
    return { kernel, what, macs, portable: p, dsp: d, portablePerMac: p / macs, dspPerMac: d / macs, speedup: p / d };
  });
  const head = ['kernel', 'MACs', 'portable instr', 'instr/MAC', 'DSP instr', 'instr/MAC', 'portable/DSP'];
  const body = rows.map((r) => [
    `${r.kernel} (${r.what})`, String(r.macs), String(r.portable), r.portablePerMac.toFixed(3), String(r.dsp), r.dspPerMac.toFixed(3), `${r.speedup.toFixed(2)}x`,
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ');
  console.log(`\n${board}: retired instructions per kernel (QEMU -icount; not cycles), S=${shape.S} E=${shape.E} P=${shape.P} H=${shape.H}, seed ${seed}, outputs bit-exact`);
  console.log(line(head));
  for (const r of body) console.log(line(r));
  if (jsonOut) {
    fs.writeFileSync(jsonOut, JSON.stringify({ board, shape, seed, unit: 'instructions (QEMU)', rows }, null, 2));
    console.log(`written to ${jsonOut}`);
  }
}

main().catch((e) => {
  console.error(`bench:isa: ${e.message}`);
  process.exit(1);
});
