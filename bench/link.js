#!/usr/bin/env node
// bench/link.js - link cost: payload/wire efficiency of 4 KiB frames, and a fixed list of kernel runs
// streamed to host-sim (time per run, bytes moved). Runs on dist/ when built, else on src/ via ts-node.
// Usage: node bench/link.js [--json FILE] [--repeat N]
'use strict';
const path = require('path');
const fs = require('fs');

const root = path.resolve(__dirname, '..');
let lib = path.join(root, 'dist');
if (!fs.existsSync(path.join(lib, 'board', 'open.js'))) {
  require('ts-node').register({ transpileOnly: true, project: path.join(root, 'tsconfig.json') });
  lib = path.join(root, 'src');
}
const { encodeFrame } = require(path.join(lib, 'protocol', 'frame'));
const { MsgType, FRAME_OVERHEAD, WRITE_HDR_BYTES } = require(path.join(lib, 'protocol', 'constants'));
const { openBoard } = require(path.join(lib, 'board', 'open'));
const { hostSimUnavailable } = require(path.join(lib, 'board', 'hostsim'));
const native = require(path.join(lib, 'native'));

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const repeat = Number(opt('--repeat', '3'));

function frameEfficiency(maxFrame) {
  const data = maxFrame - FRAME_OVERHEAD - WRITE_HDR_BYTES;
  const rows = [];
  for (const [label, fill] of [
    ['random', (i) => (Math.imul(i + 1, 2654435761) >>> 24) & 0xff],
    ['zeros', () => 0],
    ['no zeros', () => 0x55],
  ]) {
    const payload = new Uint8Array(4 + data);
    for (let i = 0; i < data; i++) payload[4 + i] = fill(i);
    const req = encodeFrame(MsgType.WRITE, 1234, payload).length;
    const reply = encodeFrame(MsgType.WRITE | 0x80, 1234, new Uint8Array(8)).length;
    rows.push({ data: label, maxFrame, payloadBytes: data, wireBytes: req, efficiency: data / req, roundTripEfficiency: data / (req + reply) });
  }
  return rows;
}

/** A fixed list of runs standing in for the example sweep (the harness provides the real one). */
function points() {
  const list = [];
  for (const S of [16, 32, 64]) {
    for (const [E, P, H] of [
      [64, 16, 2],
      [64, 32, 4],
    ]) {
      for (const kernel of ['linear_qk', 'linear_v', 'qk_softmax', 'av', 'linear_o', 'mhsa', 'mhsa_fwsa']) list.push({ kernel, shape: { S, E, P, H } });
    }
  }
  return list;
}

function request(p, seed) {
  const k = native.kernelInfo(p.kernel);
  let s = seed >>> 0;
  const next = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 24) & 0xff;
  const inputs = native.kernelSizes(p.kernel, p.shape).inputs.map((n) => Uint8Array.from({ length: n }, next));
  return { kernel: p.kernel, shape: p.shape, rq: Array.from({ length: k.nRq }, () => [385, 16]), consts: [], inputs };
}

async function sweep() {
  const why = hostSimUnavailable();
  if (why) return { skipped: why };
  const board = await openBoard({ board: 'host-sim' });
  const list = points();
  const runs = [];
  try {
    // Warm-up (first-touch of the arena, JIT).
    await board.run(request(list[0], 1));
    for (const [i, p] of list.entries()) {
      const req = request(p, i + 1);
      const inBytes = req.inputs.reduce((n, b) => n + b.length, 0);
      const times = [];
      let r;
      for (let k = 0; k < repeat; k++) {
        const t0 = process.hrtime.bigint();
        r = await board.run(req);
        times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
      const golden = native.run(req);
      if (!Buffer.from(r.output).equals(golden)) throw new Error(`${p.kernel} ${JSON.stringify(p.shape)}: board output differs from the addon`);
      times.sort((a, b) => a - b);
      runs.push({
        kernel: p.kernel,
        ...p.shape,
        inputBytes: inBytes,
        outputBytes: r.output.length,
        linkMs: times[Math.floor(times.length / 2)],
        kernelMs: r.counter / 1e6,
      });
    }
  } finally {
    await board.close();
  }
  const total = runs.reduce((n, r) => n + r.linkMs, 0);
  const kernel = runs.reduce((n, r) => n + r.kernelMs, 0);
  const bytes = runs.reduce((n, r) => n + r.inputBytes + r.outputBytes, 0);
  return { board: 'host-sim', points: runs.length, repeatPerPoint: repeat, totalMs: total, kernelMs: kernel, bytes, throughputKiBs: bytes / 1024 / (total / 1000), runs };
}

/**
 * The example sweep (examples/testConfig.yml) streamed over host-sim through the harness, against the
 * reference harness's flow: regenerate a header, rebuild from clean and run, per point (bench/rebuild.js).
 * Rebuilding every point takes minutes, so by default it runs on an even sample of points and the
 * per-point mean is compared; --rebuild-all rebuilds every point.
 */
async function streamedVsRebuild() {
  const why = hostSimUnavailable();
  if (why) return { skipped: why };
  const { loadConfig } = require(path.join(lib, 'harness', 'config'));
  const { expandPoints } = require(path.join(lib, 'harness', 'points'));
  const { runOnBoards } = require(path.join(lib, 'harness', 'run'));
  const { KERNELS } = require(path.join(lib, 'golden'));
  const { generateInputs } = require(path.join(lib, 'gen'));
  const { rebuildSweep } = require('./rebuild');
  const points = expandPoints(loadConfig(path.join(root, 'examples', 'testConfig.yml')));
  const board = await openBoard({ board: 'host-sim' });
  let streamed;
  try {
    const t0 = process.hrtime.bigint();
    const { results } = await runOnBoards([{ board }], points, { quiet: true });
    streamed = { seconds: Number(process.hrtime.bigint() - t0) / 1e9, ok: results.filter((r) => r.bitExact).length, total: results.length };
  } finally {
    await board.close();
  }
  const all = args.includes('--rebuild-all');
  const n = all ? points.length : Math.min(points.length, Number(opt('--rebuild-sample', '8')));
  const sample = all ? points : Array.from({ length: n }, (_, i) => points[Math.floor((i * points.length) / n)]);
  const bytes = (a) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const rebuilt = await rebuildSweep(sample.map((p) => ({ ...p, cores: 1 })), {
    KERNELS, generateInputs, kernelId: (k) => native.kernelInfo(k).id,
    golden: (p, ins) => native.run({ kernel: p.kernel, shape: p.shape, split: p.split, rq: p.rq, consts: p.consts, inputs: ins.map(bytes), cores: 1 }),
  });
  return { points: points.length, streamed, rebuilt, rebuiltSample: sample.length };
}

(async () => {
  const eff = frameEfficiency(4096);
  console.log('Frame efficiency (WRITE, 4 KiB frames):');
  for (const r of eff) {
    console.log(`  ${r.data.padEnd(9)} ${r.payloadBytes} data bytes in ${r.wireBytes} wire bytes: ${(100 * r.efficiency).toFixed(2)}% (with reply ${(100 * r.roundTripEfficiency).toFixed(2)}%)`);
  }
  const sw = await sweep();
  if (sw.skipped) console.log(`Sweep skipped: ${sw.skipped}`);
  else {
    console.log(`\nSweep over host-sim: ${sw.points} runs (median of ${sw.repeatPerPoint}), all bit-exact`);
    console.log('  kernel       S   E   P  H   in B  out B  link ms  kernel ms');
    for (const r of sw.runs) {
      console.log(
        `  ${r.kernel.padEnd(11)} ${String(r.S).padStart(3)} ${String(r.E).padStart(3)} ${String(r.P).padStart(3)} ${String(r.H).padStart(2)} ${String(r.inputBytes).padStart(6)} ${String(r.outputBytes).padStart(6)} ${r.linkMs.toFixed(2).padStart(8)} ${r.kernelMs.toFixed(3).padStart(10)}`,
      );
    }
    console.log(`  total ${sw.totalMs.toFixed(1)} ms for ${sw.points} runs (${(sw.totalMs / sw.points).toFixed(2)} ms/run; kernels ${sw.kernelMs.toFixed(1)} ms), ${sw.bytes} tensor bytes, ${sw.throughputKiBs.toFixed(0)} KiB/s`);
  }
  const cmp = await streamedVsRebuild();
  if (cmp.skipped) console.log(`Streamed vs rebuild skipped: ${cmp.skipped}`);
  else {
    const perStreamed = cmp.streamed.seconds / cmp.streamed.total;
    const perRebuilt = cmp.rebuilt.seconds / cmp.rebuilt.total;
    console.log(`\nExample sweep (examples/testConfig.yml, ${cmp.points} points), measured in this run:`);
    console.log(`  streamed over host-sim:        ${cmp.streamed.seconds.toFixed(2)} s for ${cmp.streamed.total} points (${(1000 * perStreamed).toFixed(1)} ms/point), ${cmp.streamed.ok}/${cmp.streamed.total} bit-exact`);
    console.log(`  rebuild per point (reference): ${cmp.rebuilt.seconds.toFixed(2)} s for ${cmp.rebuilt.total} points (${(1000 * perRebuilt).toFixed(0)} ms/point), ${cmp.rebuilt.ok}/${cmp.rebuilt.total} bit-exact${cmp.rebuiltSample < cmp.points ? ` (an even sample; the whole sweep would take ~${(perRebuilt * cmp.points).toFixed(0)} s; --rebuild-all to run it)` : ''}`);
    console.log(`  streamed is ${(perRebuilt / perStreamed).toFixed(0)}x faster per point (target >= 10x)`);
  }
  const json = opt('--json');
  if (json) fs.writeFileSync(json, JSON.stringify({ frameEfficiency: eff, sweep: sw, streamedVsRebuild: cmp }, null, 2));
})().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
