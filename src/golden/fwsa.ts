// Kernel 5 `fwsa`: fused-weight self-attention scores, Q and K projections folded into one W_h.
import { Units } from './partition';
import { Rq, rq } from './rq';
import { isoftmaxRow } from './softmax';
import { I_SE, KernelDef, fwsaMacs, i16, i8, out, rqDefaults, slices } from './spec';

/**
 * I*_h[s,e] = rq(Σ_f I[s,f]·W[h,e,f] + B[h,e]; rq0)
 * A[h,s,:]  = isoftmax(t ↦ rq(Σ_e I*_h[s,e]·I[t,e]; rq1))
 * I[S,E], W[H,E,E], B[H,E] -> A[H,S,S] uint8. Units: H heads.
 * One I*_h [S,E] buffer is live at a time (the C kernel's per-core scratch).
 */
export function fwsa(
  S: number, E: number, H: number,
  I: Int8Array, W: Int8Array, B: Int16Array, rq0: Rq, rq1: Rq, A: Uint8Array,
  units: Units = [0, H],
): void {
  const Istar = new Int8Array(S * E);
  const row = new Int8Array(S);
  for (let h = units[0]; h < units[1]; h++) {
    for (let s = 0; s < S; s++) {
      for (let e = 0; e < E; e++) {
        let acc = B[h * E + e];
        for (let f = 0; f < E; f++) acc += I[s * E + f] * W[(h * E + e) * E + f];
        Istar[s * E + e] = rq(acc, rq0[0], rq0[1]);
      }
    }
    for (let s = 0; s < S; s++) {
      for (let t = 0; t < S; t++) {
        let acc = 0;
        for (let e = 0; e < E; e++) acc += Istar[s * E + e] * I[t * E + e];
        row[t] = rq(acc, rq1[0], rq1[1]);
      }
      isoftmaxRow(row, 0, S, A, (h * S + s) * S);
    }
  }
}

export const FWSA: KernelDef = {
  id: 5, name: 'fwsa', inputs: [I_SE, i8('W', ['H', 'E', 'E'], (s) => [s.H, s.E, s.E]),
    i16('B', ['H', 'E'], (s) => [s.H, s.E])],
  output: out('A', 'u8', { layout: 'H,S,S', dims: (s) => [s.H, s.S, s.S], coords: ['h', 's', 't'] }),
  nRq: 2, nConsts: 0, usesT: false, macs: fwsaMacs, scratch: (s, n) => n * s.S * s.E,
  defaultRq: rqDefaults(2),
  run: ({ p, r, x, out: O, nCores, pick }) =>
    slices(p.H, { nCores, pick }, (u) => fwsa(p.S, p.E, p.H, x[0], x[1], x[2], r[0], r[1], O, u)),
};
