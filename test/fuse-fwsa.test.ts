// The FWSA weight fuser: orientation against the fwsa definition, float equivalence with the
// unfused Q·Kᵀ scores, quantised fused weights through the golden fwsa, and parameter counts.
import t from 'tap';
import fc from 'fast-check';
import { dequantise, fuseFloat, fuseQK, fwsaRq, paramCounts } from '../src/fuse';
import { runGolden } from '../src/golden';
import { mulberry32 } from '../src/gen';
import { fcSeed } from './lib/fcSeed';

/** Deterministic floats in [-a, a). */
function floats(seed: number, n: number, a: number): Float64Array {
  const next = mulberry32(seed);
  return Float64Array.from({ length: n }, () => (next() / 2 ** 32 * 2 - 1) * a);
}

/** Unfused scores of head h: (I·Wq_hᵀ + bq_h)(I·Wk_hᵀ + bk_h)ᵀ, [S,S]. */
function unfusedScores(I: ArrayLike<number>, S: number, E: number, P: number, h: number,
  Wq: ArrayLike<number>, Wk: ArrayLike<number>, bq?: ArrayLike<number>, bk?: ArrayLike<number>): Float64Array {
  const proj = (W: ArrayLike<number>, b?: ArrayLike<number>) => {
    const out = new Float64Array(S * P);
    for (let s = 0; s < S; s++) for (let p = 0; p < P; p++) {
      let acc = b ? b[h * P + p] : 0;
      for (let e = 0; e < E; e++) acc += I[s * E + e] * W[(h * P + p) * E + e];
      out[s * P + p] = acc;
    }
    return out;
  };
  const Q = proj(Wq, bq), K = proj(Wk, bk);
  const out = new Float64Array(S * S);
  for (let s = 0; s < S; s++) for (let u = 0; u < S; u++) {
    let acc = 0;
    for (let p = 0; p < P; p++) acc += Q[s * P + p] * K[u * P + p];
    out[s * S + u] = acc;
  }
  return out;
}

/** Fused scores of head h as fwsa computes them, in floats: (I·W_hᵀ + B_h)·Iᵀ. */
function fusedScores(I: ArrayLike<number>, S: number, E: number, h: number, W: ArrayLike<number>, B: ArrayLike<number>): Float64Array {
  const out = new Float64Array(S * S);
  for (let s = 0; s < S; s++) {
    const star = new Float64Array(E);
    for (let e = 0; e < E; e++) {
      let acc = B[h * E + e];
      for (let f = 0; f < E; f++) acc += I[s * E + f] * W[(h * E + e) * E + f];
      star[e] = acc;
    }
    for (let u = 0; u < S; u++) {
      let acc = 0;
      for (let e = 0; e < E; e++) acc += star[e] * I[u * E + e];
      out[s * S + u] = acc;
    }
  }
  return out;
}

function softmaxRows(x: Float64Array, S: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let s = 0; s < S; s++) {
    let m = -Infinity;
    for (let u = 0; u < S; u++) m = Math.max(m, x[s * S + u]);
    let sum = 0;
    for (let u = 0; u < S; u++) sum += Math.exp(x[s * S + u] - m);
    for (let u = 0; u < S; u++) out[s * S + u] = Math.exp(x[s * S + u] - m) / sum;
  }
  return out;
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
};

t.test('orientation: W[h,e,f] = Σ_p Wk[h·P+p,e]·Wq[h·P+p,f], the transpose of Wq_hᵀ·Wk_h', async (t) => {
  // E=2, P=1, H=1: Wq = [1,2], Wk = [3,4]
  // Wq_hᵀ·Wk_h = [[1·3, 1·4], [2·3, 2·4]] = [[3,4],[6,8]]; fwsa's I*[s,e] = Σ_f I[s,f]·W[e,f] needs
  // (I·W_hᵀ)·Iᵀ = I·Wq_hᵀ·Wk_h·Iᵀ, so W_hᵀ = Wq_hᵀ·Wk_h and W_h = [[3,6],[4,8]]
  const f = fuseFloat({ E: 2, P: 1, H: 1, Wq: [1, 2], Wk: [3, 4], bq: [5] });
  t.same([...f.W], [3, 6, 4, 8]);
  // B[e] = Σ_p Wk[p,e]·bq[p] = [3·5, 4·5]
  t.same([...f.B], [15, 20]);
  // check on a row: I = [[1,0],[0,1]] (S=2): unfused Q = [1,2] (rows), K = [3,4]
  //   scores[s,t] = Q[s]·K[t] = [[3,4],[6,8]]; fused: I* = I·Wᵀ = Wᵀ = [[3,4],[6,8]], then ·Iᵀ leaves it
  t.same([...fusedScores([1, 0, 0, 1], 2, 2, 0, f.W, [0, 0])], [...unfusedScores([1, 0, 0, 1], 2, 2, 1, 0, [1, 2], [3, 4])]);
});

t.test('fused float scores equal the unfused ones (bk = 0), for every head', async (t) => {
  fc.assert(fc.property(
    fc.record({ S: fc.integer({ min: 1, max: 6 }), E: fc.integer({ min: 1, max: 7 }), P: fc.integer({ min: 1, max: 5 }),
      H: fc.integer({ min: 1, max: 3 }), seed: fc.integer({ min: 0, max: 1e6 }) }),
    ({ S, E, P, H, seed }) => {
      const Wq = floats(seed, H * P * E, 1), Wk = floats(seed + 1, H * P * E, 1), bq = floats(seed + 2, H * P, 1);
      const I = floats(seed + 3, S * E, 2);
      const f = fuseFloat({ E, P, H, Wq, Wk, bq });
      for (let h = 0; h < H; h++) {
        const a = unfusedScores(I, S, E, P, h, Wq, Wk, bq);
        const b = fusedScores(I, S, E, h, f.W, f.B);
        if (maxAbsDiff(a, b) > 1e-9 * (1 + maxAbsDiff(a, new Float64Array(a.length)))) return false;
      }
      return true;
    }), { numRuns: 200, seed: fcSeed(11) });
  t.pass('200 random layers');
});

t.test('with a K bias the scores differ by a per-row constant, so the softmax is unchanged', async (t) => {
  const S = 5, E = 6, P = 4, H = 2;
  const Wq = floats(1, H * P * E, 0.5), Wk = floats(2, H * P * E, 0.5);
  const bq = floats(3, H * P, 1), bk = floats(4, H * P, 1), I = floats(5, S * E, 2);
  const f = fuseFloat({ E, P, H, Wq, Wk, bq, bk });
  for (let h = 0; h < H; h++) {
    const a = unfusedScores(I, S, E, P, h, Wq, Wk, bq, bk);
    const b = fusedScores(I, S, E, h, f.W, f.B);
    t.ok(maxAbsDiff(a, b) > 1e-3, `head ${h}: raw scores differ`);
    for (let s = 0; s < S; s++) {
      const c = a[s * S] - b[s * S];
      let same = true;
      for (let u = 0; u < S; u++) if (Math.abs(a[s * S + u] - b[s * S + u] - c) > 1e-9) same = false;
      t.ok(same, `head ${h} row ${s}: constant offset`);
    }
    t.ok(maxAbsDiff(softmaxRows(a, S), softmaxRows(b, S)) < 1e-12, `head ${h}: softmax equal`);
  }
});

t.test('quantised fused weights: int8 W with a max-abs scale, int16 B at inputScale·scaleW', async (t) => {
  const E = 8, P = 16, H = 2, sI = 1 / 32;
  const Wq = floats(21, H * P * E, 0.3), Wk = floats(22, H * P * E, 0.3), bq = floats(23, H * P, 0.5);
  const q = fuseQK({ E, P, H, Wq, Wk, bq }, sI);
  let maxAbs = 0;
  for (const v of q.float.W) maxAbs = Math.max(maxAbs, Math.abs(v));
  t.equal(q.scaleW, maxAbs / 127);
  t.equal(Math.max(...[...q.W].map(Math.abs)), 127);
  t.equal(q.scaleB, sI * q.scaleW);
  t.equal(q.biasSaturated, 0);
  // every weight within half an LSB of the float value
  t.ok(maxAbsDiff(dequantise(q.W, q.scaleW), q.float.W) <= q.scaleW / 2 + 1e-15);
  t.ok(maxAbsDiff(dequantise(q.B, q.scaleB), q.float.B) <= q.scaleB / 2 + 1e-15);
  t.throws(() => fuseQK({ E, P, H, Wq, Wk, bq }), { message: /^fuse: bq is given, so inputScale/ });
  t.throws(() => fuseQK({ E, P, H, Wq: [1], Wk, bq }, sI), { message: 'fuse: Wq must hold H*P*E = 256 values, got 1' });
  // without bq the bias is zero and no input scale is needed
  const z = fuseQK({ E, P, H, Wq, Wk });
  t.ok(z.B.every((v) => v === 0));
  // all-zero weights quantise to zero with scale 1
  const zero = fuseQK({ E: 2, P: 1, H: 1, Wq: [0, 0], Wk: [0, 0] });
  t.same([...zero.W, zero.scaleW], [0, 0, 0, 0, 1]);
});

t.test('int8 Q/K weights with scales fuse through dequantise', async (t) => {
  // Wq = [2,-1]·0.5, Wk = [4, 3]·0.25: W[e,f] = Wk[e]·Wq[f] = [[1·1, 1·-0.5], [0.75·1, 0.75·-0.5]]
  const f = fuseFloat({ E: 2, P: 1, H: 1, Wq: dequantise(Int8Array.from([2, -1]), 0.5), Wk: dequantise(Int8Array.from([4, 3]), 0.25) });
  t.same([...f.W], [1, -0.5, 0.75, -0.375]);
});

t.test('quantised fused weights through the golden fwsa track the float attention', async (t) => {
  // A layer with E < 2P (where fusing pays), real I at scale 1/32, scores at the isoftmax
  // input scale ln2/5 (log2 = 5 integer steps per halving).
  const S = 16, E = 16, P = 16, H = 2, sI = 1 / 32;
  const Iint = new Int8Array(S * E);
  const next = mulberry32(99);
  for (let i = 0; i < Iint.length; i++) Iint[i] = (next() >>> 24) - 128;
  const I = dequantise(Iint, sI);
  const Wq = floats(31, H * P * E, 0.25), Wk = floats(32, H * P * E, 0.25), bq = floats(33, H * P, 0.2);
  const q = fuseQK({ E, P, H, Wq, Wk, bq }, sI);
  // I* scale from the float I* range, score scale fixed by isoftmax
  let istarMax = 0;
  for (let h = 0; h < H; h++) for (let s = 0; s < S; s++) for (let e = 0; e < E; e++) {
    let acc = q.float.B[h * E + e];
    for (let f = 0; f < E; f++) acc += I[s * E + f] * q.float.W[(h * E + e) * E + f];
    istarMax = Math.max(istarMax, Math.abs(acc));
  }
  const istarScale = istarMax / 127;
  const scoreScale = Math.LN2 / 5;
  const [rq0, rq1] = fwsaRq(sI, q.scaleW, istarScale, scoreScale);
  const A = runGolden('fwsa', { S, E, P, H, rq: [rq0, rq1] }, [Iint, q.W, q.B]);
  let worst = 0, total = 0;
  for (let h = 0; h < H; h++) {
    const want = softmaxRows(unfusedScores(I, S, E, P, h, Wq, Wk, bq), S);
    for (let i = 0; i < S * S; i++) {
      const d = Math.abs(A[h * S * S + i] / 255 - want[i]);
      worst = Math.max(worst, d);
      total += d;
    }
  }
  const mean = total / (H * S * S);
  t.ok(mean < 0.02, `mean |p_int - p_float| = ${mean.toFixed(4)}`);
  t.ok(worst < 0.15, `worst |p_int - p_float| = ${worst.toFixed(4)}`);
});

t.test('paramCounts: 2·H·P·E against H·E·E', async (t) => {
  // E = P = 64, H = 4: separate 2·4·64·64 = 32768, fused 4·64·64 = 16384 (-50% of Q/K);
  // over the attention weights (Q,K,V,O: 65536 -> 49152) that is the paper's -25%
  t.same(paramCounts(64, 64, 4), {
    separate: 32768, fused: 16384, saving: 16384, savingPct: 50,
    attentionSeparate: 65536, attentionFused: 49152, attentionSavingPct: 25,
  });
  // E = 2P: break-even
  const even = paramCounts(64, 32, 2);
  t.same([even.separate, even.fused, even.saving, even.savingPct], [8192, 8192, 0, 0]);
  // E > 2P: fusing costs parameters
  const worse = paramCounts(128, 32, 4);
  t.same([worse.separate, worse.fused, worse.saving, worse.savingPct], [32768, 65536, -32768, -100]);
  t.equal(worse.attentionSavingPct, -50);
  // saving > 0 exactly when E < 2P
  fc.assert(fc.property(fc.integer({ min: 1, max: 512 }), fc.integer({ min: 1, max: 512 }), fc.integer({ min: 1, max: 16 }),
    (E, P, H) => (paramCounts(E, P, H).saving > 0) === (E < 2 * P)));
});
