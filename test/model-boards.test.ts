// Blocks on boards: random encoder blocks (full, FWSA and DFT attention, odd shapes) bit-exact on the
// host, host-sim and each QEMU board; weights from an .npz written here run bit-exact; a block too large
// for the arena fails before anything is sent; a wrong byte is reported by coordinates.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import t, { type Test } from 'tap';
import { openBoard } from '../src/board/open';
import { QEMU_BOARDS, qemuUnavailable, type QemuBoardName } from '../src/board/qemu';
import { hostSimUnavailable } from '../src/board/hostsim';
import type { Board } from '../src/board/types';
import { HostBoard } from '../src/board/host';
import { runBlockGolden } from '../src/model/golden';
import { loadModel, parseModel, randomTensor } from '../src/model/load';
import { encodeNpz } from '../src/model/npzWrite';
import { runModel } from '../src/model/run';
import { formatBlock } from '../src/model/table';

const ex = (f: string) => path.join(__dirname, '..', 'examples', 'models', f);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tinyhil-blocks-'));
t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));

interface Block { S: number; E: number; P: number; H: number; F: number; T: number; form: 'full' | 'fwsa' | 'dft'; seed: number }

/** An encoder block as model text: attention in the given form -> add -> LN -> linear -> GELU -> linear -> add -> LN. */
function blockText(b: Block, weights = ''): string {
  const attn = {
    full: `  - { kernel: linear_qk, inputs: [x, Wq, Bq], output: q, H: ${b.H}, rq: [[3, 10]] }
  - { kernel: linear_qk, inputs: [x, Wk, Bk], output: k, H: ${b.H}, rq: [[3, 10]] }
  - { kernel: linear_v, inputs: [x, Wv, Bv], output: v, H: ${b.H}, rq: [[3, 10]] }
  - { kernel: qk_softmax, inputs: [q, k], output: a, rq: [[5, 9]], split: rows }
  - { kernel: av, inputs: [a, v], output: m, rq: [[1, 8]] }
  - { kernel: linear_o, inputs: [m, Wo, Bo], output: attn, H: ${b.H}, rq: [[3, 10]] }\n`,
    fwsa: `  - { kernel: mhsa_fwsa, inputs: [x, Wf, Bf, Wv, Bv, Wo, Bo], output: attn, rq: [[3, 10], [1, 12], [3, 10], [1, 8], [3, 10]] }\n`,
    dft: `  - { kernel: mhsa_dft, inputs: [x, Wq, Bq, Wk, Bk, Wv, Bv, Wo, Bo], output: attn, H: ${b.H}, T: ${b.T}, rq: [[3, 10], [3, 10], [3, 10], [5, 9], [1, 8], [3, 10]] }\n`,
  }[b.form];
  return `name: block-${b.form}
seed: ${b.seed}
dims: { S: ${b.S}, E: ${b.E}, P: ${b.P}, H: ${b.H}, F: ${b.F} }
tensors:
  x: { shape: [S, E] }
  Wq: { shape: [H*P, E] }
  Bq: { shape: [H*P], dtype: int16 }
  Wk: { shape: [H*P, E] }
  Bk: { shape: [H*P], dtype: int16 }
  Wf: { shape: [H, E, E] }
  Bf: { shape: [H, E], dtype: int16 }
  Wv: { shape: [H*P, E] }
  Bv: { shape: [H*P], dtype: int16 }
  Wo: { shape: [E, H*P] }
  Bo: { shape: [E], dtype: int16 }
  g: { shape: [E] }
  be: { shape: [E], dtype: int16 }
  W1: { shape: [F, E]${weights} }
  B1: { shape: [F], dtype: int16 }
  W2: { shape: [E, F] }
  B2: { shape: [E], dtype: int16 }
inputs: [x]
outputs: [y]
nodes:
${attn}  - { kernel: add, inputs: [x, attn], output: r1, rq: [[1, 1], [1, 1]] }
  - { kernel: layernorm, inputs: [r1, g, be], output: h1, rq: [[3, 12]] }
  - { kernel: linear, inputs: [h1, W1, B1], output: f1, rq: [[3, 10]] }
  - { kernel: gelu, inputs: [f1], output: f2 }
  - { kernel: linear, inputs: [f2, W2, B2], output: f3, rq: [[3, 10]] }
  - { kernel: add, inputs: [h1, f3], output: r2, rq: [[1, 1], [1, 1]] }
  - { kernel: layernorm, inputs: [r2, g, be], output: y, rq: [[3, 12]] }
`;
}

const blockArb = (max: number): fc.Arbitrary<Block> => fc.record({
  S: fc.integer({ min: 1, max }), E: fc.integer({ min: 1, max }), P: fc.integer({ min: 1, max: 8 }), H: fc.integer({ min: 1, max: 4 }),
  F: fc.integer({ min: 1, max: 2 * max }), t: fc.integer({ min: 0, max: 1000 }).map((x) => x / 1000),
  form: fc.constantFrom('full' as const, 'fwsa' as const, 'dft' as const), seed: fc.integer({ min: 0, max: 0xffffffff }),
}).map(({ t: tf, ...b }) => ({ ...b, T: 1 + Math.floor(tf * (b.S - 1)) }));

const sample = (max: number, n: number, seed: number) => fc.sample(blockArb(max), { numRuns: n, seed });

async function checkBlocks(t: Test, b: Board, blocks: Block[]): Promise<void> {
  for (const blk of blocks) {
    const m = parseModel(blockText(blk), `${blk.form}.yml`, dir);
    const r = await runModel(b, m);
    const label = `${blk.form} S=${blk.S} E=${blk.E} P=${blk.P} H=${blk.H} F=${blk.F} T=${blk.T}`;
    t.ok(r.bitExact, `${label}: ${r.nodes.filter((n) => !n.bitExact).map((n) => n.mismatch).join('; ') || 'every layer bit-exact'}`);
    t.same(Buffer.from(r.outputs.y), Buffer.from(runBlockGolden(m, {}, 'ts').get('y')!), `${label}: output y == TS golden`);
    t.equal(r.total, r.nodes.reduce((s, n) => s + n.counter, 0));
  }
}

t.test('host board: random blocks bit-exact against the TypeScript golden', async (t) => {
  await checkBlocks(t, new HostBoard(), sample(9, 12, 1));
});

const simWhy = hostSimUnavailable();
t.test('host-sim', { skip: simWhy ?? false }, async (t) => {
  const b = await openBoard({ board: 'host-sim', hostSim: { arenaBytes: 96 * 1024 } });
  t.teardown(() => b.close());

  t.test('random blocks bit-exact', async (t) => checkBlocks(t, b, sample(12, 10, 2)));

  t.test('weights from an .npz (int8 weights, int16 biases) run bit-exact', async (t) => {
    const W1 = randomTensor('i8', 24 * 12, 99);
    const B1 = randomTensor('i16', 24, 98);
    fs.writeFileSync(path.join(dir, 'ffn.npz'), encodeNpz([{ name: 'W1', dtype: 'i8', shape: [24, 12], data: W1 }, { name: 'B1', dtype: 'i16', shape: [24], data: B1 }], true));
    const text = blockText({ S: 10, E: 12, P: 3, H: 2, F: 24, T: 4, form: 'dft', seed: 5 }, ', file: ffn.npz, array: W1')
      .replace('B1: { shape: [F], dtype: int16 }', 'B1: { shape: [F], dtype: int16, file: ffn.npz }');
    fs.writeFileSync(path.join(dir, 'npz-block.yml'), text);
    const m = loadModel(path.join(dir, 'npz-block.yml'));
    t.same(Buffer.from(m.tensors.get('W1')!.data!), Buffer.from(W1));
    t.equal(m.tensors.get('B1')!.source, 'ffn.npz:B1');
    const r = await runModel(b, m);
    t.ok(r.bitExact, 'every layer bit-exact');
    t.same(Buffer.from(r.outputs.y), Buffer.from(runBlockGolden(m, {}, 'ts').get('y')!));
  });

  t.test('a block too large for the arena fails before anything is sent', async (t) => {
    const m = loadModel(ex('eeg-full.yml'));
    const before = b.client.stats.requests;
    await t.rejects(runModel(b, m), {
      name: 'ModelFitError', node: 'scores', missing: 160360 - 98304,
      message: /^eeg-full does not fit host-sim's arena: it needs 160360 bytes \(weights 43072, activations 117288\) but host-sim has 98304: 62056 bytes missing\. The activation peak is at node scores \(qk_softmax\).*use depth-first tiling/,
    });
    t.equal(b.client.stats.requests, before, 'no request sent');
    const dft = await runModel(b, loadModel(ex('eeg-dft.yml')));
    t.ok(dft.bitExact, 'the DFT form of the same block fits and runs bit-exact');
  });

  t.test('a byte that differs is reported by coordinates (expected outputs given by the caller)', async (t) => {
    const m = loadModel(ex('ecg-full.yml'));
    const g = runBlockGolden(m, {}, 'addon');
    const q = Uint8Array.from(g.get('q')!);
    q[4 * 64 * 1 + 2 * 4 + 3] ^= 1; // h=0 is rows 0..63; flat index 267 = [h=1, s=2, p=3] in [H=4,S=64,P=4]
    g.set('q', q);
    const r = await runModel(b, m, { expected: g });
    t.notOk(r.bitExact);
    t.same(r.nodes.filter((n) => !n.bitExact).map((n) => n.name), ['q'], 'only the tampered layer; later layers still check');
    t.match(r.nodes[0].mismatch, /^linear_qk S=64 E=16 P=4 H=4: first mismatch at O\[h=1,s=2,p=3\]: got -?\d+, want -?\d+$/);
    t.match(formatBlock(r), /12 of 13 layers bit-exact\n✗ q \(linear_qk S=64 E=16 P=4 H=4\): linear_qk/);
  });

  t.test('one request (GRAPH) gives the bytes of layer by layer; counters add up within the dispatch overhead', async (t) => {
    for (const f of ['eeg-dft.yml', 'ecg-full.yml', 'radar-fwsa.yml']) {
      const m = loadModel(ex(f));
      const layers = await runModel(b, m, { mode: 'layers' });
      const graph = await runModel(b, m, { mode: 'graph' });
      t.ok(graph.bitExact && layers.bitExact, `${f}: every layer bit-exact both ways`);
      t.same(graph.nodes.map((n) => n.outputCrc), layers.nodes.map((n) => n.outputCrc), `${f}: same output CRC at every layer`);
      t.same(Buffer.from(graph.outputs.y), Buffer.from(layers.outputs.y), `${f}: same block output`);
      const sum = graph.nodes.reduce((s, n) => s + n.counter, 0);
      t.equal(graph.dispatchOverhead, graph.total - sum, `${f}: block counter = Σ layers + dispatch overhead`);
      t.ok(graph.dispatchOverhead! >= 0, `${f}: overhead ${graph.dispatchOverhead} ns`);
      t.equal(graph.requests, 1);
    }
  });

  t.test('repeat and cores: same bytes, per-run counters', async (t) => {
    const m = loadModel(ex('radar-dft.yml'));
    const r = await runModel(b, m, { repeat: 3, cores: Math.min(2, b.info.nCores) });
    t.ok(r.bitExact);
    t.equal(r.repeat, 3);
  });
});

for (const board of Object.keys(QEMU_BOARDS) as QemuBoardName[]) {
  const why = qemuUnavailable(board);
  t.test(board, { skip: why ?? false }, async (t) => {
    const b = await openBoard({ board, runTimeoutMs: 120_000 });
    t.teardown(() => b.close());
    t.test('example ECG block (DFT) bit-exact, instructions per layer', async (t) => {
      const r = await runModel(b, loadModel(ex('ecg-dft.yml')));
      t.ok(r.bitExact);
      t.equal(r.counterKind, 'instructions');
      for (const n of r.nodes) t.ok(n.counter > 0, `${n.name}: ${n.counter} instructions`);
    });
    t.test('random blocks bit-exact', async (t) => checkBlocks(t, b, sample(8, Number(process.env.QEMU_BLOCKS ?? 4), 3)));
    t.test('one request == layer by layer', async (t) => {
      const m = loadModel(ex('ecg-full.yml'));
      const layers = await runModel(b, m, { mode: 'layers' });
      const graph = await runModel(b, m, { mode: 'graph' });
      t.ok(graph.bitExact && layers.bitExact);
      t.same(Buffer.from(graph.outputs.y), Buffer.from(layers.outputs.y));
      t.equal(graph.total, graph.nodes.reduce((s, n) => s + n.counter, 0) + graph.dispatchOverhead!);
    });
  });
}

t.test('script API: board.runModel(model, inputs)', async (t) => {
  const { HilBoard, loadModel: load } = await import('../src/index');
  const board = await HilBoard.open({ board: 'host' });
  t.teardown(() => board.close());
  const x = new Int8Array(64 * 16).map((_, i) => (i % 13) - 6);
  const m = load(ex('ecg-dft.yml'));
  const r = await board.runModel(m, { x });
  t.ok(r.bitExact);
  t.same(Buffer.from(r.outputs.y), Buffer.from(runBlockGolden(m, { x }, 'ts').get('y')!), 'the given input was used');
  const byPath = await board.runModel(ex('ecg-dft.yml'), { x });
  t.same(Buffer.from(byPath.outputs.y), Buffer.from(r.outputs.y));
});

t.test('per-layer records: report tabulates them and draws the per-layer bars', async (t) => {
  const { blockRecords } = await import('../src/model/records');
  const { renderMarkdown, reportPlots } = await import('../src/report');
  const { checkRecord } = await import('../src/results/record');
  const r = await runModel(new HostBoard(), loadModel(ex('ecg-dft.yml')));
  const recs = blockRecords(r);
  recs.forEach((x, i) => checkRecord(JSON.parse(JSON.stringify(x)), `record ${i}`));
  t.same(recs.map((x) => x.test), ['ecg-dft/mhsa', 'ecg-dft/add1', 'ecg-dft/ln1', 'ecg-dft/ffn1', 'ecg-dft/gelu', 'ecg-dft/ffn2', 'ecg-dft/add2', 'ecg-dft/ln2']);
  t.same(recs[3].shape, { S: 64, E: 16, P: 64, H: 1 }, 'linear K, N travel as E, P');
  t.equal(recs.reduce((s, x) => s + x.model.share, 0).toFixed(6), '1.000000');
  const md = renderMarkdown(recs);
  t.match(md, /## Per-layer share of each block\n\necg-dft on host \(layer by layer\): [\d,]+ ns \(host\)\n```\nmhsa +█+ +\d+\.\d% mhsa_dft\n/);
  const plot = reportPlots(recs).find((p) => p.title.startsWith('ecg-dft on host'));
  t.ok(plot, 'a per-layer bar chart');
  t.equal((plot!.spec.data as { values: unknown[] }).values.length, 8);
});
