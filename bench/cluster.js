#!/usr/bin/env node
// bench/cluster.js - `npm run bench:cluster`: the emulated cluster (qemu-rv32, QEMU virt -smp 8).
// Per kernel at the EEG shape S=81 E=32 P=32 H=8 (mhsa_dft with T=9): the critical path with 1 core
// and its speed-up at 2, 4 and 8 harts, and the load imbalance (max/mean of the cores' work) at
// each; M1 (qk_softmax) and M2 (av) with both splits, heads and rows. Counts are instructions
// (QEMU -icount; firmware/boards/common/cluster/th_cluster.h defines work, wait, critical path).
// Every output is checked bit-exact against the golden model.
//   options: --seed N  --json FILE  --kernels a,b,c
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const { ROOT, loader, arg } = require('./lib');
const load = loader('bench:cluster');

const { openBoard } = load('board/open');
const { qemuUnavailable } = load('board/qemu');
const { KERNELS, KERNEL_BY_ID, runGolden, compare } = load('golden');
const { generateInputs, tensorBytes } = load('gen');

const seed = Number(arg('--seed', '1'));
const jsonOut = arg('--json', null);
const only = arg('--kernels', null)?.split(',');
const CORES = [1, 2, 4, 8];
const base = { S: 81, E: 32, P: 32, H: 8 };

async function main() {
  const why = qemuUnavailable('qemu-rv32');
  if (why) {
    console.error(`bench:cluster: ${why}`);
    process.exit(1);
  }
  const rows = [];
  for (const k of KERNEL_BY_ID) {
    if (only && !only.includes(k.name)) continue;
    const splits = k.name === 'qk_softmax' || k.name === 'av' ? ['heads', 'rows'] : ['heads'];
    for (const split of splits) rows.push({ kernel: k.name, split: splits.length > 1 ? split : '-', splitArg: split });
  }
  const b = await openBoard({ board: 'qemu-rv32', runTimeoutMs: 300_000, qemu: { harts: 8 } });
  const out = [];
  try {
    if (b.info.nCores !== 8) throw new Error(`qemu-rv32 started with -smp 8 reports ${b.info.nCores} cores`);
    for (const r of rows) {
      const k = KERNELS[r.kernel];
      const shape = { ...base, ...(k.usesT ? { T: 9 } : {}) };
      const inputs = generateInputs(r.kernel, shape, seed);
      const rq = k.defaultRq;
      const consts = k.defaultConsts ?? [];
      const want = runGolden(r.kernel, { ...shape, split: r.splitArg, rq, consts }, inputs);
      const per = {};
      for (const cores of CORES) {
        const t0 = Date.now();
        const res = await b.run({ kernel: r.kernel, shape, split: r.splitArg, rq, consts, inputs: inputs.map(tensorBytes), cores });
        const mism = compare(r.kernel, shape, res.output, want);
        if (mism) throw new Error(`${r.kernel} ${r.split} with ${cores} cores is not bit-exact: ${mism}`);
        const mean = res.perCore.reduce((a, c) => a + c, 0) / cores;
        per[cores] = { critical: res.criticalPath, total: res.counter, perCore: res.perCore, wait: res.perCoreWait, imbalance: Math.max(...res.perCore) / mean };
        process.stderr.write(`${r.kernel} ${r.split} ${cores} core(s): critical ${res.criticalPath} (${Date.now() - t0} ms)\n`);
      }
      out.push({ ...r, shape, macs: k.macs(shape), per });
    }
  } finally {
    await b.close();
  }
  const head = ['kernel', 'split', 'MACs', 'critical@1', 'x2', 'x4', 'x8', 'imb@2', 'imb@4', 'imb@8'];
  const lines = out.map((o) => [
    o.kernel, o.split, String(o.macs), String(o.per[1].critical),
    ...[2, 4, 8].map((c) => (o.per[1].critical / o.per[c].critical).toFixed(2)),
    ...[2, 4, 8].map((c) => o.per[c].imbalance.toFixed(2)),
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (l) => l.map((c, i) => (i < 2 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ');
  console.log(`qemu-rv32 cluster (QEMU virt -smp 8, -icount shift=0), S=${base.S} E=${base.E} P=${base.P} H=${base.H} (mhsa_dft T=9), seed ${seed}`);
  console.log('critical path in instructions (sum over barrier phases of the slowest core); xN = critical@1 / critical@N;');
  console.log('imb@N = max / mean of the cores\' work at N cores (1.00 = balanced); every output bit-exact');
  console.log(fmt(head));
  console.log(w.map((n) => '-'.repeat(n)).join('  '));
  for (const l of lines) console.log(fmt(l));
  if (jsonOut) {
    fs.writeFileSync(jsonOut, JSON.stringify({ board: 'qemu-rv32', harts: 8, seed, results: out.map(({ splitArg, ...o }) => o) }, null, 2) + '\n');
    console.log(`written to ${jsonOut}`);
  }
}

main().catch((e) => {
  console.error(`bench:cluster: ${e.message}`);
  process.exit(1);
});
