#!/usr/bin/env node
// bench/multiboard.js - `npm run bench:multiboard [-- BOARD [N_POINTS]]`: the same sweep on 1 and on 2
// emulated boards in one run (work queue), and the speed-up. Default board qemu-rv32.
'use strict';
const os = require('os');
const { openBoard } = require('../dist/board/open');
const { runOnBoards } = require('../dist/harness/run');
const { KERNELS } = require('../dist/golden');

const boardName = process.argv[2] || 'qemu-rv32';
const nPoints = Number(process.argv[3] || 48);

function points() {
  const kernels = ['linear_qk', 'linear_v', 'linear_o', 'qk_softmax', 'av', 'mhsa'];
  const out = [];
  for (let i = 0; i < nPoints; i++) {
    const kernel = kernels[i % kernels.length];
    const S = 24 + 8 * (i % 3);
    const shape = { S, E: 32, P: 16, H: 2, T: S };
    out.push({ test: `p${i}`, kernel, split: 'heads', shape, cores: 1, seed: i, rq: KERNELS[kernel].defaultRq, consts: [] });
  }
  return out;
}

async function sweep(n) {
  const boards = await Promise.all(Array.from({ length: n }, () => openBoard({ board: boardName })));
  try {
    // Warm-up: one point per board, so both runs time a warm QEMU (translated code cached) and a warm JIT.
    await runOnBoards(boards.map((board) => ({ board })), points().slice(0, n), { quiet: true });
    const t0 = process.hrtime.bigint();
    const { results } = await runOnBoards(boards.map((board) => ({ board })), points(), { quiet: true });
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    const ok = results.filter((r) => r.bitExact).length;
    return { s, ok, total: results.length };
  } finally {
    await Promise.all(boards.map((b) => b.close()));
  }
}

(async () => {
  console.log(`tinyhil bench:multiboard: ${nPoints} points on ${boardName}, ${os.cpus().length} CPUs (${os.cpus()[0].model})`);
  const one = await sweep(1);
  const two = await sweep(2);
  console.log(`  1 board : ${one.s.toFixed(2)} s  (${one.ok}/${one.total} bit-exact)`);
  console.log(`  2 boards: ${two.s.toFixed(2)} s  (${two.ok}/${two.total} bit-exact)`);
  console.log(`  speed-up: ${(one.s / two.s).toFixed(2)}x (target >= 1.8x; limited by ${os.cpus().length} CPUs shared by the QEMU processes and this one)`);
  process.exit(one.ok === one.total && two.ok === two.total ? 0 : 1);
})().catch((e) => { console.error(e); process.exit(1); });
