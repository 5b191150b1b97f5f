#!/usr/bin/env node
// bench/model.js - encoder blocks end to end (examples/models/<app>-<form>.yml):
//   1. instructions per block for full / FWSA / DFT attention on qemu-m4, qemu-m7, qemu-rv32 (every layer checked bit-exact);
//   2. parameters full vs FWSA, activation peak full vs DFT (the memory plan);
//   3. one request (GRAPH) vs layer by layer: host wall time of the block on host-sim and qemu-m4 (the link's share).
// The paper's figure (arXiv 2404.02945) is printed beside ours where the metric is the same.
// Usage: node bench/model.js [--boards qemu-m4,qemu-m7,qemu-rv32] [--apps eeg,ecg,radar] [--reps 3]
//                            [--only static,instructions,link] [--json FILE]
'use strict';
const path = require('path');
const fs = require('fs');

const root = path.resolve(__dirname, '..');
const lib = path.join(root, 'dist');
if (!fs.existsSync(path.join(lib, 'model', 'run.js'))) {
  console.error('bench:model needs the built TypeScript (npm run build)');
  process.exit(2);
}
const { loadModel, parameterCount } = require(path.join(lib, 'model', 'load'));
const { runModel, planForBoard } = require(path.join(lib, 'model', 'run'));
const { openBoard } = require(path.join(lib, 'board', 'open'));
const { qemuUnavailable } = require(path.join(lib, 'board', 'qemu'));
const { hostSimUnavailable } = require(path.join(lib, 'board', 'hostsim'));

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const BOARDS = opt('--boards', 'qemu-m4,qemu-m7,qemu-rv32').split(',');
const APPS = opt('--apps', 'eeg,ecg,radar').split(',');
const FORMS = ['full', 'fwsa', 'dft'];
const REPS = Number(opt('--reps', '3'));
const ONLY = opt('--only', 'static,instructions,link').split(',');
const file = (app, form) => path.join(root, 'examples', 'models', `${app}-${form}.yml`);
const int = (n) => (n === undefined ? '-' : Math.round(n).toLocaleString('en-US'));
const out = { instructions: [], params: [], peaks: [], link: [] };

function table(head, rows) {
  const all = [head, ...rows].map((r) => r.map(String));
  const w = head.map((_, i) => Math.max(...all.map((r) => [...r[i]].length)));
  return all.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ')).join('\n');
}

/** Weights of the attention tensors (what FWSA trades): Wq/Wk/Wv/Wo or Wf/Wv/Wo, and their biases. */
function attentionParams(m) {
  const attn = m.nodes.filter((n) => ['linear_qk', 'linear_v', 'linear_o', 'mhsa', 'mhsa_fwsa', 'mhsa_dft', 'fwsa'].includes(n.kernel) && !n.name.startsWith('ffn'));
  const names = new Set(attn.flatMap((n) => n.inputs).filter((t) => m.tensors.get(t).role === 'weight'));
  let n = 0;
  for (const t of names) n += m.tensors.get(t).shape.reduce((a, b) => a * b, 1);
  return n;
}

/** Runs `fn(board, name)` on each of [name, why-unavailable] in turn: says why a board is skipped, closes each. */
async function onBoards(boards, fn) {
  for (const [board, why] of boards) {
    if (why) {
      console.log(`${board}: skipped (${why})`);
      continue;
    }
    const b = await openBoard({ board, runTimeoutMs: 300000 });
    try {
      await fn(b, board);
    } finally {
      await b.close();
    }
  }
}

async function instructions() {
  await onBoards(BOARDS.map((board) => [board, qemuUnavailable(board)]), async (b, board) => {
    for (const app of APPS) {
      const row = { board, app };
      for (const form of FORMS) {
        const r = await runModel(b, loadModel(file(app, form)));
        row[form] = r.total;
        row[`${form}Exact`] = r.bitExact;
        row[`${form}Attention`] = r.nodes.filter((n) => !/^(add|ln|ffn|gelu)/.test(n.name)).reduce((s, n) => s + n.counter, 0);
      }
      out.instructions.push(row);
      process.stderr.write(`${board} ${app}: full ${row.full}, fwsa ${row.fwsa}, dft ${row.dft}\n`);
    }
  });
  console.log('\nInstructions per block (QEMU -icount; every layer bit-exact unless marked ✗); attention = the MHSA part');
  console.log(table(['board', 'block', 'full', 'FWSA', 'DFT', 'attn full', 'attn FWSA', 'attn DFT', 'FWSA/full attn', 'DFT/full attn'],
    out.instructions.map((r) => [r.board, r.app, ...FORMS.map((f) => `${int(r[f])}${r[`${f}Exact`] ? '' : ' ✗'}`),
      int(r.fullAttention), int(r.fwsaAttention), int(r.dftAttention),
      (r.fwsaAttention / r.fullAttention).toFixed(2), (r.dftAttention / r.fullAttention).toFixed(2)])));
  console.log('paper (GAP9 latency, not instructions): FWSA up to 1.53x faster than full MHSA where E < 2P');
}

function staticFigures() {
  for (const app of APPS) {
    const full = loadModel(file(app, 'full'));
    const fwsa = loadModel(file(app, 'fwsa'));
    const dft = loadModel(file(app, 'dft'));
    const s = full.nodes[0].shape;
    out.params.push({ app, S: s.S, E: s.E, P: s.P, H: s.H, blockFull: parameterCount(full), blockFwsa: parameterCount(fwsa), attnFull: attentionParams(full), attnFwsa: attentionParams(fwsa) });
    const info = { name: 'plan', arenaBytes: 0 };
    const pf = planForBoard(full, info);
    const pd = planForBoard(dft, info);
    const pw = planForBoard(fwsa, info);
    out.peaks.push({ app, full: pf.peakBytes, fullAt: full.nodes[pf.peakNode].name, fwsa: pw.peakBytes, dft: pd.peakBytes, dftAt: dft.nodes[pd.peakNode].name, T: dft.nodes[0].shape.T, arenaFull: pf.totalBytes, arenaDft: pd.totalBytes });
  }
  console.log('\nParameters (int8 weights + int16 biases, elements): full MHSA vs FWSA');
  console.log(table(['block', 'S E P H', 'attention full', 'attention FWSA', 'change', 'block full', 'block FWSA', 'change', 'paper'],
    out.params.map((r) => [r.app, `${r.S} ${r.E} ${r.P} ${r.H}`, int(r.attnFull), int(r.attnFwsa), `${(100 * (r.attnFwsa / r.attnFull - 1)).toFixed(1)}%`,
      int(r.blockFull), int(r.blockFwsa), `${(100 * (r.blockFwsa / r.blockFull - 1)).toFixed(1)}%`, r.E === r.P ? '-25% (E = P)' : '-'])));
  console.log('(FWSA replaces 2·H·P·E projection weights by H·E·E: it pays when E < 2P; paper: up to -25% parameters)');
  console.log('\nActivation peak (memory plan, bytes live at the worst layer): full MHSA vs DFT');
  console.log(table(['block', 'full', 'at', 'FWSA', 'DFT', 'at', 'T', 'full/DFT', 'arena full', 'arena DFT', 'paper'],
    out.peaks.map((r) => [r.app, int(r.full), r.fullAt, int(r.fwsa), int(r.dft), r.dftAt, r.T, `${(r.full / r.dft).toFixed(2)}x`, int(r.arenaFull), int(r.arenaDft), 'up to 6.19x'])));
  console.log('(paper: DFT cuts the MHSA memory peak by up to 6.19x, on its largest shapes; these blocks include the FFN and residuals)');
}

async function linkShare() {
  await onBoards([['host-sim', hostSimUnavailable()], ['qemu-m4', qemuUnavailable('qemu-m4')]], async (b, board) => {
    for (const app of APPS) {
      const m = loadModel(file(app, 'full'));
      // Fastest of REPS runs each way: wall time on a shared machine is noisy.
      const best = async (mode) => {
        let r;
        for (let i = 0; i < REPS; i++) {
          const x = await runModel(b, m, { mode });
          if (!r || x.wallMs < r.wallMs) r = x;
        }
        return r;
      };
      const layers = await best('layers');
      let graph;
      try {
        graph = await best('graph');
      } catch (e) {
        graph = { error: e.message.split('\n')[0] };
      }
      const same = graph.outputs ? Buffer.compare(Buffer.from(graph.outputs.y), Buffer.from(layers.outputs.y)) === 0 : undefined;
      out.link.push({ board, app, layersMs: layers.wallMs, layersTotal: layers.total, graphMs: graph.wallMs, graphTotal: graph.total, graphNodeSum: graph.nodes ? graph.nodes.reduce((s, n) => s + n.counter, 0) : undefined, same, graphError: graph.error, unit: layers.counterUnit });
    }
  });
  console.log(`\nOne request (GRAPH) vs layer by layer: host wall time of the block run (writes excluded, fastest of ${REPS}), full MHSA form`);
  console.log(table(['board', 'block', 'layers ms', 'graph ms', 'link share', 'counter layers', 'counter graph', 'node sum', 'same bytes'],
    out.link.map((r) => [r.board, r.app, int(r.layersMs), r.graphMs === undefined ? 'n/a' : int(r.graphMs),
      r.graphMs === undefined ? '-' : `${(100 * (1 - r.graphMs / r.layersMs)).toFixed(0)}%`, int(r.layersTotal), int(r.graphTotal), int(r.graphNodeSum),
      r.same === undefined ? `- (${r.graphError})` : r.same ? 'yes' : 'NO'])));
}

(async () => {
  if (ONLY.includes('static')) staticFigures();
  if (ONLY.includes('instructions')) await instructions();
  if (ONLY.includes('link')) await linkShare();
  const json = opt('--json');
  if (json) {
    fs.writeFileSync(json, JSON.stringify(out, null, 2) + '\n');
    console.log(`\nwritten to ${json}`);
  }
})().catch((e) => {
  console.error(e.stack || e.message);
  process.exit(1);
});
