// Kernel arguments are checked in TypeScript (src/validate/kernelArgs.ts) before the addon sees them;
// binding/addon.cc checks only types, and whatever reaches it directly, the C library refuses or
// runs within the buffers the addon sized: nothing is read or written out of bounds.
import t from 'tap';
import { thrown } from './lib/exact';
import { kernelSizes, macs, native, run, runAsync, runReference, runTimed, scratchBytes } from '../src/native';

const a = native();
const shape = { S: 2, E: 3, P: 1, H: 2 };
const p = { ...shape, T: 2, split: 0, rq: [[385, 16]] as Array<[number, number]>, consts: [] as number[] };
const good = (): Uint8Array[] => [new Int8Array(6), new Int8Array(6), new Int16Array(2)].map((x) => new Uint8Array(x.buffer));
const seeded = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 37 + seed * 11) & 0xff);

t.test('good arguments run', async (t) => {
  t.equal(a.run(0, p, good(), 1).length, 4);
  t.equal((await a.runAsync(0, p, good(), 3)).length, 4);
});

t.test('the addon checks types only, with exact messages', async (t) => {
  const cases: Array<[string, () => unknown, string]> = [
    ['kernel type', () => a.run('x' as never, p, good(), 1), 'Expected a kernel id (number of the kernel table) for kernel but received x'],
    ['kernel id', () => a.run(99, p, good(), 1), 'Expected a kernel id (number of the kernel table) for kernel but received 99'],
    ['shape', () => a.run(0, 7 as never, good(), 1), 'Expected an object {S, E, P, H, T?} for shape but received 7'],
    ['shape field', () => a.run(0, { ...p, E: 'x' as never }, good(), 1), 'Expected a number for shape.E but received x'],
    ['rq', () => a.run(0, { ...p, rq: 5 as never }, good(), 1), 'Expected an array of [mul, div] pairs for params.rq but received 5'],
    ['missing rq pair', () => a.run(0, { ...p, rq: [] }, good(), 1), 'Expected a [mul, div] pair for params.rq[0] but received undefined'],
    ['rq pair of strings', () => a.run(0, { ...p, rq: [['a', 'b']] as never }, good(), 1), 'Expected a [mul, div] pair of numbers for params.rq[0] but received a,b'],
    ['consts', () => a.run(11, { ...p, rq: [[296, 20]], consts: [1] }, [new Uint8Array(6)], 1), 'Expected a number for params.consts[1] but received undefined'],
    ['inputs', () => a.run(0, p, 3 as never, 1), 'Expected an array of input buffers for inputs but received 3'],
    ['input type', () => a.run(0, p, [new Uint8Array(6), [1, 2] as never, new Uint8Array(4)], 1), 'Expected a typed array for input W of linear_qk but received 1,2'],
    ['missing input', () => a.run(0, p, good().slice(0, 2), 1), 'Expected a typed array for input B of linear_qk but received undefined'],
    ['cores type', () => a.run(0, p, good(), 'two' as never), 'Expected a number for cores but received two'],
  ];
  for (const [what, fn, msg] of cases) {
    const err = thrown(fn);
    t.equal(err?.constructor.name, 'TypeError', what);
    t.equal(err?.message, msg, what);
  }
});

t.test('bad sizes and ranges straight to the addon: the C library refuses, nothing out of bounds', async (t) => {
  const refused: Array<[string, () => unknown, string]> = [
    ['S 0', () => a.run(0, { ...p, S: 0 }, good(), 1), 'Kernel linear_qk failed: bad shape'],
    ['E above 65535', () => a.run(0, { ...p, E: 70000 }, good(), 1), 'Kernel linear_qk failed: bad shape'],
    ['tensors past 2^31 bytes', () => a.run(0, { ...p, S: 65535, E: 65535 }, good(), 1), 'Kernel linear_qk failed: bad shape'],
    ['div 32', () => a.run(0, { ...p, rq: [[385, 32]] }, good(), 1), 'Kernel linear_qk failed: requant div outside 0..31'],
    ['cores 0', () => a.run(0, p, good(), 0), 'Kernel linear_qk failed: bad argument'],
    ['cores 9', () => a.run(0, p, good(), 9), 'Kernel linear_qk failed: bad argument'],
    ['cores 100000', () => a.run(0, p, good(), 100000), 'Kernel linear_qk failed: bad argument'],
    ['split 2', () => a.run(3, { ...p, split: 2 }, [new Uint8Array(4), new Uint8Array(4)], 1), 'Kernel qk_softmax failed: bad argument'],
    ['gelu qb 0', () => a.run(11, { ...p, rq: [[296, 20]], consts: [0, 1772, 1772] }, [new Uint8Array(6)], 1), 'Kernel gelu failed: bad argument'],
    ['T above S', () => a.run(9, { ...p, T: 3, rq: Array(6).fill([385, 16]) }, Array.from({ length: 9 }, () => new Uint8Array(64)), 1), 'Kernel mhsa_dft failed: bad shape'],
    ['reference, S 0', () => a.runReference(0, { ...p, S: 0 }, good()), 'Kernel linear_qk failed: bad shape'],
    ['reference, huge', () => a.runReference(0, { ...p, S: 65535, E: 65535 }, good()), 'Kernel linear_qk failed: bad shape'],
    ['sizes, huge', () => a.sizes(0, { S: 65535, E: 65535, P: 1, H: 1 }), 'th_kernel_sizes refused linear_qk: bad shape'],
    ['scratch, cores 9', () => a.scratchBytes(7, shape, 9), 'th_scratch_bytes refused mhsa: bad shape or cores'],
  ];
  for (const [what, fn, msg] of refused) {
    const err = thrown(fn);
    t.equal(err?.message, msg, what);
  }
  await t.rejects(a.runAsync(0, { ...p, S: 0 }, good(), 4), { message: 'Kernel linear_qk failed: bad shape' });
  // A short input is read as zero-filled to the size the kernel reads, a long one cut to it: the
  // kernel sees exactly its bytes (the TS layer refuses both before this point; see below).
  const I = seeded(6, 1), W = seeded(6, 2), B = seeded(4, 3);
  const full = a.run(0, p, [I, W, B], 1);
  const padded = a.run(0, p, [I, W.subarray(0, 3), B], 1);
  const W0 = Uint8Array.from(W); W0.fill(0, 3);
  t.same(padded, a.run(0, p, [I, W0, B], 1), 'short input = zero-filled input');
  t.same(a.run(0, p, [I, Uint8Array.from([...W, ...seeded(1000, 4)]), B], 1), full, 'long input = cut input');
  t.same(a.run(0, { ...p, rq: [[385, 16], [1, 40], [2, 50]] }, [I, W, B], 1), full, 'pairs past the kernel\'s count are never read');
  t.same(a.runReference(0, p, [I, W.subarray(0, 1), B]), a.run(0, p, [I, Uint8Array.from([W[0], 0, 0, 0, 0, 0]), B], 1), 'reference: same copy');
});

// Through src/native.ts every bad argument gets the one form and the addon is never called.
const req = { kernel: 'linear_qk', shape, rq: [[385, 16]] as Array<[number, number]>, inputs: good() };
const gelu = { kernel: 'gelu', shape, rq: [[296, 20]] as Array<[number, number]>, consts: [40, 1772, 1772], inputs: [new Uint8Array(6)] };
const dft = { kernel: 'mhsa_dft', shape: { S: 4, E: 2, P: 1, H: 1, T: 2 }, rq: Array(6).fill([385, 16]) as Array<[number, number]>, inputs: [8, 2, 2, 2, 2, 2, 2, 2, 4].map((n) => new Uint8Array(n)) };
const tsCases: Array<[string, unknown, string]> = [
  ['div', { ...req, rq: [[385, 32]] }, 'run linear_qk: rq[0][1]: expected a div in 0..31, found 32'],
  ['mul', { ...req, rq: [[2 ** 31, 16]] }, 'run linear_qk: rq[0][0]: expected a mul (int32), found 2147483648'],
  ['rq pair', { ...req, rq: [[385]] }, 'run linear_qk: rq[0]: expected a [mul, div] pair of integers, found [385]'],
  ['rq count', { ...req, rq: [] }, 'run linear_qk: rq: expected 1 [mul, div] pair for linear_qk, found []'],
  ['rq missing', { ...req, rq: undefined }, 'run linear_qk: rq: expected 1 [mul, div] pair for linear_qk, found nothing'],
  ['shape zero', { ...req, shape: { ...shape, S: 0 } }, 'run linear_qk: shape.S: expected an integer in 1..65535, found 0'],
  ['shape float', { ...req, shape: { ...shape, E: 1.5 } }, 'run linear_qk: shape.E: expected an integer in 1..65535, found 1.5'],
  ['shape past int32', { ...req, shape: { ...shape, H: 2 ** 32 + 2 } }, 'run linear_qk: shape.H: expected an integer in 1..65535, found 4294967298'],
  ['shape missing', { ...req, shape: undefined }, 'run linear_qk: shape: expected an object { S, E, P, H, T? }, found nothing'],
  ['tensors past 2^31 bytes', { ...req, shape: { S: 65535, E: 65535, P: 1, H: 1 } },
    'run linear_qk: shape: expected every tensor and the scratch below 2^31 bytes; input I [S, E] of 4294836225 bytes at this shape, found {"S":65535,"E":65535,"P":1,"H":1}'],
  ['int16 bias past 2^31 bytes', { ...req, shape: { S: 1, E: 1, P: 65535, H: 20000 } },
    'run linear_qk: shape: expected every tensor and the scratch below 2^31 bytes; input B [H*P] of 2621400000 bytes at this shape, found {"S":1,"E":1,"P":65535,"H":20000}'],
  ['T above S', { ...dft, shape: { ...dft.shape, T: 5 } }, 'run mhsa_dft: shape.T: expected an integer in 1..S (1..4), found 5'],
  ['T zero', { ...dft, shape: { ...dft.shape, T: 0 } }, 'run mhsa_dft: shape.T: expected an integer in 1..S (1..4), found 0'],
  ['cores 0', { ...req, cores: 0 }, `run linear_qk: cores: expected an integer in 1..${a.maxCores}, found 0`],
  ['cores 9', { ...req, cores: 9 }, `run linear_qk: cores: expected an integer in 1..${a.maxCores}, found 9`],
  ['input count', { ...req, inputs: good().slice(0, 2) }, 'run linear_qk: inputs: expected 3 input buffers (I, W, B) for linear_qk, found [Uint8Array(6),Uint8Array(6)]'],
  ['input type', { ...req, inputs: [good()[0], [1, 2], good()[2]] }, 'run linear_qk: inputs[1]: expected a typed array of 6 bytes (W [H*P, E]: 6 int8), found [1,2]'],
  ['input short', { ...req, inputs: [good()[0], new Uint8Array(5), good()[2]] }, 'run linear_qk: inputs[1]: expected a typed array of 6 bytes (W [H*P, E]: 6 int8), found Uint8Array(5)'],
  ['input long', { ...req, inputs: [good()[0], good()[1], new Uint8Array(6)] }, 'run linear_qk: inputs[2]: expected a typed array of 4 bytes (B [H*P]: 2 int16), found Uint8Array(6)'],
  ['split', { ...req, split: 'cols' }, 'run linear_qk: split: expected heads or rows, found "cols"'],
  ['gelu consts count', { ...gelu, consts: [1] }, 'run gelu: consts: expected 3 int32 consts for gelu, found [1]'],
  ['gelu consts missing', { ...gelu, consts: undefined }, 'run gelu: consts: expected 3 int32 consts for gelu, found nothing'],
  ['gelu qb', { ...gelu, consts: [0, 1772, 1772] }, 'run gelu: consts[0]: expected qb > 0 (gelu), found 0'],
  ['gelu const int32', { ...gelu, consts: [40, 2 ** 31, 1772] }, 'run gelu: consts[1]: expected an integer in -2147483648..2147483647, found 2147483648'],
  ['consts on add', { kernel: 'add', shape, rq: [[1, 0], [1, 0]], consts: [1], inputs: [new Uint8Array(6), new Uint8Array(6)] }, 'run add: consts: expected 0 int32 consts for add, found [1]'],
];

t.test('through src/native.ts: the TS error, exact, and the addon never called', async (t) => {
  const names = ['run', 'runAsync', 'runTimed', 'runReference', 'sizes', 'scratchBytes', 'macs'] as const;
  const calls: string[] = [];
  const saved = Object.fromEntries(names.map((n) => [n, a[n]]));
  for (const n of names) (a as unknown as Record<string, unknown>)[n] = (...args: unknown[]) => { calls.push(n); return (saved[n] as (...x: unknown[]) => unknown)(...args); };
  t.teardown(() => Object.assign(a, saved));
  for (const [what, r, msg] of tsCases) {
    for (const [fn, f] of [['run', run], ['runReference', runReference], ['runAsync', runAsync], ['runTimed', runTimed]] as const) {
      if (fn === 'runReference' && what.startsWith('cores')) continue; // the reference runs one core
      const err = thrown(() => f(r as never));
      t.equal(err?.constructor.name, 'RangeError', `${what} (${fn})`);
      t.equal(err?.message, msg, `${what} (${fn})`);
    }
  }
  const shapeCases: Array<[string, () => unknown, string]> = [
    ['sizes', () => kernelSizes('linear_qk', { ...shape, P: 0 }), 'sizes linear_qk: shape.P: expected an integer in 1..65535, found 0'],
    ['sizes huge', () => kernelSizes('linear_qk', { S: 65535, E: 65535, P: 1, H: 1 }),
      'sizes linear_qk: shape: expected every tensor and the scratch below 2^31 bytes; input I [S, E] of 4294836225 bytes at this shape, found {"S":65535,"E":65535,"P":1,"H":1}'],
    ['scratch cores', () => scratchBytes('mhsa', shape, 9), `scratchBytes mhsa: cores: expected an integer in 1..${a.maxCores}, found 9`],
    ['scratch past 2^31 bytes on 8 cores', () => scratchBytes('mhsa_dft', { S: 65535, E: 1, P: 1, H: 2048, T: 4096 }, 8),
      'scratchBytes mhsa_dft: shape: expected every tensor and the scratch below 2^31 bytes; scratch of 2483023872 bytes on 8 cores at this shape, found {"S":65535,"E":1,"P":1,"H":2048,"T":4096}'],
    ['macs', () => macs('av', { ...shape, H: 1.5 }), 'macs av: shape.H: expected an integer in 1..65535, found 1.5'],
  ];
  for (const [what, fn, msg] of shapeCases) {
    const err = thrown(fn);
    t.equal(err?.constructor.name, 'RangeError', what);
    t.equal(err?.message, msg, what);
  }
  t.same(calls, [], 'no bad argument reached the addon');
  t.equal(run(req).length, 4, 'a good request still runs');
  t.same(calls, ['run']);
});
