// Properties of the golden model over random small shapes (fast-check): DFT == full MHSA,
// split heads == rows, any core count gives the same bytes, MHSA == its kernels chained.
import t from 'tap';
import fc from 'fast-check';
import { KERNELS, runGolden, GoldenParams } from '../src/golden';
import { generateInputs } from '../src/gen';
import { fcSeed } from './lib/fcSeed';

type Tensor = Int8Array | Uint8Array | Int16Array;
const same = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  a.length === b.length && Array.prototype.every.call(a, (v: number, i: number) => v === b[i]);

// Small shapes so the suite runs in seconds; rq pairs with enough gain that outputs are not all 0.
const rqArb = fc.tuple(fc.integer({ min: 1, max: 600 }), fc.integer({ min: 0, max: 14 }));
const shapeArb = fc.record({
  S: fc.integer({ min: 1, max: 12 }),
  E: fc.integer({ min: 1, max: 9 }),
  P: fc.integer({ min: 1, max: 7 }),
  H: fc.integer({ min: 1, max: 4 }),
});
const pointArb = fc.record({
  shape: shapeArb,
  seed: fc.integer({ min: 0, max: 0xffffffff }),
  rq: fc.array(rqArb, { minLength: 6, maxLength: 6 }),
  tFrac: fc.double({ min: 0, max: 1, noNaN: true }),
  cores: fc.integer({ min: 1, max: 8 }),
});

function params(kernel: string, shape: { S: number; E: number; P: number; H: number }, rq: Array<[number, number]>, T?: number): GoldenParams {
  const k = KERNELS[kernel];
  return { ...shape, T, rq: rq.slice(0, k.nRq), consts: k.defaultConsts };
}

t.test('mhsa_dft == mhsa for every tile size', async (t) => {
  fc.assert(fc.property(pointArb, ({ shape, seed, rq, tFrac }) => {
    const T = Math.max(1, Math.ceil(tFrac * shape.S));
    const inputs = generateInputs('mhsa', shape, seed);
    const full = runGolden('mhsa', params('mhsa', shape, rq), inputs);
    const dft = runGolden('mhsa_dft', params('mhsa_dft', shape, rq, T), inputs);
    return same(full, dft);
  }), { numRuns: 150, seed: fcSeed(1) });
  t.pass('150 random shapes and tiles');
});

t.test('qk_softmax and av: split heads == split rows', async (t) => {
  fc.assert(fc.property(pointArb, ({ shape, seed, rq, cores }) => {
    for (const kernel of ['qk_softmax', 'av']) {
      const inputs = generateInputs(kernel, shape, seed);
      const heads = runGolden(kernel, { ...params(kernel, shape, rq), split: 'heads' }, inputs, { cores });
      const rows = runGolden(kernel, { ...params(kernel, shape, rq), split: 'rows' }, inputs, { cores });
      if (!same(heads, rows)) return false;
    }
    return true;
  }), { numRuns: 100, seed: fcSeed(2) });
  t.pass('100 random shapes');
});

t.test('every kernel: 1..8 cores (slices in turn) give the bytes of one core', async (t) => {
  for (const kernel of Object.keys(KERNELS)) {
    fc.assert(fc.property(pointArb, ({ shape, seed, rq, tFrac, cores }) => {
      const T = Math.max(1, Math.ceil(tFrac * shape.S));
      const p = params(kernel, shape, rq, T);
      const inputs = generateInputs(kernel, { ...shape, T }, seed);
      return same(runGolden(kernel, p, inputs), runGolden(kernel, p, inputs, { cores }));
    }), { numRuns: 25, seed: fcSeed(3) });
  }
  t.pass('25 random shapes per kernel');
});

t.test('mhsa == linear_qk, linear_qk, linear_v -> qk_softmax -> av -> linear_o', async (t) => {
  fc.assert(fc.property(pointArb, ({ shape, seed, rq }) => {
    const [I, Wq, Bq, Wk, Bk, Wv, Bv, Wo, Bo] = generateInputs('mhsa', shape, seed);
    const one = (i: number) => ({ ...shape, rq: [rq[i]] });
    const Q = runGolden('linear_qk', one(0), [I, Wq, Bq]);
    const K = runGolden('linear_qk', one(1), [I, Wk, Bk]);
    const V = runGolden('linear_v', one(2), [I, Wv, Bv]);
    const A = runGolden('qk_softmax', one(3), [Q, K] as Tensor[]);
    const M = runGolden('av', one(4), [A, V] as Tensor[]);
    const O = runGolden('linear_o', one(5), [M, Wo, Bo] as Tensor[]);
    return same(O, runGolden('mhsa', params('mhsa', shape, rq), [I, Wq, Bq, Wk, Bk, Wv, Bv, Wo, Bo]));
  }), { numRuns: 100, seed: fcSeed(4) });
  t.pass('100 random shapes');
});

t.test('mhsa_fwsa == fwsa -> (A[H,S,S] re-laid as [S,H,S]) -> av -> linear_o', async (t) => {
  fc.assert(fc.property(pointArb, ({ shape, seed, rq }) => {
    const { S, H } = shape;
    const [I, Wf, Bf, Wv, Bv, Wo, Bo] = generateInputs('mhsa_fwsa', shape, seed);
    const A = runGolden('fwsa', { ...shape, rq: [rq[0], rq[1]] }, [I, Wf, Bf]);
    const Ash = new Uint8Array(S * H * S);
    for (let h = 0; h < H; h++) for (let s = 0; s < S; s++) for (let u = 0; u < S; u++) Ash[(s * H + h) * S + u] = A[(h * S + s) * S + u];
    const V = runGolden('linear_v', { ...shape, rq: [rq[2]] }, [I, Wv, Bv]);
    const M = runGolden('av', { ...shape, rq: [rq[3]] }, [Ash, V] as Tensor[]);
    const O = runGolden('linear_o', { ...shape, rq: [rq[4]] }, [M, Wo, Bo] as Tensor[]);
    return same(O, runGolden('mhsa_fwsa', params('mhsa_fwsa', shape, rq), [I, Wf, Bf, Wv, Bv, Wo, Bo]));
  }), { numRuns: 100, seed: fcSeed(5) });
  t.pass('100 random shapes');
});

t.test('linear_v is linear_qk transposed per head', async (t) => {
  fc.assert(fc.property(pointArb, ({ shape, seed, rq }) => {
    const { S, P, H } = shape;
    const x = generateInputs('linear_qk', shape, seed);
    const qk = runGolden('linear_qk', { ...shape, rq: [rq[0]] }, x);
    const v = runGolden('linear_v', { ...shape, rq: [rq[0]] }, x);
    for (let h = 0; h < H; h++) for (let s = 0; s < S; s++) for (let p = 0; p < P; p++) {
      if (qk[(h * S + s) * P + p] !== v[(h * P + p) * S + s]) return false;
    }
    return true;
  }), { numRuns: 100, seed: fcSeed(6) });
  t.pass('100 random shapes');
});

t.test('softmax rows: every output in 0..255, sum at most 255 and above 255 - E', async (t) => {
  fc.assert(fc.property(shapeArb, fc.integer({ min: 0, max: 0xffffffff }), (shape, seed) => {
    const Y = runGolden('softmax', { ...shape, rq: [] }, generateInputs('softmax', shape, seed));
    for (let s = 0; s < shape.S; s++) {
      let sum = 0;
      for (let e = 0; e < shape.E; e++) sum += Y[s * shape.E + e];
      // each entry is floor(y·255/Σy), so the floors lose less than 1 each
      if (sum > 255 || sum <= 255 - shape.E) return false;
    }
    return true;
  }), { numRuns: 200, seed: fcSeed(7) });
  t.pass('200 random shapes');
});

t.test('MHSA at S=128 E=64 P=64 H=4 runs in well under a few seconds', async (t) => {
  const shape = { S: 128, E: 64, P: 64, H: 4, T: 16 };
  const inputs = generateInputs('mhsa', shape, 1);
  const t0 = process.hrtime.bigint();
  runGolden('mhsa', params('mhsa', shape, KERNELS.mhsa.defaultRq), inputs);
  runGolden('mhsa_dft', params('mhsa_dft', shape, KERNELS.mhsa.defaultRq, 16), inputs);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  t.ok(ms < 3000, `mhsa + mhsa_dft took ${ms.toFixed(0)} ms`);
});
