// Block golden: the chain of kernel goldens. The full-form attention nodes give the bytes of the fused
// mhsa kernel and of mhsa_dft; the TypeScript model and the addon agree node by node (any core count).
import * as path from 'node:path';
import t from 'tap';
import { throwsExact } from './lib/exact';
import { HostBoard } from '../src/board/host';
import { runModel } from '../src/model/run';
import { runGolden } from '../src/golden';
import { loadModel, parseModel } from '../src/model/load';
import { rawBytes, runBlockGolden, typed } from '../src/model/golden';

const ex = (f: string) => path.join(__dirname, '..', 'examples', 'models', f);

t.test('full-form attention nodes == the mhsa kernel == mhsa_dft (same weights, same rq)', async (t) => {
  for (const app of ['eeg', 'ecg', 'radar']) {
    const m = loadModel(ex(`${app}-full.yml`));
    const g = runBlockGolden(m);
    const byName = (n: string) => m.nodes.find((x) => x.name === n)!;
    const rq = ['q', 'k', 'v', 'scores', 'av', 'out'].map((n) => byName(n).rq[0]);
    const s = byName('q').shape;
    const args = ['x', 'Wq', 'Bq', 'Wk', 'Bk', 'Wv', 'Bv', 'Wo', 'Bo'].map((n) => typed(m.tensors.get(n)!, g.get(n)!));
    const fused = rawBytes(runGolden('mhsa', { ...s, rq }, args));
    t.same(g.get('attn'), fused, `${app}: chain == mhsa`);
    const dft = rawBytes(runGolden('mhsa_dft', { ...s, T: 5, rq }, args));
    t.same(dft, fused, `${app}: mhsa_dft (T=5) == mhsa`);
  }
});

t.test('each node of a block is its kernel golden on the previous nodes\' outputs', async (t) => {
  const m = loadModel(ex('radar-fwsa.yml'));
  const g = runBlockGolden(m);
  for (const n of m.nodes) {
    const args = n.inputs.map((x, j) => typed(n.info.inputs[j], g.get(x)!));
    const want = rawBytes(runGolden(n.kernel, { ...n.shape, split: n.split, rq: n.rq, consts: n.consts }, args));
    t.same(g.get(n.output), want, n.name);
  }
  // Given inputs replace the model's own.
  const x = new Int8Array(32 * 64).fill(3);
  const g2 = runBlockGolden(m, { x });
  t.same(g2.get('x'), rawBytes(x));
  t.notSame(g2.get('y'), g.get('y'));
  throwsExact(t, () => runBlockGolden(m, { Wv: x }), 'radar-fwsa: inputs.Wv: expected a block input (x), found "Wv"');
  throwsExact(t, () => runBlockGolden(m, { x: new Int8Array(5) }), 'radar-fwsa: inputs.x: expected a typed array of 2048 bytes (x: int8 [32, 64]), found Int8Array(5)');
  throwsExact(t, () => runBlockGolden(m, { x: [1, 2] as unknown as Int8Array }), 'radar-fwsa: inputs.x: expected a typed array of 2048 bytes (x: int8 [32, 64]), found [1,2]');
  // runModel's own options, before anything is sent.
  const b = new HostBoard();
  for (const [opts, msg] of [
    [{ cores: 9 }, `radar-fwsa on host: cores: expected an integer in 1..${b.info.nCores} (host's cores), found 9`],
    [{ repeat: 0 }, 'radar-fwsa on host: repeat: expected an integer in 1..4294967295, found 0'],
    [{ inputs: { x: new Int16Array(3) } }, 'radar-fwsa: inputs.x: expected a typed array of 2048 bytes (x: int8 [32, 64]), found Int16Array(3)'],
  ] as const) {
    const err = await runModel(b, m, opts).then(() => undefined, (e: Error) => e);
    t.equal(err?.constructor.name, 'RangeError');
    t.equal(err?.message, msg);
  }
});

t.test('TypeScript golden == addon, node by node, for every example and 1 or 3 cores', async (t) => {
  for (const f of ['eeg-dft.yml', 'ecg-full.yml', 'ecg-fwsa.yml', 'radar-full.yml', 'radar-dft.yml']) {
    const m = loadModel(ex(f));
    const ts = runBlockGolden(m, {}, 'ts');
    for (const cores of [1, 3]) {
      const addon = runBlockGolden(m, {}, 'addon', cores);
      const diff = m.nodes.filter((n) => Buffer.compare(Buffer.from(ts.get(n.output)!), Buffer.from(addon.get(n.output)!)) !== 0).map((n) => n.name);
      t.same(diff, [], `${f} cores=${cores}`);
    }
  }
});

t.test('odd shapes: S=1, odd E, H=1 blocks agree between TS and addon', async (t) => {
  for (const [S, E, P, H] of [[1, 3, 1, 1], [5, 7, 3, 2], [3, 1, 2, 3]]) {
    const text = `dims: { S: ${S}, E: ${E}, P: ${P}, H: ${H}, F: ${2 * E + 1} }
tensors:
  x: { shape: [S, E] }
  Wq: { shape: [H*P, E] }
  Bq: { shape: [H*P], dtype: int16 }
  Wo: { shape: [E, H*P] }
  Bo: { shape: [E], dtype: int16 }
  W1: { shape: [F, E] }
  B1: { shape: [F], dtype: int16 }
inputs: [x]
nodes:
  - { kernel: mhsa_dft, inputs: [x, Wq, Bq, Wq, Bq, Wq, Bq, Wo, Bo], output: a, H: ${H}, T: 1 }
  - { kernel: add, inputs: [x, a], output: r }
  - { kernel: linear_o, inputs: [r, W1, B1], output: f }
  - { kernel: softmax, inputs: [f], output: y }
`;
    const m = parseModel(text, `odd-${S}-${E}.yml`, '.');
    const ts = runBlockGolden(m, {}, 'ts');
    const addon = runBlockGolden(m, {}, 'addon', 2);
    for (const n of m.nodes) t.same(Buffer.from(addon.get(n.output)!), Buffer.from(ts.get(n.output)!), `S=${S} E=${E} P=${P} H=${H} ${n.kernel}`);
  }
});
