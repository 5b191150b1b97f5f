// Kernel 0 `linear_qk`: the Q/K projection, head-major O[H,S,P].
import { Units } from './partition';
import { Rq, rq } from './rq';
import { B_HP, I_SE, KernelDef, W_HPE, linearMacs, noScratch, out, rqDefaults, slices } from './spec';

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


export const LINEAR_QK: KernelDef = {
  id: 0, name: 'linear_qk', inputs: [I_SE, W_HPE('W'), B_HP('B')],
  output: out('O', 'i8', { layout: 'H,S,P', dims: (s) => [s.H, s.S, s.P], coords: ['h', 's', 'p'] }),
  nRq: 1, nConsts: 0, usesT: false, macs: linearMacs, scratch: noScratch, defaultRq: rqDefaults(1),
  run: ({ p, r, x, out: O, nCores, pick }) =>
    slices(p.H * p.S, { nCores, pick }, (u) => linearQK(p.S, p.E, p.P, p.H, x[0], x[1], x[2], r[0], O, u)),
};
