// Kernel 1 `linear_v`: the V projection, per-head transposed O[H,P,S] so A·V reads rows.
import { Units } from './partition';
import { Rq, rq } from './rq';
import { B_HP, I_SE, KernelDef, W_HPE, linearMacs, noScratch, out, rqDefaults, slices } from './spec';

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


export const LINEAR_V: KernelDef = {
  id: 1, name: 'linear_v', inputs: [I_SE, W_HPE('W'), B_HP('B')],
  output: out('O', 'i8', { layout: 'H,P,S', dims: (s) => [s.H, s.P, s.S], coords: ['h', 'p', 's'] }),
  nRq: 1, nConsts: 0, usesT: false, macs: linearMacs, scratch: noScratch, defaultRq: rqDefaults(1),
  run: ({ p, r, x, out: O, nCores, pick }) =>
    slices(p.H * p.P, { nCores, pick }, (u) => linearV(p.S, p.E, p.P, p.H, x[0], x[1], x[2], r[0], O, u)),
};
