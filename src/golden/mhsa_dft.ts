// Kernel 9 `mhsa_dft`: MHSA with depth-first tiling over query rows, bit-identical to `mhsa`.
import { linearQK } from './linear_qk';
import { linearV } from './linear_v';
import { MhsaWeights, mhsaWeights } from './mhsa';
import { Units } from './partition';
import { Rq, rq } from './rq';
import { isoftmaxRow } from './softmax';
import { B_HP, BO, I_SE, KernelDef, O_SE, W_HPE, WO, mhsaMacs, out, rqDefaults, slices } from './spec';

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
  slices(H * S, nCores, (u) => linearQK(S, E, P, H, w.I, w.Wk, w.Bk, r[1], K, u));
  slices(H * P, nCores, (u) => linearV(S, E, P, H, w.I, w.Wv, w.Bv, r[2], V, u));
  slices(Math.ceil(S / T), nCores, (u) => dftTiles(S, E, P, H, T, w, K, V, r, O, u));
}

export const MHSA_DFT: KernelDef = {
  id: 9, name: 'mhsa_dft',
  inputs: [I_SE, W_HPE('Wq'), B_HP('Bq'), W_HPE('Wk'), B_HP('Bk'), W_HPE('Wv'), B_HP('Bv'), WO, BO],
  output: out('O', 'i8', O_SE),
  nRq: 6, nConsts: 0, usesT: true, macs: mhsaMacs,
  scratch: (s, n) => {
    const T = s.T ?? 0; // K, V whole, then per core Qt [T,P], At [T,S], Mt [T,H·P]
    return 2 * s.H * s.S * s.P + n * (T * s.P + T * s.S + T * s.H * s.P);
  },
  defaultRq: rqDefaults(6),
  run: ({ p, r, x, out: O, nCores }) => mhsaDft(p.S, p.E, p.P, p.H, p.T as number, mhsaWeights(x), r, O, nCores),
};
