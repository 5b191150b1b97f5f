// Kernels 7-9: full MHSA, MHSA with fused-weight attention, and MHSA with depth-first tiling (DFT).
//
// Each stage is run slice by slice for cores 0..nCores-1 before the next stage starts:
// that is what the C kernels' barrier between stages guarantees.
import { av, avHeadMajor } from './av';
import { fwsa } from './fwsa';
import { linearO, linearQK, linearV } from './linear';
import { Units, partition } from './partition';
import { qkSoftmax } from './qkSoftmax';
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
 * Stage 2 of DFT for row tiles `units` (tile i = rows s0 = i·T .. min(S, s0+T)−1), one core's
 * work with its private buffers Qt [T,P], At [T,S] (scores, then probabilities in place) and
 * Mt [T,H·P]: per head, the tile's Q rows, scores, softmax and A·V; after all heads, the
 * tile's output rows. Only K and V are held whole; Q, the S·H·S map and M never exist.
 */
export function dftTiles(
  S: number, E: number, P: number, H: number, T: number,
  w: MhsaWeights, K: Int8Array, V: Int8Array, r: readonly Rq[], O: Int8Array,
  units: Units = [0, Math.ceil(S / T)],
): void {
  const HP = H * P;
  const Qt = new Int8Array(T * P);
  const At = new Uint8Array(T * S);
  const scores = new Int8Array(At.buffer); // the same bytes read as int8, as the C kernel does
  const Mt = new Int8Array(T * HP);
  for (let tile = units[0]; tile < units[1]; tile++) {
    const s0 = tile * T;
    const n = Math.min(T, S - s0);
    for (let h = 0; h < H; h++) {
      for (let i = 0; i < n; i++) {
        // Qt[i,p] = Q[h, s0+i, p] (rq0)
        for (let p = 0; p < P; p++) {
          let acc = w.Bq[h * P + p];
          for (let e = 0; e < E; e++) acc += w.I[(s0 + i) * E + e] * w.Wq[(h * P + p) * E + e];
          Qt[i * P + p] = rq(acc, r[0][0], r[0][1]);
        }
        // scores row i (rq3), then isoftmax in place
        for (let t = 0; t < S; t++) {
          let acc = 0;
          for (let p = 0; p < P; p++) acc += Qt[i * P + p] * K[(h * S + t) * P + p];
          scores[i * S + t] = rq(acc, r[3][0], r[3][1]);
        }
        isoftmaxRow(scores, i * S, S, At, i * S);
        // Mt[i, h·P+p] = M[s0+i, h·P+p] (rq4)
        for (let p = 0; p < P; p++) {
          let acc = 0;
          for (let t = 0; t < S; t++) acc += At[i * S + t] * V[(h * P + p) * S + t];
          Mt[i * HP + h * P + p] = rq(acc, r[4][0], r[4][1]);
        }
      }
    }
    // O[s0+i, e] (rq5), straight into the output
    for (let i = 0; i < n; i++) {
      for (let e = 0; e < E; e++) {
        let acc = w.Bo[e];
        for (let k = 0; k < HP; k++) acc += Mt[i * HP + k] * w.Wo[e * HP + k];
        O[(s0 + i) * E + e] = rq(acc, r[5][0], r[5][1]);
      }
    }
  }
}

/**
 * Kernel 9 `mhsa_dft`: same inputs and rq as mhsa plus T tile rows; output bit-identical to mhsa.
 * Stage 1: K = linear_qk(I,Wk,Bk; rq1), V = linear_v(I,Wv,Bv; rq2) whole. Stage 2: row tiles
 * (units ceil(S/T)), each core with its own buffers (dftTiles); no barrier inside stage 2.
 */
export function mhsaDft(
  S: number, E: number, P: number, H: number, T: number,
  w: MhsaWeights, r: readonly Rq[], O: Int8Array, nCores = 1,
): void {
  const K = new Int8Array(H * S * P);
  const V = new Int8Array(H * P * S);
  stage(H * S, nCores, (u) => linearQK(S, E, P, H, w.I, w.Wk, w.Bk, r[1], K, u));
  stage(H * P, nCores, (u) => linearV(S, E, P, H, w.I, w.Wv, w.Bv, r[2], V, u));
  stage(Math.ceil(S / T), nCores, (u) => dftTiles(S, E, P, H, T, w, K, V, r, O, u));
}
