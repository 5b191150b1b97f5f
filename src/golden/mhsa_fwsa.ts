// Kernel 8 `mhsa_fwsa`: FWSA attention + V projection -> A·V (head-major A) -> output projection.
import { avHeadMajor } from './av';
import { fwsa } from './fwsa';
import { linearO } from './linear_o';
import { linearV } from './linear_v';
import { Rq } from './rq';
import { B_HP, BF, BO, I_SE, KernelDef, O_SE, W_HPE, WF, WO, fwsaMacs, out, rqDefaults, slices } from './spec';

export interface MhsaFwsaWeights {
  I: Int8Array;
  Wf: Int8Array; Bf: Int16Array;
  Wv: Int8Array; Bv: Int16Array;
  Wo: Int8Array; Bo: Int16Array;
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
  slices(H, nCores, (u) => fwsa(S, E, H, w.I, w.Wf, w.Bf, r[0], r[1], A, u));
  slices(H * P, nCores, (u) => linearV(S, E, P, H, w.I, w.Wv, w.Bv, r[2], V, u));
  slices(H, nCores, (u) => avHeadMajor(S, P, H, A, V, r[3], M, u));
  slices(S, nCores, (u) => linearO(S, E, P, H, M, w.Wo, w.Bo, r[4], O, u));
}


export const MHSA_FWSA: KernelDef = {
  id: 8, name: 'mhsa_fwsa', inputs: [I_SE, WF, BF, W_HPE('Wv'), B_HP('Bv'), WO, BO],
  output: out('O', 'i8', O_SE),
  nRq: 5, nConsts: 0, usesT: false,
  macs: (s) => fwsaMacs(s) + 2 * s.S * s.E * s.P * s.H + s.H * s.S * s.S * s.P,
  scratch: (s, n) => s.H * s.P * s.S + s.H * s.S * s.S + s.S * s.H * s.P + n * s.S * s.E,
  defaultRq: rqDefaults(5),
  run: ({ p, r, x, out: O, nCores }) => mhsaFwsa(p.S, p.E, p.P, p.H,
    { I: x[0], Wf: x[1], Bf: x[2], Wv: x[3], Bv: x[4], Wo: x[5], Bo: x[6] }, r, O, nCores),
};
