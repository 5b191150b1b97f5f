// Kernels 7-9: full MHSA, MHSA with fused-weight attention, and MHSA with depth-first tiling (DFT).
//
// Each stage is run slice by slice for cores 0..nCores-1 before the next stage starts:
// that is what the C kernels' barrier between stages guarantees.
import { av, avHeadMajor } from './av';
import { fwsa } from './fwsa';
import { linearO, linearQK, linearV } from './linear';
import { Units, partition } from './partition';
import { qkSoftmax, scoreRow } from './qkSoftmax';
import { Rq, rq } from './rq';
import { isoftmaxRow } from './softmax';

export interface MhsaWeights {
  I: Int8Array;
  Wq: Int8Array; Bq: Int16Array;
  Wk: Int8Array; Bk: Int16Array;
  Wv: Int8Array; Bv: Int16Array;
  Wo: Int8Array; Bo: Int16Array;
}

export interface MhsaFwsaWeights {
  I: Int8Array;
  Wf: Int8Array; Bf: Int16Array;
  Wv: Int8Array; Bv: Int16Array;
  Wo: Int8Array; Bo: Int16Array;
}

/** Runs one stage over n units as nCores slices, in core order. */
function stage(n: number, nCores: number, run: (units: Units) => void): void {
  for (let c = 0; c < nCores; c++) run(partition(n, c, nCores));
}

/**
 * Kernel 7 `mhsa`. rq: [Q, K, V, scores, A·V, output].
 * Q = linear_qk(I,Wq,Bq; rq0)  K = linear_qk(I,Wk,Bk; rq1)  V = linear_v(I,Wv,Bv; rq2)
 * A = qk_softmax(Q,K; rq3)      M = av(A,V; rq4)             O = linear_o(M,Wo,Bo; rq5)
 */
export function mhsa(
  S: number, E: number, P: number, H: number, w: MhsaWeights, r: readonly Rq[], O: Int8Array,
  nCores = 1,
): void {
  const Q = new Int8Array(H * S * P);
  const K = new Int8Array(H * S * P);
  const V = new Int8Array(H * P * S);
  const A = new Uint8Array(S * H * S);
  const M = new Int8Array(S * H * P);
  stage(H * S, nCores, (u) => linearQK(S, E, P, H, w.I, w.Wq, w.Bq, r[0], Q, u));
  stage(H * S, nCores, (u) => linearQK(S, E, P, H, w.I, w.Wk, w.Bk, r[1], K, u));
  stage(H * P, nCores, (u) => linearV(S, E, P, H, w.I, w.Wv, w.Bv, r[2], V, u));
  stage(H, nCores, (u) => qkSoftmax(S, P, H, Q, K, r[3], A, 'heads', u));
  stage(H, nCores, (u) => av(S, P, H, A, V, r[4], M, 'heads', u));
  stage(S, nCores, (u) => linearO(S, E, P, H, M, w.Wo, w.Bo, r[5], O, u));
}

/**
 * Kernel 8 `mhsa_fwsa`. rq: [fused projection, scores, V, A·V, output].
 * A = fwsa(I,Wf,Bf; rq0,rq1) [H,S,S]   V = linear_v(I,Wv,Bv; rq2)
 * M[s,h·P+p] = rq(Σ_t A[h,s,t]·V[h,p,t]; rq3)   O = linear_o(M,Wo,Bo; rq4)
 */
export function mhsaFwsa(
  S: number, E: number, P: number, H: number, w: MhsaFwsaWeights, r: readonly Rq[], O: Int8Array,
  nCores = 1,
): void {
  const A = new Uint8Array(H * S * S);
  const V = new Int8Array(H * P * S);
  const M = new Int8Array(S * H * P);
  stage(H, nCores, (u) => fwsa(S, E, H, w.I, w.Wf, w.Bf, r[0], r[1], A, u));
  stage(H * P, nCores, (u) => linearV(S, E, P, H, w.I, w.Wv, w.Bv, r[2], V, u));
  stage(H, nCores, (u) => avHeadMajor(S, P, H, A, V, r[3], M, u));
  stage(S, nCores, (u) => linearO(S, E, P, H, M, w.Wo, w.Bo, r[4], O, u));
}

/**
 * The attention stage of DFT for units (h, tile), h-major, tile = rows s0..s0+T-1:
 * the tile's scores are computed, softmaxed into a T×S buffer and multiplied by V_h
 * straight into M. Only T·S probabilities are ever held, never the S·H·S map.
 */
export function dftAttention(
  S: number, P: number, H: number, T: number,
  Q: Int8Array, K: Int8Array, V: Int8Array, rqScores: Rq, rqAv: Rq, M: Int8Array,
  units: Units = [0, H * Math.ceil(S / T)],
): void {
  const nTiles = Math.ceil(S / T);
  const scores = new Int8Array(S);
  const probs = new Uint8Array(T * S);
  for (let u = units[0]; u < units[1]; u++) {
    const h = Math.floor(u / nTiles);
    const s0 = (u % nTiles) * T;
    const s1 = Math.min(s0 + T, S);
    for (let s = s0; s < s1; s++) {
      scoreRow(S, P, Q, K, h, s, rqScores, scores);
      isoftmaxRow(scores, 0, S, probs, (s - s0) * S);
    }
    for (let s = s0; s < s1; s++) {
      for (let p = 0; p < P; p++) {
        let acc = 0;
        for (let t = 0; t < S; t++) acc += probs[(s - s0) * S + t] * V[(h * P + p) * S + t];
        M[s * H * P + h * P + p] = rq(acc, rqAv[0], rqAv[1]);
      }
    }
  }
}

/** Kernel 9 `mhsa_dft`: same inputs and rq as mhsa plus T tile rows; output bit-identical to mhsa. */
export function mhsaDft(
  S: number, E: number, P: number, H: number, T: number,
  w: MhsaWeights, r: readonly Rq[], O: Int8Array, nCores = 1,
): void {
  const Q = new Int8Array(H * S * P);
  const K = new Int8Array(H * S * P);
  const V = new Int8Array(H * P * S);
  const M = new Int8Array(S * H * P);
  stage(H * S, nCores, (u) => linearQK(S, E, P, H, w.I, w.Wq, w.Bq, r[0], Q, u));
  stage(H * S, nCores, (u) => linearQK(S, E, P, H, w.I, w.Wk, w.Bk, r[1], K, u));
  stage(H * P, nCores, (u) => linearV(S, E, P, H, w.I, w.Wv, w.Bv, r[2], V, u));
  stage(H * Math.ceil(S / T), nCores, (u) => dftAttention(S, P, H, T, Q, K, V, r[3], r[4], M, u));
  stage(S, nCores, (u) => linearO(S, E, P, H, M, w.Wo, w.Bo, r[5], O, u));
}
