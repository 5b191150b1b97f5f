// Memory plan: two buffers alive at the same node never share a byte (property test over random
// lifetimes and random graphs), offsets aligned, weights resident, peaks as computed by hand, and a
// block too large for an arena fails naming the layer at the peak and the bytes missing.
import * as path from 'node:path';
import fc from 'fast-check';
import t from 'tap';
import { KERNELS } from '../src/golden/registry';
import { loadModel, parseModel } from '../src/model/load';
import { LiveBuffer, MemoryPlan, PLAN_ALIGN, checkFits, placeBuffers, planModel } from '../src/model/plan';
import './lib/fcSeed';

const ex = (f: string) => path.join(__dirname, '..', 'examples', 'models', f);
const scratchOf = (m: ReturnType<typeof loadModel>) => (i: number) => KERNELS[m.nodes[i].kernel].scratch(m.nodes[i].shape, 1);

function overlaps(plan: { offset: number; bytes: number; first: number; last: number; name: string }[]): string | null {
  for (let i = 0; i < plan.length; i++) {
    for (let j = i + 1; j < plan.length; j++) {
      const a = plan[i], b = plan[j];
      if (!a.bytes || !b.bytes) continue;
      const timeShared = a.first <= b.last && b.first <= a.last;
      const spaceShared = a.offset < b.offset + b.bytes && b.offset < a.offset + a.bytes;
      if (timeShared && spaceShared) return `${a.name} [${a.offset}, +${a.bytes}) and ${b.name} [${b.offset}, +${b.bytes}) both live`;
    }
  }
  return null;
}

t.test('placeBuffers: live buffers never overlap, offsets aligned (random lifetimes)', async (t) => {
  const buf = fc.record({ bytes: fc.integer({ min: 0, max: 5000 }), first: fc.integer({ min: 0, max: 20 }), len: fc.integer({ min: 0, max: 8 }) });
  fc.assert(fc.property(fc.array(buf, { maxLength: 40 }), fc.constantFrom(1, 2, 8, 16), fc.integer({ min: 0, max: 100 }), (bs, align, base) => {
    const bufs: LiveBuffer[] = bs.map((b, i) => ({ name: `b${i}`, kind: 'activation', bytes: b.bytes, first: b.first, last: b.first + b.len }));
    const placed = placeBuffers(bufs, align, base);
    const bad = overlaps(placed);
    if (bad) throw new Error(bad);
    for (const p of placed) {
      if (p.offset % align !== 0 || p.offset < base) throw new Error(`${p.name} at ${p.offset}: not aligned to ${align} above ${base}`);
    }
    // Never worse than giving every buffer its own space.
    const end = placed.reduce((e, p) => Math.max(e, p.offset + p.bytes), 0);
    const naive = bufs.reduce((s, b) => s + Math.ceil(b.bytes / align) * align, Math.ceil(base / align) * align);
    if (end > naive) throw new Error(`span ${end} above the naive ${naive}`);
  }), { numRuns: 300 });
});

/** A random block: elementwise nodes (gelu, add, layernorm, softmax) and projections over earlier tensors. */
const randomModel = fc.record({
  S: fc.integer({ min: 1, max: 12 }),
  E: fc.integer({ min: 1, max: 12 }),
  ops: fc.array(fc.record({ kind: fc.constantFrom('gelu', 'add', 'layernorm', 'linear_o'), a: fc.nat(), b: fc.nat() }), { minLength: 1, maxLength: 12 }),
}).map(({ S, E, ops }) => {
  const lines = [`dims: { S: ${S}, E: ${E} }`, 'tensors:', '  x: { shape: [S, E] }', '  g: { shape: [E] }', '  bt: { shape: [E], dtype: int16 }', '  W: { shape: [E, E] }', 'inputs: [x]', 'nodes:'];
  const acts = ['x'];
  ops.forEach((o, i) => {
    const a = acts[o.a % acts.length];
    const b = acts[o.b % acts.length];
    const out = `t${i}`;
    const ins = o.kind === 'add' ? [a, b] : o.kind === 'layernorm' ? [a, 'g', 'bt'] : o.kind === 'linear_o' ? [a, 'W', 'bt'] : [a];
    lines.push(`  - { kernel: ${o.kind}, inputs: [${ins.join(', ')}], output: ${out} }`);
    acts.push(out);
  });
  return lines.join('\n') + '\n';
});

t.test('planModel over random graphs: no two live tensors overlap; weights below activations', async (t) => {
  fc.assert(fc.property(randomModel, fc.integer({ min: 0, max: 64 }), (text, scratch) => {
    const m = parseModel(text, 'random.yml', '.');
    const plan = planModel(m, (i) => (i % 3 === 0 ? scratch : 0));
    const all = [...plan.weights, ...plan.activations];
    const bad = overlaps(all);
    if (bad) throw new Error(`${bad}\n${text}`);
    for (const w of plan.weights) if (w.offset + w.bytes > plan.activationBase) throw new Error(`weight ${w.name} runs into the activations`);
    for (const a of plan.activations) if (a.offset < plan.activationBase || a.offset % PLAN_ALIGN) throw new Error(`${a.name} at ${a.offset}`);
    if (plan.totalBytes < plan.activationBase + plan.peakBytes) throw new Error('span below the live peak');
    // Each node's inputs and output are live together (the board refuses an output overlapping an input).
    for (const n of m.nodes) {
      const o = plan.offsets.get(n.output)!;
      const ob = m.tensors.get(n.output)!.bytes;
      for (const x of n.inputs) {
        const xo = plan.offsets.get(x)!;
        const xb = m.tensors.get(x)!.bytes;
        if (o < xo + xb && xo < o + ob) throw new Error(`node ${n.name}: output overlaps input ${x}\n${text}`);
      }
    }
  }), { numRuns: 200 });
});

function summary(p: MemoryPlan) {
  return { weights: p.weightBytes, base: p.activationBase, span: p.activationSpan, total: p.totalBytes, peak: p.peakBytes, peakNode: p.peakNode };
}

t.test('example plans: weights resident, activation peaks, DFT cuts the EEG peak', async (t) => {
  const full = loadModel(ex('eeg-full.yml'));
  const pf = planModel(full, scratchOf(full));
  // Weights: 4 x (256x32 + 256x2 bytes) - Wo is [32,256] + Bo 64 ... computed from the tensor list:
  // Wq,Wk,Wv 3x8192 + Bq,Bk,Bv 3x512 + Wo 8192 + Bo 64 + g1 32 + b1 64 + W1 4096 + B1 256 + W2 4096 + B2 64 + g2 32 + b2 64 = 43072.
  t.same(summary(pf), { weights: 43072, base: 43072, span: 117288, total: 160360, peak: 117288, peakNode: 3 });
  // At qk_softmax (node 3): x 2592 + q, k, v 3x20736 + A 81x8x81 = 52488 -> 117288.
  t.equal(2592 + 3 * 20736 + 52488, 117288);
  const dft = loadModel(ex('eeg-dft.yml'));
  const pd = planModel(dft, scratchOf(dft));
  // mhsa_dft: x 2592 + out 2592 + scratch 2HSP + T(P + S + HP) = 41472 + 8(32 + 81 + 256) = 44424 -> 49608.
  t.same(summary(pd), { weights: 43072, base: 43072, span: 49608, total: 92680, peak: 49608, peakNode: 0 });
  t.equal((pf.peakBytes / pd.peakBytes).toFixed(2), '2.36');
});

t.test('a block too large for the arena fails before sending: layer at the peak, bytes missing, DFT advice', async (t) => {
  const full = loadModel(ex('eeg-full.yml'));
  const pf = planModel(full, scratchOf(full));
  t.throws(() => checkFits(full, pf, 106496, 'stm32l4'), {
    name: 'ModelFitError',
    missing: 53864,
    node: 'scores',
    message: "eeg-full does not fit stm32l4's arena: it needs 160360 bytes (weights 43072, activations 117288) but stm32l4 has 106496: 53864 bytes missing. " +
      'The activation peak is at node scores (qk_softmax): 117288 bytes live (a 52488, q 20736, k 20736); attention is the peak (the 8x81x81 map is 52488 bytes): ' +
      'use depth-first tiling (kernel mhsa_dft with T rows per tile, e.g. T: 8), which never holds the whole map',
  });
  t.doesNotThrow(() => checkFits(full, pf, 160360, 'exact'));
  const dft = loadModel(ex('eeg-dft.yml'));
  t.doesNotThrow(() => checkFits(dft, planModel(dft, scratchOf(dft)), 106496, 'stm32l4'), 'the DFT form fits the L4 arena');
});
