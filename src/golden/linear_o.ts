// Kernel 2 `linear_o`: the output projection O[S,E] from the [S,H·P] attention output.
import { Units } from './partition';
import { Rq, rq } from './rq';
import { KernelDef, O_SE, i16, i8, linearMacs, noScratch, out, rqDefaults, slices } from './spec';

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

export const LINEAR_O: KernelDef = {
  id: 2, name: 'linear_o',
  inputs: [i8('I', ['S', 'H*P'], (s) => [s.S, s.H * s.P]), i8('W', ['E', 'H*P'], (s) => [s.E, s.H * s.P]),
    i16('B', ['E'], (s) => [s.E])],
  output: out('O', 'i8', O_SE),
  nRq: 1, nConsts: 0, usesT: false, macs: linearMacs, scratch: noScratch, defaultRq: rqDefaults(1),
  run: ({ p, r, x, out: O, nCores, pick }) =>
    slices(p.S, { nCores, pick }, (u) => linearO(p.S, p.E, p.P, p.H, x[0], x[1], x[2], r[0], O, u)),
};
