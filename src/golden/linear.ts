// Kernels 0-2: the Q/K projection (head-major), the V projection (per-head transposed), the O projection;
// kernel 13: the plain dense layer.
import { Units } from './partition';
import { Rq, rq } from './rq';

/**
 * Kernel 0 `linear_qk`: O[h,s,p] = rq(Σ_e I[s,e]·W[h·P+p,e] + B[h·P+p]; rq0).
 * I[S,E], W[H·P,E], B[H·P] -> O[H,S,P]. Units: H·S pairs, u = h·S + s.
 */
export function linearQK(
  S: number, E: number, P: number, H: number,
  I: Int8Array, W: Int8Array, B: Int16Array, rq0: Rq, O: Int8Array,
  units: Units = [0, H * S],
): void {
  for (let u = units[0]; u < units[1]; u++) {
    const h = Math.floor(u / S);
    const s = u % S;
    for (let p = 0; p < P; p++) {
      const row = h * P + p;
      let acc = B[row];
      for (let e = 0; e < E; e++) acc += I[s * E + e] * W[row * E + e];
      O[(h * S + s) * P + p] = rq(acc, rq0[0], rq0[1]);
    }
  }
}

/**
 * Kernel 1 `linear_v`: O[h,p,s] = rq(Σ_e I[s,e]·W[h·P+p,e] + B[h·P+p]; rq0).
 * Same inputs as linear_qk, output O[H,P,S]. Units: H·P rows, u = h·P + p.
 */
export function linearV(
  S: number, E: number, P: number, H: number,
  I: Int8Array, W: Int8Array, B: Int16Array, rq0: Rq, O: Int8Array,
  units: Units = [0, H * P],
): void {
  for (let u = units[0]; u < units[1]; u++) {
    const row = u; // = h·P + p, also the row of W and the row of O viewed as [H·P, S]
    for (let s = 0; s < S; s++) {
      let acc = B[row];
      for (let e = 0; e < E; e++) acc += I[s * E + e] * W[row * E + e];
      O[row * S + s] = rq(acc, rq0[0], rq0[1]);
    }
  }
}

/**
 * Kernel 2 `linear_o`: O[s,e] = rq(Σ_k I[s,k]·W[e,k] + B[e]; rq0), k over 0..H·P-1.
 * I[S,H·P], W[E,H·P], B[E] -> O[S,E]. Units: S rows.
 */
export function linearO(
  S: number, E: number, P: number, H: number,
  I: Int8Array, W: Int8Array, B: Int16Array, rq0: Rq, O: Int8Array,
  units: Units = [0, S],
): void {
  const K = H * P;
  for (let s = units[0]; s < units[1]; s++) {
    for (let e = 0; e < E; e++) {
      let acc = B[e];
      for (let k = 0; k < K; k++) acc += I[s * K + k] * W[e * K + k];
      O[s * E + e] = rq(acc, rq0[0], rq0[1]);
    }
  }
}

/**
 * Kernel 13 `linear`: O[s,n] = rq(Σ_k I[s,k]·W[n,k] + B[n]; rq0).
 * I[S,K], W[N,K], B[N] -> O[S,N]; on the wire K is shape E and N is shape P (H unread).
 * It is linear_o with E = N and H·P = K. Units: S rows.
 */
export function linear(
  S: number, K: number, N: number,
  I: Int8Array, W: Int8Array, B: Int16Array, rq0: Rq, O: Int8Array,
  units: Units = [0, S],
): void {
  linearO(S, N, K, 1, I, W, B, rq0, O, units);
}
