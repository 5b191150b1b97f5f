// Kernel 12 `add`: residual add of two int8 tensors, each rescaled by its own (mul, div).
import { Units } from './partition';
import { Rq, clampI8, scaleFloor } from './rq';

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
