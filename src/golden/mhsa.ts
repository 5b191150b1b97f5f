// Kernel 7 `mhsa`: Q, K, V projections -> M1 (qk_softmax) -> M2 (av) -> output projection.
//
// Each stage is run slice by slice for cores 0..nCores-1 before the next stage starts:
// that is what the C kernels' barrier between stages guarantees.
import { av } from './av';
import { linearO } from './linear_o';
import { linearQK } from './linear_qk';
import { linearV } from './linear_v';
import { qkSoftmax } from './qk_softmax';
import { Rq } from './rq';
import { B_HP, BO, I_SE, KernelDef, O_SE, W_HPE, WO, mhsaMacs, out, rqDefaults, slices } from './spec';

export interface MhsaWeights {
  I: Int8Array;
  Wq: Int8Array; Bq: Int16Array;
  Wk: Int8Array; Bk: Int16Array;
  Wv: Int8Array; Bv: Int16Array;
  Wo: Int8Array; Bo: Int16Array;
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
  slices(H * S, nCores, (u) => linearQK(S, E, P, H, w.I, w.Wq, w.Bq, r[0], Q, u));
  slices(H * S, nCores, (u) => linearQK(S, E, P, H, w.I, w.Wk, w.Bk, r[1], K, u));
  slices(H * P, nCores, (u) => linearV(S, E, P, H, w.I, w.Wv, w.Bv, r[2], V, u));
  slices(H, nCores, (u) => qkSoftmax(S, P, H, Q, K, r[3], A, 'heads', u));
  slices(H, nCores, (u) => av(S, P, H, A, V, r[4], M, 'heads', u));
  slices(S, nCores, (u) => linearO(S, E, P, H, M, w.Wo, w.Bo, r[5], O, u));
}


/** The weights of mhsa / mhsa_dft from the inputs in argument order. */
export const mhsaWeights = (x: never[]): MhsaWeights =>
  ({ I: x[0], Wq: x[1], Bq: x[2], Wk: x[3], Bk: x[4], Wv: x[5], Bv: x[6], Wo: x[7], Bo: x[8] });

export const MHSA: KernelDef = {
  id: 7, name: 'mhsa',
  inputs: [I_SE, W_HPE('Wq'), B_HP('Bq'), W_HPE('Wk'), B_HP('Bk'), W_HPE('Wv'), B_HP('Bv'), WO, BO],
  output: out('O', 'i8', O_SE),
  nRq: 6, nConsts: 0, usesT: false, macs: mhsaMacs,
  scratch: (s) => 3 * s.H * s.S * s.P + s.S * s.H * s.S + s.S * s.H * s.P, defaultRq: rqDefaults(6),
  run: ({ p, r, x, out: O, nCores }) => mhsa(p.S, p.E, p.P, p.H, mhsaWeights(x), r, O, nCores),
};
