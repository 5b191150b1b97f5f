// Kernel 13 `linear` (I[S,K]·W[N,K]ᵀ + B[N] -> O[S,N], K = shape E, N = shape P): worked example,
// golden == addon == C reference on random and FFN shapes, equal to linear_o under its mapping.
import t from 'tap';
import fc from 'fast-check';
import { KERNELS, compare, runGolden } from '../src/golden';
import { generateInputs } from '../src/gen';
import { macs, run, runReference, scratchBytes } from '../src/native';
import { fcSeed } from './lib/fcSeed';

type Typed = Int8Array | Uint8Array | Int16Array;
const bytes = (a: Typed): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
const R1: [number, number] = [1, 0];

t.test('worked example: S=2 K=3 N=2', async (t) => {
  // I = [[1,2,3],[-1,0,4]]; W = [[1,0,-1],[2,1,1]]; B = [10,-3]
  // s0: n0 1-3+10 = 8, n1 2+2+3-3 = 4;  s1: n0 -1-4+10 = 5, n1 -2+4-3 = -1
  const x = [Int8Array.from([1, 2, 3, -1, 0, 4]), Int8Array.from([1, 0, -1, 2, 1, 1]), Int16Array.from([10, -3])];
  const shape = { S: 2, E: 3, P: 2, H: 1 };
  t.same([...runGolden('linear', { ...shape, rq: [R1] }, x)], [8, 4, 5, -1]);
  t.same([...run({ kernel: 'linear', shape, rq: [R1], inputs: x.map(bytes) })].map((b) => (b << 24) >> 24), [8, 4, 5, -1]);
  // rq applies after the bias: 8·3 / 2 = 12, 4·3/2 = 6, 5·3/2 = 7.5 -> 7, -1·3/2 = -1.5 -> -2
  t.same([...runGolden('linear', { ...shape, rq: [[3, 1]] }, x)], [12, 6, 7, -2]);
  t.equal(KERNELS.linear.macs(shape), 12);
  t.equal(macs('linear', shape), 12);
  t.equal(scratchBytes('linear', shape, 8), 0);
});

t.test('mismatches name O[s,n] and the shape as S K N', async (t) => {
  const want = new Int8Array(6);
  const got = new Int8Array(6);
  got[5] = 3; // s 1, n 2 of [S=2, N=3]
  t.equal(compare('linear', { S: 2, E: 4, P: 3, H: 1 }, got, want), 'linear S=2 K=4 N=3: first mismatch at O[s=1,n=2]: got 3, want 0');
});

t.test('H is not read: any H gives the bytes of H = 1', async (t) => {
  const shape = { S: 5, E: 9, P: 7, H: 1 };
  const x = generateInputs('linear', shape, 11) as Typed[];
  const one = run({ kernel: 'linear', shape, rq: [[900, 12]], inputs: x.map(bytes) });
  const many = run({ kernel: 'linear', shape: { ...shape, H: 13 }, rq: [[900, 12]], inputs: x.map(bytes) });
  t.ok(one.equals(many), 'addon');
  t.same(runGolden('linear', { ...shape, H: 13, rq: [[900, 12]] }, x), runGolden('linear', { ...shape, rq: [[900, 12]] }, x), 'golden');
});

const dim = fc.integer({ min: 1, max: 96 });
const arb = fc.record({
  S: dim, K: dim, N: dim, cores: fc.integer({ min: 1, max: 8 }), seed: fc.integer({ min: 0, max: 0xffffffff }),
  mul: fc.integer({ min: -3000, max: 3000 }), div: fc.integer({ min: 0, max: 24 }),
});

t.test('golden == addon (ISA path, 1..8 threads) == C reference == linear_o(E=N, P=K, H=1), random shapes', async (t) => {
  let n = 0;
  fc.assert(fc.property(arb, (a) => {
    const shape = { S: a.S, E: a.K, P: a.N, H: 1 };
    const x = generateInputs('linear', shape, a.seed) as Typed[];
    const rq: Array<[number, number]> = [[a.mul, a.div]];
    const want = Buffer.from(bytes(runGolden('linear', { ...shape, rq }, x, { cores: a.cores })));
    const got = run({ kernel: 'linear', shape, rq, inputs: x.map(bytes), cores: a.cores });
    const ref = runReference({ kernel: 'linear', shape, rq, inputs: x.map(bytes) });
    const asO = run({ kernel: 'linear_o', shape: { S: a.S, E: a.N, P: a.K, H: 1 }, rq, inputs: x.map(bytes), cores: a.cores });
    const label = JSON.stringify(a);
    if (!got.equals(want)) throw new Error(`${label}: addon differs from golden`);
    if (!ref.equals(want)) throw new Error(`${label}: C reference differs from golden`);
    if (!asO.equals(want)) throw new Error(`${label}: linear_o under the mapping differs`);
    n++;
  }), { numRuns: 60, seed: fcSeed(909) });
  t.equal(n, 60, '60 random shapes bit-exact four ways');
});

t.test('FFN shapes of the example blocks (E->F, F->E), odd and tiny sizes', async (t) => {
  const shapes: Array<[number, number, number]> = [
    [81, 32, 128], [81, 128, 32], [1, 1, 1], [1, 65, 3], [7, 33, 31], [50, 4, 5], [128, 16, 64], [3, 257, 2],
  ];
  for (const [S, K, N] of shapes) {
    const shape = { S, E: K, P: N, H: 1 };
    const x = generateInputs('linear', shape, S * 1000 + K) as Typed[];
    const want = Buffer.from(bytes(runGolden('linear', { ...shape, rq: [[385, 16]] }, x)));
    for (const cores of [1, 3, 8]) {
      const got = run({ kernel: 'linear', shape, rq: [[385, 16]], inputs: x.map(bytes), cores });
      t.ok(got.equals(want), `S=${S} K=${K} N=${N} cores=${cores}`);
    }
  }
});
