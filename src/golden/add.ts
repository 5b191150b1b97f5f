// Kernel 12 `add`: residual add of two int8 tensors, each rescaled by its own (mul, div).
import { Units } from './partition';
import { Rq, clampI8, scaleFloor } from './rq';
import { KernelDef, O_SE, elementOps, i8, noScratch, out, slices } from './spec';

/**
 * Y = clamp(floor(A·mul0 / 2^div0) + floor(B·mul1 / 2^div1), −128, 127), no clamp before the sum.
 * A[S,E], B[S,E] -> Y[S,E]. Units: S rows.
 */
export function add(
  S: number, E: number, A: Int8Array, B: Int8Array, rq0: Rq, rq1: Rq, Y: Int8Array,
  units: Units = [0, S],
): void {
  for (let i = units[0] * E; i < units[1] * E; i++) {
    Y[i] = clampI8(scaleFloor(A[i], rq0[0], rq0[1]) + scaleFloor(B[i], rq1[0], rq1[1]));
  }
}

export const ADD: KernelDef = {
  id: 12, name: 'add',
  inputs: [i8('A', ['S', 'E'], (s) => [s.S, s.E]), i8('B', ['S', 'E'], (s) => [s.S, s.E])],
  output: out('Y', 'i8', O_SE),
  nRq: 2, nConsts: 0, usesT: false, macs: elementOps, scratch: noScratch, defaultRq: [[1, 0], [1, 0]],
  run: ({ p, r, x, out: O, nCores, pick }) => slices(p.S, { nCores, pick }, (u) => add(p.S, p.E, x[0], x[1], r[0], r[1], O, u)),
};
