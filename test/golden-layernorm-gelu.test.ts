// Integer LayerNorm and i-GELU worked by hand, isqrt exactness, and the geluConsts derivation.
import t from 'tap';
import fc from 'fast-check';
import { runGolden, geluConsts, chooseRq } from '../src/golden';
import { isqrt, isqrtBig } from '../src/golden/layernorm';
import { gelu } from '../src/golden/gelu';
import './lib/fcSeed';

const i8 = (...v: number[]) => Int8Array.from(v);
const i16 = (...v: number[]) => Int16Array.from(v);
const ln = (E: number, x: number[], gamma: number[], beta: number[], rq: [number, number]) =>
  [...runGolden('layernorm', { S: x.length / E, E, P: 1, H: 1, rq: [rq] }, [i8(...x), i8(...gamma), i16(...beta)])];

t.test('isqrt is the exact floor square root', async (t) => {
  t.same([0, 1, 2, 3, 4, 8, 9, 14, 15, 16, 42].map(isqrt), [0, 1, 1, 1, 2, 2, 3, 3, 3, 4, 6]);
  // around perfect squares near 2^52 where Math.sqrt rounds
  const r = 67108863; // 2^26 - 1
  t.equal(isqrt(r * r), r);
  t.equal(isqrt(r * r - 1), r - 1);
  t.equal(isqrt((r + 1) * (r + 1) - 1), r);
  t.equal(isqrtBig(2n ** 64n - 1n), 2n ** 32n - 1n);
  t.equal(isqrtBig(2n ** 64n), 2n ** 32n);
  fc.assert(fc.property(fc.bigInt({ min: 0n, max: 2n ** 70n }), (v) => {
    const r = isqrtBig(v);
    return r * r <= v && (r + 1n) * (r + 1n) > v;
  }));
  fc.assert(fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (v) => {
    const r = BigInt(isqrt(v));
    return r * r <= BigInt(v) && (r + 1n) * (r + 1n) > BigInt(v);
  }));
});

t.test('layernorm by hand', async (t) => {
  // E=2, x = [1,3]: sum 4, d = [2-4, 6-4] = [-2,2], Σd² = 8, v = 4, sd = 2, n = [-256, 256]
  // gamma [1,-2], beta [10,0]: [-256 + 10, -512] = [-246, -512]; rq (1,2): [-61.5 -> -62, -128]
  t.same(ln(2, [1, 3], [1, -2], [10, 0], [1, 2]), [-62, -128]);
  // default rq (385,16): -246·385/65536 = -1.45 -> -2; -512·385/65536 = -3.008 -> -4
  t.same(ln(2, [1, 3], [1, -2], [10, 0], [385, 16]), [-2, -4]);
  // E=3, x = [0,1,5]: sum 6, d = [-6,-3,9], Σd² = 126, v = 42, sd = isqrt(42) = 6
  // n = [-1536/6, -768/6, 2304/6] = [-256, -128, 384]; gamma 1, beta 0, rq (1,3): [-32, -16, 48]
  t.same(ln(3, [0, 1, 5], [1, 1, 1], [0, 0, 0], [1, 3]), [-32, -16, 48]);
  // E=3, x = [0,2,3]: sum 5, d = [-5,1,4], Σd² = 42, v = 14, sd = 3
  // n = [floor(-1280/3) = -427, floor(256/3) = 85, floor(1024/3) = 341]
  // rq (1,3): [floor(-53.375) = -54, 10, 42]
  t.same(ln(3, [0, 2, 3], [1, 1, 1], [0, 0, 0], [1, 3]), [-54, 10, 42]);
  // constant row: d = 0, v = 0, sd = max(0,1) = 1, n = 0 -> Y = rq(beta): [7, -9, 100 -> rq(1,0) 100]
  t.same(ln(3, [-5, -5, -5], [99, 99, 99], [7, -9, 100], [1, 0]), [7, -9, 100]);
  // two rows are independent: row 2 is row 1 shifted by +10 (same d), so same output
  t.same(ln(3, [0, 2, 3, 10, 12, 13], [1, 1, 1], [0, 0, 0], [1, 3]), [-54, 10, 42, -54, 10, 42]);
  // E=1: d = 0 always -> rq(beta)
  t.same(ln(1, [77], [5], [-3], [1, 0]), [-3]);
});

t.test('layernorm on a wide row (E > 4096 takes the bigint variance path)', async (t) => {
  // E = 5000 alternating -128, 127: sum = 2500·(-1) = -2500, d = 5000·x + 2500
  //   d = -637500 or 637500 -> Σd² = 5000·637500², v = 637500², sd = 637500, n = ±256
  // gamma = 1, beta = 0, rq (1,1): ±128 -> [-128, 127]
  const E = 5000;
  const x = Array.from({ length: E }, (_, i) => (i % 2 ? 127 : -128));
  const y = ln(E, x, new Array(E).fill(1), new Array(E).fill(0), [1, 1]);
  t.same(y.slice(0, 4), [-128, 127, -128, 127]);
  t.ok(y.every((v, i) => v === (i % 2 ? 127 : -128)));
  // same shape with rq (1,2): ±64, and 256/4 = 64 -> 64, -256/4 = -64
  const y2 = ln(E, x, new Array(E).fill(1), new Array(E).fill(0), [1, 2]);
  t.ok(y2.every((v, i) => v === (i % 2 ? 64 : -64)));
});

t.test('gelu by hand with the defaults qb 40, qc q1 1772, rq (296,20)', async (t) => {
  // x = 16 (1.0): t = 16 - 40 = -24, L = 1772 - 576 = 1196, y = 16·2968 = 47488
  //   47488·296 / 2^20 = 13.41 -> 13  (GELU(1.0)·16 = 13.46)
  // x = -16: L = -1196, y = -16·(576) = -9216; -9216·296 / 2^20 = -2.60 -> -3  (GELU(-1)·16 = -2.54)
  // x = 0: sign 0 -> L 0, y 0 -> 0
  // x = 127: t = 0, L = 1772, y = 127·3544 = 450088 -> 127.05 -> 127
  // x = -128: t = 0, L = -1772, y = -128·0 = 0 -> 0
  // x = 50: t = 0, y = 50·3544 = 177200 -> 50.02 -> 50
  // x = 1: t = -39, L = 1772 - 1521 = 251, y = 2023 -> 0.57 -> 0
  // x = -1: L = -251, y = -1521 -> -0.43 -> -1
  const X = i8(16, -16, 0, 127, -128, 50, 1, -1);
  const Y = runGolden('gelu', { S: 2, E: 4, P: 1, H: 1, rq: [[296, 20]], consts: [40, 1772, 1772] }, [X]);
  t.same([...Y], [13, -3, 0, 127, 0, 50, 0, -1]);
});

t.test('gelu with a huge qb takes the exact bigint path', async (t) => {
  // qb = 2^30, x = 1: t = 1 - 2^30, t² = 2^60 - 2^31 + 1, L = qc - t², y = (L + q1)
  // with qc = q1 = 0: y = -(2^60 - 2^31 + 1) -> rq(1,31) = floor(-(2^29 - 1 + 2^-31)) = -(2^29) -> -128
  const Y = new Int8Array(2);
  gelu(1, 2, i8(1, 0), [1, 31], [2 ** 30, 0, 0], Y);
  t.same([...Y], [-128, 0]);
  // qb = 2^23 (just past the plain-number limit), x = 3: t = 3 - 2^23, L = 0 - t² ≈ -2^46,
  // y = 3·(5 - t²) ≈ -3·2^46 -> rq (1,0) saturates at -128
  gelu(1, 1, i8(3), [1, 0], [2 ** 23, 0, 5], Y);
  t.equal(Y[0], -128);
  // and an unsaturated exact case on the bigint path: qb = 2^23, qc = t² for x = 3, so L = 0
  // and y = x·q1 = 3·5 = 15 -> 15 (needs t² = 70368694468609 exactly, past 2^46)
  const tt = 3 - 2 ** 23;
  gelu(1, 1, i8(3), [1, 0], [2 ** 23, tt * tt, 5], Y);
  t.equal(Y[0], 15);
});

t.test('geluConsts derives the defaults from scale 1/16', async (t) => {
  const g = geluConsts(1 / 16, 1 / 16);
  t.same([g.qb, g.qc, g.q1, g.mul, g.div], [40, 1772, 1772, 296, 20]);
  t.same(g.consts, [40, 1772, 1772]);
  t.same(g.rq, [296, 20]);
  // y scale = s·a·se²/2 with se² = s²/2 = 1/512: (1/16)·0.2888/512/2
  t.ok(Math.abs(g.yScale - (0.2888 / 512 / 32)) < 1e-15);
  // a finer input scale: s = 1/32 -> se = 1/(32√2), qb = floor(1.769·32·√2) = 80,
  // qc = floor(2048/0.2888) = 7091
  const f = geluConsts(1 / 32, 1 / 16);
  t.same([f.qb, f.qc, f.q1], [80, 7091, 7091]);
  t.throws(() => geluConsts(3, 1), { message: /geluConsts: scaleIn 3 gives qb = floor\(1.769·√2 \/ scaleIn\) = 0/ });
  t.throws(() => geluConsts(0, 1), { message: 'geluConsts: scaleIn must be a positive finite number, got 0' });
  t.throws(() => geluConsts(1 / 16, -1), { message: 'geluConsts: scaleOut must be a positive finite number, got -1' });
});

t.test('chooseRq picks a 9-bit mul', async (t) => {
  t.same(chooseRq(385 / 65536), [385, 16]);
  t.same(chooseRq(1), [256, 8]);
  t.same(chooseRq(300), [300, 0]);
  t.throws(() => chooseRq(0), { message: 'chooseRq: ratio must be a positive finite number, got 0' });
});

t.test('gelu tracks the float GELU within a couple of LSB over the int8 range', async (t) => {
  const X = new Int8Array(256);
  for (let i = 0; i < 256; i++) X[i] = i - 128;
  const Y = runGolden('gelu', { S: 1, E: 256, P: 1, H: 1, rq: [[296, 20]], consts: [40, 1772, 1772] }, [X]);
  let worst = 0;
  for (let i = 0; i < 256; i++) {
    const x = X[i] / 16;
    // erf via Abramowitz-Stegun 7.1.26 (|err| < 1.5e-7), enough for a tolerance check
    const z = Math.abs(x) / Math.SQRT2;
    const k = 1 / (1 + 0.3275911 * z);
    const erf = Math.sign(x) * (1 - (((((1.061405429 * k - 1.453152027) * k) + 1.421413741) * k - 0.284496736) * k + 0.254829592) * k * Math.exp(-z * z));
    const want = Math.min(127, (0.5 * x * (1 + erf)) * 16);
    worst = Math.max(worst, Math.abs(Y[i] - want));
  }
  t.ok(worst < 2, `worst error ${worst} LSB`);
});
