// The seeded input generator: mulberry32 first values pinned, draw order, dtype mapping, errors.
import t from 'tap';
import { throwsExact } from './lib/exact';
import { drawTensor, generateInputs, mulberry32, tensorBytes } from '../src/gen';

/** The docs/kernels.md recurrence in bigint arithmetic mod 2^32, written independently of gen.ts. */
function referenceStream(seed: number) {
  const M = 2n ** 32n;
  const imul = (a: bigint, b: bigint) => (a * b) % M;
  let state = BigInt(seed);
  return () => {
    state = (state + 0x6d2b79f5n) % M;
    let t = state;
    t = imul(t ^ (t >> 15n), t | 1n);
    t = t ^ ((t + imul(t ^ (t >> 7n), t | 61n)) % M);
    return Number(t ^ (t >> 14n));
  };
}

t.test('seed 1: first values pinned', async (t) => {
  const next = mulberry32(1);
  const first = [next(), next(), next(), next()];
  // 2693262067 / 2^32 = 0.6270739405881613, the widely quoted first value of mulberry32(1)
  t.same(first, [2693262067, 11749833, 2265367787, 4213581821]);
  t.equal(first[0] / 2 ** 32, 0.6270739405881613);
  const ref = referenceStream(1);
  t.same(first, [ref(), ref(), ref(), ref()]);
});

t.test('mulberry32 agrees with the bigint reference for many seeds and draws', async (t) => {
  for (const seed of [0, 1, 2, 42, 0x7fffffff, 0x80000000, 0xffffffff]) {
    const a = mulberry32(seed);
    const b = referenceStream(seed);
    let ok = true;
    for (let i = 0; i < 1000; i++) if (a() !== b()) ok = false;
    t.ok(ok, `seed ${seed}`);
  }
});

t.test('dtype mapping: int8 = (x>>>24)-128, uint8 = x>>>24, int16 = (x>>>21)-1024', async (t) => {
  // seed 1 draws 2693262067, 11749833, 2265367787:
  //   >>>24 = 160, 0, 135  (2693262067 / 2^24 = 160.5)     >>>21 = 1284, 5, 1080
  t.same([...drawTensor(mulberry32(1), 'i8', 3)], [32, -128, 7]);
  t.same([...drawTensor(mulberry32(1), 'u8', 3)], [160, 0, 135]);
  t.same([...drawTensor(mulberry32(1), 'i16', 3)], [260, -1019, 56]);
});

t.test('generateInputs draws the tensors in argument order from one stream', async (t) => {
  const shape = { S: 2, E: 3, P: 2, H: 1 };
  const [I, W, B] = generateInputs('linear_qk', shape, 1);
  t.equal(I.constructor, Int8Array);
  t.equal(W.constructor, Int8Array);
  t.equal(B.constructor, Int16Array);
  t.same([I.length, W.length, B.length], [6, 6, 2]);
  const next = mulberry32(1);
  t.same([...I], [...drawTensor(next, 'i8', 6)]);
  t.same([...W], [...drawTensor(next, 'i8', 6)]);
  t.same([...B], [...drawTensor(next, 'i16', 2)]);
  t.same([...I.slice(0, 3)], [32, -128, 7]);
  // av takes a uint8 map first
  const [A, V] = generateInputs('av', shape, 1);
  t.equal(A.constructor, Uint8Array);
  t.same([...A.slice(0, 3)], [160, 0, 135]);
  t.equal(V.length, 4);
  // deterministic, and a different seed differs
  t.same(generateInputs('mhsa', shape, 9), generateInputs('mhsa', shape, 9));
  t.notSame(generateInputs('mhsa', shape, 9)[0], generateInputs('mhsa', shape, 10)[0]);
});

t.test('errors', async (t) => {
  t.throws(() => generateInputs('linear_qk', { S: 1, E: 1, P: 1, H: 1 }, -1),
    { message: 'generateInputs: seed must be a uint32 (0..4294967295), got -1' });
  t.throws(() => generateInputs('linear_qk', { S: 1, E: 1, P: 1, H: 1 }, 2 ** 32),
    { message: 'generateInputs: seed must be a uint32 (0..4294967295), got 4294967296' });
  throwsExact(t, () => generateInputs('linear_qk', { S: 0, E: 1, P: 1, H: 1 }, 1),
    'generateInputs linear_qk: shape.S: expected an integer in 1..65535, found 0');
  throwsExact(t, () => generateInputs('mhsa_dft', { S: 4, E: 1, P: 1, H: 1, T: 5 }, 1),
    'generateInputs mhsa_dft: shape.T: expected an integer in 1..S (1..4), found 5');
  t.throws(() => generateInputs('foo', { S: 1, E: 1, P: 1, H: 1 }, 1), { message: /^Unknown kernel "foo"/ });
});

t.test('tensorBytes views little-endian int16 bytes without copying', async (t) => {
  const b = Int16Array.from([1, -2]);
  const bytes = tensorBytes(b);
  t.same([...bytes], [1, 0, 0xfe, 0xff]);
  bytes[0] = 7;
  t.equal(b[0], 7);
});
