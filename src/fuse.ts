// FWSA weight fuser: folds one layer's Q and K projections into the per-head E×E weights of `fwsa`.
//
// Orientation. Unfused, head h scores S = Q_h·K_hᵀ with Q_h = I·Wq_hᵀ + bq_h, K_h = I·Wk_hᵀ + bk_h,
// Wq_h, Wk_h the [P,E] row blocks h·P..h·P+P-1 of Wq[H·P,E], Wk[H·P,E]. fwsa computes
// I*_h[s,e] = Σ_f I[s,f]·W[h,e,f] + B[h,e] and scores[s,t] = Σ_e I*_h[s,e]·I[t,e], i.e.
// scores = (I·W_hᵀ + B_h)·Iᵀ. Expanding the unfused scores:
//   Q_h·K_hᵀ = I·Wq_hᵀ·Wk_h·Iᵀ + 1·bq_hᵀ·Wk_h·Iᵀ + (I·Wq_hᵀ·bk_h + bq_h·bk_h)·1ᵀ
// so W_hᵀ = Wq_hᵀ·Wk_h, i.e. the stored W[h,e,f] = Σ_p Wk[h·P+p,e]·Wq[h·P+p,f] = (Wq_hᵀ·Wk_h)ᵀ[e,f],
// and B[h,e] = Σ_p Wk[h·P+p,e]·bq[h·P+p]. The last group is constant along t (one value per
// query row s): softmax over t ignores it, so bk is dropped. With bk = 0 the fused float scores
// equal the unfused ones exactly (up to float rounding).
import { chooseRq } from './golden/gelu';

export interface QKLayer {
  E: number; P: number; H: number;
  Wq: ArrayLike<number>;  // [H·P, E] real values
  Wk: ArrayLike<number>;  // [H·P, E] real values
  bq?: ArrayLike<number>; // [H·P] real values (absent = zero)
  bk?: ArrayLike<number>; // [H·P] real values; ignored (softmax-invariant, see above)
}

export interface FusedFloat {
  W: Float64Array; // [H, E, E], W[h,e,f] = Σ_p Wk[h·P+p,e]·Wq[h·P+p,f]
  B: Float64Array; // [H, E],    B[h,e]   = Σ_p Wk[h·P+p,e]·bq[h·P+p]
}

export interface FusedInt8 {
  W: Int8Array;        // [H, E, E], real ≈ W · scaleW
  B: Int16Array;       // [H, E],    real ≈ B · scaleB (all zero without bq)
  scaleW: number;      // max |W_float| / 127 (1 when W_float is all zero)
  scaleB: number;      // inputScale · scaleW: the scale of fwsa's accumulator Σ I·W
  biasSaturated: number; // how many B values were clamped to int16
  float: FusedFloat;   // the unquantised fused weights
}

function checkLayer(w: QKLayer): void {
  for (const f of ['E', 'P', 'H'] as const) {
    if (!Number.isInteger(w[f]) || w[f] < 1) throw new Error(`fuse: ${f} must be a positive integer, got ${w[f]}`);
  }
  const n = w.H * w.P * w.E;
  if (w.Wq.length !== n) throw new Error(`fuse: Wq must hold H*P*E = ${n} values, got ${w.Wq.length}`);
  if (w.Wk.length !== n) throw new Error(`fuse: Wk must hold H*P*E = ${n} values, got ${w.Wk.length}`);
  if (w.bq && w.bq.length !== w.H * w.P) throw new Error(`fuse: bq must hold H*P = ${w.H * w.P} values, got ${w.bq.length}`);
}

/** The fused weights in real numbers. */
export function fuseFloat(w: QKLayer): FusedFloat {
  checkLayer(w);
  const { E, P, H, Wq, Wk, bq } = w;
  const W = new Float64Array(H * E * E);
  const B = new Float64Array(H * E);
  for (let h = 0; h < H; h++) {
    for (let e = 0; e < E; e++) {
      for (let f = 0; f < E; f++) {
        let acc = 0;
        for (let p = 0; p < P; p++) acc += Wk[(h * P + p) * E + e] * Wq[(h * P + p) * E + f];
        W[(h * E + e) * E + f] = acc;
      }
      let b = 0;
      if (bq) for (let p = 0; p < P; p++) b += Wk[(h * P + p) * E + e] * bq[h * P + p];
      B[h * E + e] = b;
    }
  }
  return { W, B };
}

/** Real values of an int8 (or int16) tensor quantised with one scale. */
export function dequantise(q: ArrayLike<number>, scale: number): Float64Array {
  const out = new Float64Array(q.length);
  for (let i = 0; i < q.length; i++) out[i] = q[i] * scale;
  return out;
}

/**
 * Fuses and quantises: W to int8 with one max-abs scale for all heads (fwsa has one rq0 for
 * all heads), B to int16 at scale inputScale·scaleW (the accumulator's scale). inputScale is
 * required when bq is given.
 */
export function fuseQK(w: QKLayer, inputScale?: number): FusedInt8 {
  const float = fuseFloat(w);
  if (w.bq && !(inputScale !== undefined && inputScale > 0)) {
    throw new Error(`fuse: bq is given, so inputScale (the real value of one unit of I) is needed to quantise the fused bias; got ${inputScale}`);
  }
  let maxAbs = 0;
  for (const v of float.W) maxAbs = Math.max(maxAbs, Math.abs(v));
  const scaleW = maxAbs > 0 ? maxAbs / 127 : 1;
  const W = new Int8Array(float.W.length);
  for (let i = 0; i < W.length; i++) W[i] = Math.max(-127, Math.min(127, Math.round(float.W[i] / scaleW)));
  const scaleB = (inputScale ?? 1) * scaleW;
  const B = new Int16Array(float.B.length);
  let biasSaturated = 0;
  for (let i = 0; i < B.length; i++) {
    const q = Math.round(float.B[i] / scaleB);
    if (q > 32767 || q < -32768) biasSaturated++;
    B[i] = Math.max(-32768, Math.min(32767, q));
  }
  return { W, B, scaleW, scaleB, biasSaturated, float };
}

/**
 * The fwsa rq pairs for real scales: rq0 maps the accumulator (inputScale·scaleW) to the I*
 * scale, rq1 maps Σ I*·I (istarScale·inputScale) to the score scale.
 */
export function fwsaRq(
  inputScale: number, scaleW: number, istarScale: number, scoreScale: number,
): [[number, number], [number, number]] {
  return [chooseRq((inputScale * scaleW) / istarScale), chooseRq((istarScale * inputScale) / scoreScale)];
}

export interface ParamCounts {
  separate: number;        // Wq + Wk: 2·H·P·E
  fused: number;           // W_f: H·E·E
  saving: number;          // separate − fused (negative when E > 2P)
  savingPct: number;       // 100·saving / separate: positive exactly when E < 2P
  attentionSeparate: number; // Wq, Wk, Wv, Wo: 4·H·P·E
  attentionFused: number;    // W_f, Wv, Wo: H·E·E + 2·H·P·E
  attentionSavingPct: number; // 100·(2P − E)/(4P): 25% at E = P, the paper's figure
}

/** Weight counts (biases excluded) of the Q/K projections against the fused weights. */
export function paramCounts(E: number, P: number, H: number): ParamCounts {
  const separate = 2 * H * P * E;
  const fused = H * E * E;
  const saving = separate - fused;
  const attentionSeparate = 4 * H * P * E;
  const attentionFused = fused + 2 * H * P * E;
  return {
    separate, fused, saving, savingPct: (100 * saving) / separate,
    attentionSeparate, attentionFused,
    attentionSavingPct: (100 * (attentionSeparate - attentionFused)) / attentionSeparate,
  };
}
