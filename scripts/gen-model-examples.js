#!/usr/bin/env node
// gen-model-examples.js - writes examples/models/<app>-<form>.yml: one encoder block per application
// (EEG, ECG, radar) in three attention forms (full MHSA, FWSA, DFT). The requantisation pairs are
// chosen from the seeded data's statistics (uniform int8: std ≈ 74) so activations stay inside int8
// instead of saturating. Run after `npm run build`: node scripts/gen-model-examples.js
'use strict';
const fs = require('fs');
const path = require('path');
const { chooseRq } = require('../dist/golden');

const APPS = {
  eeg: {
    title: 'EEG seizure detection (EEGformer-style encoder block)',
    dims: { S: 81, E: 32, P: 32, H: 8, F: 128 },
    T: 8,
    notes: [
      'S=81, E=32, P=32, H=8: the reference harness\'s EEGFormer config (pulp-platform/pulp-transformer',
      'README, testConfig.yml), the shape arXiv 2404.02945 benchmarks its attention kernels on.',
      'F (FFN hidden size) is not given there: chosen F = 4*E = 128, the usual Transformer ratio.',
    ],
  },
  ecg: {
    title: 'ECG arrhythmia classification (tiny transformer of Busia et al., arXiv 2402.10748)',
    dims: { S: 64, E: 16, P: 4, H: 4, F: 64 },
    T: 8,
    notes: [
      'Published (abstract of arXiv 2402.10748): about 6k parameters in all, int8, MIT-BIH 5 classes,',
      'GAP9 4.28 ms and 0.09 mJ per inference (whole network). The per-block S, E, P, H, F were not in',
      'the material we could read: chosen S=64, E=16, H=4, P=E/H=4, F=4*E=64: one full-MHSA block holds 3,280',
      'parameters (weights and biases), two about 6.6k, close to the published total.',
    ],
  },
  radar: {
    title: 'Radar hand-gesture recognition (transformer block, arXiv 2404.02945 end-to-end results)',
    dims: { S: 32, E: 64, P: 16, H: 4, F: 128 },
    T: 8,
    notes: [
      'Published (arXiv 2404.02945 abstract): one transformer block on GAP9 in 0.14 ms and 4.92 uJ,',
      '2.32x below PULP-NN. The block\'s S, E, P, H, F were not in the material we could read: chosen',
      'S=32 (frames), E=64, H=4, P=16 (E/H), F=2*E=128.',
    ],
  },
};

const I8 = 74; // std of a uniform int8 tensor
const rq = (ratio) => chooseRq(ratio);
const pair = ([m, d]) => `[${m}, ${d}]`;

function gen(app, form) {
  const a = APPS[app];
  const { S, E, P, H, F } = a.dims;
  // Target output std ~ 32 for projections; scores ~ 24 (a few halvings of the softmax).
  const proj = (sigIn, K) => rq(32 / (sigIn * I8 * Math.sqrt(K)));
  const rqQ = proj(I8, E);
  const rqScore = rq(24 / (32 * 32 * Math.sqrt(P)));
  const rqAv = rq(1 / 256);
  const rqO = proj(18, H * P);
  const rqLn = rq(32 / (256 * I8));
  const rqF1 = proj(32, E);
  const rqF2 = proj(12, F);
  const half = [1, 1];
  const L = [];
  const w = (s) => L.push(s);
  w(`# ${a.title}`);
  w(`# Encoder block, ${form === 'full' ? 'full MHSA (Q, K, V projections, QK^T+softmax, A.V, output projection)' : form === 'fwsa' ? 'MHSA with fused-weight self-attention (mhsa_fwsa)' : `MHSA with depth-first tiling (mhsa_dft, T=${a.T})`}`);
  w('#   -> residual add -> LayerNorm -> FFN (linear E->F, GELU, linear F->E) -> residual add -> LayerNorm.');
  for (const n of a.notes) w(`# ${n}`);
  w('# Weights are drawn by the seeded generator (not PyTorch-compatible; docs/models.md); the (mul, div)');
  w('# pairs keep uniform-int8 data inside int8 (scripts/gen-model-examples.js). Bring your own with file:/array:.');
  w(`name: ${app}-${form}`);
  w('seed: 42');
  w(`dims: { S: ${S}, E: ${E}, P: ${P}, H: ${H}, F: ${F} }`);
  w('tensors:');
  w('  x:   { shape: [S, E], dtype: int8 }            # block input');
  if (form === 'fwsa') {
    w('  Wf:  { shape: [H, E, E], dtype: int8 }         # fused W_q,h^T . W_k,h per head (src/fuse.ts)');
    w('  Bf:  { shape: [H, E], dtype: int16 }');
  } else {
    w('  Wq:  { shape: [H*P, E], dtype: int8 }');
    w('  Bq:  { shape: [H*P], dtype: int16 }');
    w('  Wk:  { shape: [H*P, E], dtype: int8 }');
    w('  Bk:  { shape: [H*P], dtype: int16 }');
  }
  w('  Wv:  { shape: [H*P, E], dtype: int8 }');
  w('  Bv:  { shape: [H*P], dtype: int16 }');
  w('  Wo:  { shape: [E, H*P], dtype: int8 }');
  w('  Bo:  { shape: [E], dtype: int16 }');
  w('  g1:  { shape: [E], dtype: int8 }              # LayerNorm 1 gamma, beta');
  w('  b1:  { shape: [E], dtype: int16 }');
  w('  W1:  { shape: [F, E], dtype: int8 }            # FFN E -> F');
  w('  B1:  { shape: [F], dtype: int16 }');
  w('  W2:  { shape: [E, F], dtype: int8 }            # FFN F -> E');
  w('  B2:  { shape: [E], dtype: int16 }');
  w('  g2:  { shape: [E], dtype: int8 }              # LayerNorm 2 gamma, beta');
  w('  b2:  { shape: [E], dtype: int16 }');
  w('inputs: [x]');
  w('outputs: [y]');
  w('nodes:');
  if (form === 'full') {
    w(`  - { name: q,      kernel: linear_qk,  inputs: [x, Wq, Bq], output: q, H: ${H}, rq: [${pair(rqQ)}] }`);
    w(`  - { name: k,      kernel: linear_qk,  inputs: [x, Wk, Bk], output: k, H: ${H}, rq: [${pair(rqQ)}] }`);
    w(`  - { name: v,      kernel: linear_v,   inputs: [x, Wv, Bv], output: v, H: ${H}, rq: [${pair(rqQ)}] }`);
    w(`  - { name: scores, kernel: qk_softmax, inputs: [q, k], output: a, rq: [${pair(rqScore)}] }`);
    w(`  - { name: av,     kernel: av,         inputs: [a, v], output: m, rq: [${pair(rqAv)}] }`);
    w(`  - { name: out,    kernel: linear_o,   inputs: [m, Wo, Bo], output: attn, H: ${H}, rq: [${pair(rqO)}] }`);
  } else if (form === 'fwsa') {
    const rqFused = proj(I8, E);
    const rqFs = rq(24 / (32 * I8 * Math.sqrt(E)));
    w(`  - name: mhsa`);
    w(`    kernel: mhsa_fwsa`);
    w(`    inputs: [x, Wf, Bf, Wv, Bv, Wo, Bo]`);
    w(`    output: attn`);
    w(`    rq: [${[rqFused, rqFs, rqQ, rqAv, rqO].map(pair).join(', ')}]   # fused proj, scores, V, A.V, out`);
  } else {
    w(`  - name: mhsa`);
    w(`    kernel: mhsa_dft`);
    w(`    inputs: [x, Wq, Bq, Wk, Bk, Wv, Bv, Wo, Bo]`);
    w(`    output: attn`);
    w(`    H: ${H}`);
    w(`    T: ${a.T}`);
    w(`    rq: [${[rqQ, rqQ, rqQ, rqScore, rqAv, rqO].map(pair).join(', ')}]   # Q, K, V, scores, A.V, out`);
  }
  w(`  - { name: add1,   kernel: add,        inputs: [x, attn], output: r1, rq: [${pair(half)}, ${pair(half)}] }`);
  w(`  - { name: ln1,    kernel: layernorm,  inputs: [r1, g1, b1], output: h1, rq: [${pair(rqLn)}] }`);
  w(`  - { name: ffn1,   kernel: linear,     inputs: [h1, W1, B1], output: f1, rq: [${pair(rqF1)}] }`);
  w(`  - { name: gelu,   kernel: gelu,       inputs: [f1], output: f2 }`);
  w(`  - { name: ffn2,   kernel: linear,     inputs: [f2, W2, B2], output: f3, rq: [${pair(rqF2)}] }`);
  w(`  - { name: add2,   kernel: add,        inputs: [h1, f3], output: r2, rq: [${pair(half)}, ${pair(half)}] }`);
  w(`  - { name: ln2,    kernel: layernorm,  inputs: [r2, g2, b2], output: y, rq: [${pair(rqLn)}] }`);
  return L.join('\n') + '\n';
}

const dir = path.join(__dirname, '..', 'examples', 'models');
fs.mkdirSync(dir, { recursive: true });
for (const app of Object.keys(APPS)) {
  for (const form of ['full', 'fwsa', 'dft']) {
    const file = path.join(dir, `${app}-${form}.yml`);
    fs.writeFileSync(file, gen(app, form));
    console.log(`wrote ${path.relative(process.cwd(), file)}`);
  }
}
