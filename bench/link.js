#!/usr/bin/env node
// bench/link.js - link cost: payload/wire efficiency of 4 KiB frames, and a fixed list of kernel runs
// streamed to host-sim (time per run, bytes moved). Runs on dist/ when built, else on src/ via ts-node.
// Then the damage table: the example sweep through tools/fault-relay.js at 0%, 0.1% and 1% damage.
// Then like with like on qemu-m4: a sample of the example sweep streamed to one running qemu-m4 vs
// rebuilding the qemu-m4 firmware with the inputs baked in and booting QEMU per point.
// Usage: node bench/link.js [--json FILE] [--repeat N] [--rebuild-points N] [--no-qemu] [--damage-config FILE] [--damage LIST] [--no-damage | --damage-only]
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

/**
 * Like with like on qemu-m4: an even sample of --rebuild-points N points (default 8) of the example sweep,
 * on one core, (a) streamed to one running qemu-m4 (the qemu-m4 board through src/, booted once) and
 * (b) the reference harness's way, per point: regenerate the header, rebuild the qemu-m4 firmware from
 * clean with the inputs baked in, boot it on QEMU and compare its output with the golden (bench/rebuild.js).
 */
async function qemuM4VsRebuild() {
  const { qemuUnavailable } = require(path.join(lib, 'board', 'qemu'));
  const why = qemuUnavailable('qemu-m4');
  if (why) return { skipped: why };
  const { loadConfig } = require(path.join(lib, 'harness', 'config'));
  const { expandPoints } = require(path.join(lib, 'harness', 'points'));
  const { runOnBoards } = require(path.join(lib, 'harness', 'run'));
  const { KERNELS } = require(path.join(lib, 'golden'));
  const { generateInputs } = require(path.join(lib, 'gen'));
  const { rebuildSweepQemuM4 } = require('./rebuild');
  const all = expandPoints(loadConfig(path.join(root, 'examples', 'testConfig.yml')));
  const n = Math.min(all.length, Number(opt('--rebuild-points', '8')));
  if (!Number.isInteger(n) || n < 1) throw new Error(`--rebuild-points: expected an integer >= 1, found ${opt('--rebuild-points')}`);
  const sample = Array.from({ length: n }, (_, i) => ({ ...all[Math.floor((i * all.length) / n)], cores: 1 }));
  const tb = process.hrtime.bigint();
  const board = await openBoard({ board: 'qemu-m4' });
  const bootSeconds = Number(process.hrtime.bigint() - tb) / 1e9;
  let streamed;
  try {
    // One point per call, so each point's wall time is known (the same requests as one call of all).
    const perPoint = [];
    let ok = 0;
    for (const p of sample) {
      const t0 = process.hrtime.bigint();
      const { results } = await runOnBoards([{ board }], [p], { quiet: true, log: () => undefined });
      perPoint.push(Number(process.hrtime.bigint() - t0) / 1e9);
      ok += results.filter((r) => r.bitExact).length;
    }
    streamed = { seconds: perPoint.reduce((a, b) => a + b, 0), bootSeconds, ok, total: sample.length, perPoint };
  } finally {
    await board.close();
  }
  const bytes = (a) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const rebuilt = await rebuildSweepQemuM4(sample, {
    KERNELS, generateInputs, kernelId: (k) => native.kernelInfo(k).id,
    golden: (p, ins) => native.run({ kernel: p.kernel, shape: p.shape, split: p.split, rq: p.rq, consts: p.consts, inputs: ins.map(bytes), cores: 1 }),
  });
  if (rebuilt.skipped) return { skipped: rebuilt.skipped };
  return { points: all.length, sample: sample.map((p) => `${p.kernel} ${JSON.stringify(p.shape)}`), streamed, rebuilt };
}

/**
 * Time and bytes of one sweep through the fault relay at each damage level d: bytes flipped with
 * probability d, dropped with d/5, duplicated with d/5, each direction (d = 1%: the issue-8 line).
 * Every level runs the same points on a fresh host-sim and must end with every point bit-exact.
 */
async function damageTable() {
  const why = hostSimUnavailable() || require('../tools/fault-relay-start').socatMissing();
  if (why) return { skipped: why };
  const { startRelay } = require('../tools/fault-relay-start');
  const { startHostSim } = require(path.join(lib, 'board', 'hostsim'));
  const { loadConfig } = require(path.join(lib, 'harness', 'config'));
  const { expandPoints } = require(path.join(lib, 'harness', 'points'));
  const { runOnBoards } = require(path.join(lib, 'harness', 'run'));
  const config = opt('--damage-config', path.join(root, 'examples', 'testConfig.yml'));
  const levels = opt('--damage', '0,0.001,0.01').split(',').map(Number);
  const points = expandPoints(loadConfig(config));
  const tensorBytes = points.reduce((n, p) => n + native.kernelSizes(p.kernel, p.shape).inputs.reduce((a, b) => a + b, 0) + native.kernelSizes(p.kernel, p.shape).output, 0);
  const rows = [];
  for (const d of levels) {
    const sim = await startHostSim({ arenaBytes: 1 << 22 });
    const relay = await startRelay(['--seed', '1', '--flip', String(d), '--drop', String(d / 5), '--dup', String(d / 5), '--board-port', sim.port, '--quiet']);
    let row;
    try {
      const board = await openBoard({ board: 'host-sim', port: relay.port });
      try {
        const t0 = process.hrtime.bigint();
        const { results } = await runOnBoards([{ board }], points, { quiet: true, log: () => undefined });
        const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
        const c = board.client.stats;
        row = { damage: d, seconds, ok: results.filter((r) => r.bitExact).length, total: points.length, hostToBoard: c.bytesOut, boardToHost: c.bytesIn, requests: c.requests, resends: c.resends, timeouts: c.timeouts, chunkAtEnd: board.client.chunkLimit };
      } finally {
        await board.close();
      }
    } finally {
      const st = await relay.stop();
      await sim.stop();
      if (row && st) row.faults = st.toBoard.dropped + st.toBoard.duplicated + st.toBoard.flipped + st.toHost.dropped + st.toHost.duplicated + st.toHost.flipped;
    }
    rows.push(row);
  }
  return { config: config.startsWith(root) ? path.relative(root, config) : config, points: points.length, tensorBytes, rows };
}

(async () => {
  const eff = frameEfficiency(4096);
  console.log('Frame efficiency (WRITE, 4 KiB frames):');
  for (const r of eff) {
    console.log(`  ${r.data.padEnd(9)} ${r.payloadBytes} data bytes in ${r.wireBytes} wire bytes: ${(100 * r.efficiency).toFixed(2)}% (with reply ${(100 * r.roundTripEfficiency).toFixed(2)}%)`);
  }
  const sw = args.includes('--damage-only') ? { skipped: '--damage-only' } : await sweep();
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
  const cmp = args.includes('--damage-only') ? { skipped: '--damage-only' } : await streamedVsRebuild();
  if (cmp.skipped) console.log(`Streamed vs rebuild skipped: ${cmp.skipped}`);
  else {
    const perStreamed = cmp.streamed.seconds / cmp.streamed.total;
    const perRebuilt = cmp.rebuilt.seconds / cmp.rebuilt.total;
    console.log(`\nExample sweep (examples/testConfig.yml, ${cmp.points} points), measured in this run:`);
    console.log(`  streamed over host-sim:        ${cmp.streamed.seconds.toFixed(2)} s for ${cmp.streamed.total} points (${(1000 * perStreamed).toFixed(1)} ms/point), ${cmp.streamed.ok}/${cmp.streamed.total} bit-exact`);
    console.log(`  rebuild per point (reference): ${cmp.rebuilt.seconds.toFixed(2)} s for ${cmp.rebuilt.total} points (${(1000 * perRebuilt).toFixed(0)} ms/point), ${cmp.rebuilt.ok}/${cmp.rebuilt.total} bit-exact${cmp.rebuiltSample < cmp.points ? ` (an even sample; the whole sweep would take ~${(perRebuilt * cmp.points).toFixed(0)} s; --rebuild-all to run it)` : ''}`);
    console.log(`  streamed is ${(perRebuilt / perStreamed).toFixed(0)}x faster per point (target >= 10x)`);
  }
  const m4 = args.includes('--damage-only') || args.includes('--no-qemu') ? { skipped: args.includes('--no-qemu') ? '--no-qemu' : '--damage-only' } : await qemuM4VsRebuild();
  if (m4.skipped) console.log(`\nqemu-m4 streamed vs rebuild skipped: ${m4.skipped}`);
  else {
    const ps = m4.streamed.seconds / m4.streamed.total;
    const pr = m4.rebuilt.seconds / m4.rebuilt.total;
    console.log(`\nLike with like on qemu-m4, one core: ${m4.rebuilt.total} of the ${m4.points} example points (an even sample; --rebuild-points N), measured in this run:`);
    console.log('  point                                               streamed s  rebuild+boot s');
    m4.sample.forEach((name, i) => console.log(`  ${name.padEnd(51)} ${m4.streamed.perPoint[i].toFixed(3).padStart(10)} ${m4.rebuilt.perPoint[i].toFixed(2).padStart(15)}`));
    console.log(`  streamed to one running qemu-m4:        ${m4.streamed.seconds.toFixed(2)} s for ${m4.streamed.total} points (${(1000 * ps).toFixed(1)} ms/point; boot ${m4.streamed.bootSeconds.toFixed(2)} s once, not counted), ${m4.streamed.ok}/${m4.streamed.total} bit-exact`);
    console.log(`  rebuild firmware + boot QEMU per point:  ${m4.rebuilt.seconds.toFixed(2)} s for ${m4.rebuilt.total} points (${(1000 * pr).toFixed(0)} ms/point), ${m4.rebuilt.ok}/${m4.rebuilt.total} bit-exact`);
    console.log(`  streamed is ${(pr / ps).toFixed(0)}x faster per point (${(m4.rebuilt.seconds / (m4.streamed.seconds + m4.streamed.bootSeconds)).toFixed(0)}x counting the one boot)`);
  }
  const dmg = args.includes('--no-damage') ? { skipped: '--no-damage' } : await damageTable();
  if (dmg.skipped) console.log(`\nDamage table skipped: ${dmg.skipped}`);
  else {
    console.log(`\nDamaged line (tools/fault-relay.js; damage d: each byte, each way, flipped with p = d, dropped d/5, duplicated d/5),`);
    console.log(`${dmg.config}, ${dmg.points} points, ${dmg.tensorBytes} tensor bytes (inputs + outputs), host-sim behind the relay:`);
    console.log('  damage  time s  bit-exact   host->board B  board->host B  wire B/tensor B  requests  resends  timeouts  faults  chunk at end');
    for (const r of dmg.rows) {
      console.log(
        `  ${(100 * r.damage).toFixed(1).padStart(5)}% ${r.seconds.toFixed(1).padStart(7)} ${`${r.ok}/${r.total}`.padStart(10)} ${String(r.hostToBoard).padStart(15)} ${String(r.boardToHost).padStart(14)} ${((r.hostToBoard + r.boardToHost) / dmg.tensorBytes).toFixed(2).padStart(16)} ${String(r.requests).padStart(9)} ${String(r.resends).padStart(8)} ${String(r.timeouts).padStart(9)} ${String(r.faults ?? '-').padStart(7)} ${String(r.chunkAtEnd).padStart(13)}`,
      );
    }
  }
  const json = opt('--json');
  if (json) fs.writeFileSync(json, JSON.stringify({ frameEfficiency: eff, sweep: sw, streamedVsRebuild: cmp, qemuM4VsRebuild: m4, damage: dmg }, null, 2));
})().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
