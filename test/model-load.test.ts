// Model files: every bad-model error is `FILE:LINE:COL: field: expected …, found …` (asserted exactly);
// tensors load from the seeded generator, .npy and .npz (stored and deflated) bit for bit.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import t from 'tap';
import { throwsExact } from './lib/exact';
import { encodeNpy } from '../src/harness/npy';
import { loadModel, nameHash, parseModel, randomTensor, tensorSeed } from '../src/model/load';
import { parseNpy } from '../src/model/npy';
import { npzArray, npzNames } from '../src/model/npz';
import { encodeNpz } from '../src/model/npzWrite';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tinyhil-model-'));
t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));

const base = (nodes: string, extra = '') => `name: t
dims: { S: 4, E: 6, P: 3, H: 2 }
tensors:
  x:  { shape: [S, E], dtype: int8 }
  Wq: { shape: [H*P, E] }
  Bq: { shape: [H*P], dtype: int16 }
${extra}inputs: [x]
nodes:
${nodes}`;
const bad = (text: string) => () => parseModel(text, 'm.yml', dir);

t.test('each bad model gets one clear error with its position', async (t) => {
  const lq = '  - { kernel: linear_qk, inputs: [x, Wq, Bq], output: q, H: 2 }\n';
  const gelu = '  - { kernel: gelu, inputs: [x], output: y }\n';
  const cases: Array<[string, string, string]> = [
    // What needs the graph (load.ts).
    ['unknown kernel', base('  - { kernel: linear_qkk, inputs: [x, Wq, Bq], output: q, H: 2 }\n'),
      'm.yml:9:15: nodes[0].kernel: expected a kernel of the library (linear_qk, linear_v, linear_o, qk_softmax, av, fwsa, softmax, mhsa, mhsa_fwsa, mhsa_dft, layernorm, gelu, add, linear), found "linear_qkk"'],
    ['tensor used before it is produced', base(`${lq}  - { kernel: add, inputs: [x, z], output: y }\n  - { kernel: gelu, inputs: [x], output: z }\n`),
      'm.yml:10:32: nodes[1].inputs[1]: expected a tensor produced before nodes[1], found "z", used before nodes[2] produces it'],
    ['unknown tensor', base('  - { kernel: gelu, inputs: [nope], output: y }\n'),
      'm.yml:9:30: nodes[0].inputs[0]: expected a tensor declared under tensors or produced by an earlier node, found "nope", which is neither'],
    ['shape that does not match the kernel', base(lq.replace('[x, Wq, Bq]', '[x, W5, Bq]'), '  W5: { shape: [H*P, 5] }\n'),
      'm.yml:10:38: nodes[0].inputs[1]: expected W of linear_qk to be [6, 6] ([H*P, E] at S=4 E=6 P=3 H=2), found "W5" [6, 5]'],
    ['heads that do not divide H*P', base(lq.replace('H: 2', 'H: 4')),
      'm.yml:9:38: nodes[0].inputs[1]: expected W of linear_qk [H*P, E] to have dim 0 (H*P) a multiple of 4, found "Wq" [6, 6]'],
    ['dtype that does not match the kernel', base(lq.replace('[x, Wq, Bq]', '[x, Wq, Wq]')),
      'm.yml:9:42: nodes[0].inputs[2]: expected int16 for B of linear_qk, found "Wq" of int8'],
    ['H that cannot be inferred', base(lq.replace(', H: 2', '')),
      'm.yml:9:5: nodes[0].H: expected H for linear_qk (give H: in the node), found it cannot be inferred from W [6, 6] (H*P, E)'],
    ['a tensor written twice', base(`${gelu}${gelu}`),
      'm.yml:10:42: nodes[1].output: expected a tensor no other node writes, found "y", already the output of nodes[0]'],
    ['unknown dim symbol', base(gelu, '  Z: { shape: [S, Q] }\n'),
      'm.yml:7:19: tensors.Z.shape[1]: expected an integer or a symbol of dims (S, E, P, H), found "Q" in "Q"'],
    ['a declared output of the wrong shape', base(gelu, '  y: { shape: [S, 5] }\n'),
      'm.yml:7:6: tensors.y: expected int8 [4, 6] (the output Y[S,E] of nodes[0] gelu), found int8 [4, 5]'],
    ['T above S', base('  - { kernel: mhsa_dft, inputs: [x, Wq, Bq, Wq, Bq, Wq, Bq, Wo, Bo], output: y, H: 2, T: 5 }\n', '  Wo: { shape: [E, H*P] }\n  Bo: { shape: [E], dtype: int16 }\n'),
      'm.yml:11:90: nodes[0].T: expected an integer in 1..S (1..4), found 5'],
    ['block input not declared', base(gelu).replace('inputs: [x]', 'inputs: [w]'), 'm.yml:7:10: inputs[0]: expected a tensor declared under tensors, found "w"'],
    ['block output no node produces', base(gelu).replace('inputs: [x]', 'inputs: [x]\noutputs: [x]'), 'm.yml:8:11: outputs[0]: expected a tensor a node produces, found "x"'],
    ['missing file', base('  - { kernel: gelu, inputs: [W1], output: y }\n', '  W1: { shape: [S, E], file: missing.npy }\n'),
      `m.yml:7:30: tensors.W1.file: expected a readable file, found no file at ${path.join(dir, 'missing.npy')}`],
    // The structure (schema.ts, zod).
    ['invalid YAML', 'a: [1, 2\n', 'm.yml:2:1: YAML: expected valid YAML, found Flow sequence in block collection must be sufficiently indented and end with a ]'],
    ['not a mapping', '- 1\n- 2\n', 'm.yml:1:1: top level: expected a mapping with tensors, inputs, outputs and nodes, found [1,2]'],
    ['unknown top-level key', base(gelu).replace('name: t', 'name: t\nwho: me'),
      'm.yml:2:6: who: expected a known key (name, description, seed, dims, tensors, inputs, outputs, nodes), found "who"'],
    ['seed', base(gelu).replace('name: t', 'name: t\nseed: -1'), 'm.yml:2:7: seed: expected an integer in 0..4294967295, found -1'],
    ['dims symbol', base(gelu).replace('dims: { S: 4', 'dims: { 4S: 4'), 'm.yml:2:13: dims.4S: expected a symbol name (letters, digits, _; not starting with a digit), found "4S"'],
    ['no nodes', base(''), 'm.yml:8:7: nodes: expected a list of nodes ({ kernel, inputs, output, ... }), found null'],
    ['block inputs not a list', base(gelu).replace('inputs: [x]', 'inputs: x'), 'm.yml:7:9: inputs: expected a list of tensor names, found "x"'],
    ['dtype', base(gelu, '  Z: { shape: [S, E], dtype: float32 }\n'), 'm.yml:7:30: tensors.Z.dtype: expected int8, uint8 or int16, found "float32"'],
    ['empty shape', base(gelu, '  Z: { shape: [], dtype: int8 }\n'), 'm.yml:7:15: tensors.Z.shape: expected a list of dims (e.g. [S, E]), found []'],
    ['zero dim', base(gelu, '  Z: { shape: [S, 0] }\n'), 'm.yml:7:19: tensors.Z.shape[1]: expected a positive integer or a product of dims (e.g. "H*P"), found 0'],
    ['init', base(gelu, '  Z: { shape: [S, E], init: ones }\n'), 'm.yml:7:29: tensors.Z.init: expected random or zeros (or a file), found "ones"'],
    ['init and file', base(gelu, '  Z: { shape: [S, E], init: zeros, file: a.npy }\n'), 'm.yml:7:29: tensors.Z.init: expected either init or file, found both'],
    ['empty file name', base(gelu, '  Z: { shape: [S, E], file: "" }\n'),
      'm.yml:7:29: tensors.Z.file: expected a path to a .npy or .npz file (relative to the model file), found ""'],
    ['unknown tensor key', base(gelu, '  Z: { shape: [S, E], colour: red }\n'),
      'm.yml:7:31: tensors.Z.colour: expected a known key (shape, dtype, init, seed, file, array, description), found "colour"'],
    ['no kernel', base('  - { inputs: [x], output: y }\n'),
      'm.yml:9:5: nodes[0].kernel: expected a kernel of the library (linear_qk, linear_v, linear_o, qk_softmax, av, fwsa, softmax, mhsa, mhsa_fwsa, mhsa_dft, layernorm, gelu, add, linear), found nothing'],
    ['wrong number of inputs', base('  - { kernel: add, inputs: [x], output: y }\n'),
      'm.yml:9:28: nodes[0].inputs: expected 2 inputs for add (A, B), found ["x"]'],
    ['output not a name', base('  - { kernel: gelu, inputs: [x], output: 7 }\n'), 'm.yml:9:42: nodes[0].output: expected the output tensor\'s name, found 7'],
    ['rq count', base(lq.replace('H: 2', 'H: 2, rq: [[1, 2], [3, 4]]')),
      'm.yml:9:68: nodes[0].rq: expected 1 [mul, div] pair for linear_qk, found [[1,2],[3,4]]'],
    ['rq div', base(lq.replace('H: 2', 'H: 2, rq: [{ mul: 1, div: 40 }]')), 'm.yml:9:84: nodes[0].rq[0].div: expected a div in 0..31, found 40'],
    ['rq pair', base('  - { kernel: gelu, inputs: [x], output: y, rq: [[1, 2, 3]] }\n'), 'm.yml:9:50: nodes[0].rq[0]: expected a [mul, div] pair of integers, found [1,2,3]'],
    ['gelu consts count', base('  - { kernel: gelu, inputs: [x], output: y, consts: [1, 2] }\n'), 'm.yml:9:53: nodes[0].consts: expected 3 int32 consts for gelu, found [1,2]'],
    ['gelu qb', base('  - { kernel: gelu, inputs: [x], output: y, consts: [0, 1, 2] }\n'), 'm.yml:9:54: nodes[0].consts[0]: expected qb > 0 (gelu), found 0'],
    ['split', base('  - { kernel: qk_softmax, inputs: [q, q], output: a, split: cols }\n'), 'm.yml:9:61: nodes[0].split: expected heads or rows, found "cols"'],
    ['unknown node key', base('  - { kernel: gelu, inputs: [x], output: y, foo: 1 }\n'),
      'm.yml:9:50: nodes[0].foo: expected a known key (name, kernel, inputs, output, rq, consts, split, T, H, P, description), found "foo"'],
    ['T on a kernel that does not tile', base('  - { kernel: gelu, inputs: [x], output: y, T: 2 }\n'),
      'm.yml:9:48: nodes[0].T: expected no T (only kernels that tile take one; gelu does not), found 2'],
  ];
  for (const [what, text, msg] of cases) t.test(what, async (t) => throwsExact(t, bad(text), msg, 'ModelError'));
});

t.test('.npy and .npz tensors: loaded bit for bit; wrong dtype, shape or array named with file and array', async (t) => {
  const w1 = randomTensor('i8', 24, 7);
  const b16 = randomTensor('i16', 6, 8);
  fs.writeFileSync(path.join(dir, 'w1.npy'), encodeNpy('i8', [4, 6], w1));
  fs.writeFileSync(path.join(dir, 'w16.npy'), encodeNpy('i16', [4, 6], randomTensor('i16', 24, 9)));
  const entries = [{ name: 'W1', dtype: 'i8' as const, shape: [4, 6], data: w1 }, { name: 'B', dtype: 'i16' as const, shape: [6], data: b16 }];
  fs.writeFileSync(path.join(dir, 'stored.npz'), encodeNpz(entries, false));
  fs.writeFileSync(path.join(dir, 'deflated.npz'), encodeNpz(entries, true));
  t.same(npzNames(fs.readFileSync(path.join(dir, 'deflated.npz'))), ['W1', 'B']);
  t.same(npzArray(fs.readFileSync(path.join(dir, 'deflated.npz')), 'B')!.data, b16);

  const node = '  - { kernel: add, inputs: [x, W1], output: y }\n';
  for (const f of ['w1.npy', 'stored.npz', 'deflated.npz']) {
    const arr = f.endsWith('.npz') ? ', array: W1' : '';
    const m = parseModel(base(node, `  W1: { shape: [S, E], file: ${f}${arr} }\n`), path.join(dir, 'm.yml'));
    t.same(m.tensors.get('W1')!.data, w1, `${f}: bytes`);
    t.equal(m.tensors.get('W1')!.source, f.endsWith('.npz') ? `${f}:W1` : f);
  }
  // Without `array:` an .npz entry of the tensor's own name is read.
  t.same(parseModel(base(node, '  W1: { shape: [S, E], file: deflated.npz }\n'), path.join(dir, 'm.yml')).tensors.get('W1')!.data, w1);

  const cases: Array<[string, string]> = [
    ['  W1: { shape: [S, E], file: w16.npy }\n', 'm.yml:7:30: tensors.W1.file: expected int8 [4, 6] in w16.npy, found int16 [4, 6]'],
    ['  W1: { shape: [S, 3], file: w1.npy }\n', 'm.yml:7:30: tensors.W1.file: expected int8 [4, 3] in w1.npy, found int8 [4, 6]'],
    ['  W1: { shape: [S, E], file: stored.npz, array: B }\n', 'm.yml:7:49: tensors.W1.array: expected int8 [4, 6] in stored.npz:B, found int16 [6]'],
    ['  B: { shape: [S, E], file: stored.npz }\n', 'm.yml:7:29: tensors.B.file: expected int8 [4, 6] in stored.npz:B, found int16 [6]'],
    ['  W1: { shape: [S, E], file: stored.npz, array: W9 }\n', 'm.yml:7:49: tensors.W1.array: expected an array "W9" in stored.npz, found only W1, B'],
    ['  W1: { shape: [S, E], file: m.yml.npz }\n', `m.yml:7:30: tensors.W1.file: expected a readable file, found no file at ${path.join(dir, 'm.yml.npz')}`],
  ];
  // Without array: the .npz entry of the tensor's own name (B, an int16 [6]) is read and checked.
  for (const [decl, msg] of cases) throwsExact(t, () => parseModel(base(decl.startsWith('  B:') ? node.replace('W1', 'B') : node, decl), 'm.yml', dir), msg, 'ModelError');
  fs.writeFileSync(path.join(dir, 'junk.npy'), 'not numpy');
  throwsExact(t, () => parseModel(base(node, '  W1: { shape: [S, E], file: junk.npy }\n'), 'm.yml', dir),
    'm.yml:7:30: tensors.W1.file: expected a NumPy .npy file, found junk.npy that is not readable (not a .npy file (no \\x93NUMPY magic))', 'ModelError');
});

t.test('NumPy itself reads what tinyhil writes and tinyhil reads what NumPy writes (when python3 has numpy)', async (t) => {
  const { spawnSync } = await import('node:child_process');
  const probe = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });
  if (probe.status !== 0) return t.skip('python3 with numpy is not installed');
  const f = path.join(dir, 'np.npz');
  const py = `import numpy as np
np.savez_compressed(${JSON.stringify(f)}, W=np.arange(-12, 12, dtype=np.int8).reshape(4, 6), B=np.arange(6, dtype=np.int16) * 1000)
d = np.load(${JSON.stringify(path.join(dir, 'deflated.npz'))}); print(d['W1'].dtype, d['W1'].shape, int(d['W1'].astype(int).sum()))`;
  const r = spawnSync('python3', ['-c', py], { encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
  const w1 = new Int8Array(randomTensor('i8', 24, 7).buffer);
  t.equal(r.stdout.trim(), `int8 (4, 6) ${w1.reduce((a, b) => a + b, 0)}`);
  const buf = fs.readFileSync(f);
  t.same(Array.from(new Int8Array(npzArray(buf, 'W')!.data.buffer)), Array.from({ length: 24 }, (_, i) => i - 12));
  t.same(Array.from(new Int16Array(npzArray(buf, 'B')!.data.buffer)), [0, 1000, 2000, 3000, 4000, 5000]);
});

t.test('random tensors: one stream per tensor, seeded by model seed XOR fnv1a(name)', async (t) => {
  const m = parseModel(base('  - { kernel: gelu, inputs: [x], output: y }\n').replace('name: t', 'name: t\nseed: 42'), 'm.yml', dir);
  t.equal(nameHash('a'), 0xe40c292c);
  t.equal(tensorSeed(42, 'x'), (42 ^ 0xfd0c5087) >>> 0); // fnv1a32("x") = 0xfd0c5087 (fnv1a32("a") = 0xe40c292c)
  t.same(m.tensors.get('x')!.data, randomTensor('i8', 24, tensorSeed(42, 'x')));
  t.equal(m.tensors.get('x')!.source, `random (seed ${tensorSeed(42, 'x')})`);
  t.same(m.notices, ['m.yml: tensor Wq is declared but no node reads it', 'm.yml: tensor Bq is declared but no node reads it']);
  t.throws(() => parseNpy(new Uint8Array(4)), { message: 'not a .npy file (no \\x93NUMPY magic)' });
});

t.test('example models load; shapes are inferred per node', async (t) => {
  const ex = path.join(__dirname, '..', 'examples', 'models');
  const files = fs.readdirSync(ex).filter((f) => f.endsWith('.yml'));
  t.ok(files.length >= 9, 'three applications x three attention forms');
  for (const f of files) {
    const m = loadModel(path.join(ex, f));
    t.equal(m.nodes[m.nodes.length - 1].output, 'y', f);
  }
  const m = loadModel(path.join(ex, 'eeg-full.yml'));
  t.same(m.nodes.map((n) => `${n.name}:${n.kernel} S=${n.shape.S} E=${n.shape.E} P=${n.shape.P} H=${n.shape.H}`), [
    'q:linear_qk S=81 E=32 P=32 H=8', 'k:linear_qk S=81 E=32 P=32 H=8', 'v:linear_v S=81 E=32 P=32 H=8',
    'scores:qk_softmax S=81 E=1 P=32 H=8', 'av:av S=81 E=1 P=32 H=8', 'out:linear_o S=81 E=32 P=32 H=8',
    'add1:add S=81 E=32 P=1 H=1', 'ln1:layernorm S=81 E=32 P=1 H=1', 'ffn1:linear S=81 E=32 P=128 H=1',
    'gelu:gelu S=81 E=128 P=1 H=1', 'ffn2:linear S=81 E=128 P=32 H=1', 'add2:add S=81 E=32 P=1 H=1', 'ln2:layernorm S=81 E=32 P=1 H=1',
  ]);
  t.same(m.tensors.get('a')!.shape, [81, 8, 81]);
  t.same(m.tensors.get('m')!.shape, [81, 256]);
  t.equal(loadModel(path.join(ex, 'eeg-dft.yml')).nodes[0].shape.T, 8);
});
