// Kernel 13 `linear`: the plain dense layer of an FFN, O[S,N] (K travels as E, N as P on the wire).
import { linearO } from './linear_o';
import { Units } from './partition';
import { Rq } from './rq';
import { KernelDef, i16, i8, noScratch, out, rqDefaults, slices } from './spec';

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

export const LINEAR: KernelDef = {
  // Plain dense layer: K travels as E, N as P, H is not read (send 1). See docs/kernels.md.
  id: 13, name: 'linear',
  inputs: [i8('I', ['S', 'K'], (s) => [s.S, s.E]), i8('W', ['N', 'K'], (s) => [s.P, s.E]),
    i16('B', ['N'], (s) => [s.P])],
  output: out('O', 'i8', { layout: 'S,N', dims: (s) => [s.S, s.P], coords: ['s', 'n'] }),
  nRq: 1, nConsts: 0, usesT: false, macs: (s) => s.S * s.E * s.P, scratch: noScratch, defaultRq: rqDefaults(1),
  run: ({ p, r, x, out: O, nCores, pick }) => slices(p.S, { nCores, pick }, (u) => linear(p.S, p.E, p.P, x[0], x[1], x[2], r[0], O, u)),
};
