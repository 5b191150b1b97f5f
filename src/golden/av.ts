// Kernel 4 `av` (M2): attention probabilities times V, written as the O-projection's input [S,H·P].
import { Units } from './partition';
import { Rq, rq } from './rq';
import { KernelDef, i8, noScratch, out, rqDefaults, slices, u8 } from './spec';

/**
 * O[s,h·P+p] = rq(Σ_t A[s,h,t]·V[h,p,t]; rq0).
 * A[S,H,S] uint8, V[H,P,S] -> O[S,H·P]. Units: H heads or S rows (per split).
 */
export function av(
  S: number, P: number, H: number, A: Uint8Array, V: Int8Array, rq0: Rq, O: Int8Array,
  split: 'heads' | 'rows' = 'heads', units: Units = [0, split === 'heads' ? H : S],
): void {
  const one = (h: number, s: number) => {
    for (let p = 0; p < P; p++) {
      let acc = 0;
      for (let t = 0; t < S; t++) acc += A[(s * H + h) * S + t] * V[(h * P + p) * S + t];
      O[s * H * P + h * P + p] = rq(acc, rq0[0], rq0[1]);
    }
  };
  for (let u = units[0]; u < units[1]; u++) {
    if (split === 'heads') for (let s = 0; s < S; s++) one(u, s);
    else for (let h = 0; h < H; h++) one(h, u);
  }
}

/**
 * The M2 stage of mhsa_fwsa, whose A is head-major [H,S,S] (fwsa's layout):
 * M[s,h·P+p] = rq(Σ_t A[h,s,t]·V[h,p,t]; rq0). Units: H heads.
 */
export function avHeadMajor(
  S: number, P: number, H: number, A: Uint8Array, V: Int8Array, rq0: Rq, O: Int8Array,
  units: Units = [0, H],
): void {
  for (let h = units[0]; h < units[1]; h++) {
    for (let s = 0; s < S; s++) {
      for (let p = 0; p < P; p++) {
        let acc = 0;
        for (let t = 0; t < S; t++) acc += A[(h * S + s) * S + t] * V[(h * P + p) * S + t];
        O[s * H * P + h * P + p] = rq(acc, rq0[0], rq0[1]);
      }
    }
  }
}

export const AV: KernelDef = {
  id: 4, name: 'av',
  inputs: [u8('A', ['S', 'H', 'S'], (s) => [s.S, s.H, s.S]), i8('V', ['H', 'P', 'S'], (s) => [s.H, s.P, s.S])],
  output: out('O', 'i8', { layout: 'S,H*P', dims: (s) => [s.S, s.H, s.P], coords: ['s', 'h', 'p'] }),
  nRq: 1, nConsts: 0, usesT: false, macs: (s) => s.H * s.S * s.S * s.P, scratch: noScratch,
  defaultRq: rqDefaults(1),
  run: ({ p, r, x, out: O, nCores, pick }) => {
    const split = p.split ?? 'heads';
    slices(split === 'heads' ? p.H : p.S, { nCores, pick }, (u) => av(p.S, p.P, p.H, x[0], x[1], r[0], O, split, u));
  },
};
