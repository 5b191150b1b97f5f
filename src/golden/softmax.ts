// Integer softmax (I-BERT style) of one row, and kernel 6 `softmax` over the rows of X[S,E].
import { Units } from './partition';
import { clampU8, floorDiv } from './rq';
import { KernelDef, O_SE, X_SE, elementOps, noScratch, out, slices } from './spec';

/**
 * The unnormalised exponential of xt = x - max(x) ≤ 0, with A=1, B=7, C=24, log2=5:
 *   z = floor(-xt / 5), p = xt + 5·z (in -4..0), y = z > 31 ? 0 : floor(((p + 7)² + 24) / 2^z)
 */
export function iexp(xt: number): number {
  const z = floorDiv(-xt, 5);
  const p = xt + 5 * z;
  if (z > 31) return 0;
  return Math.floor(((p + 7) * (p + 7) + 24) / 2 ** z);
}

/**
 * isoftmax(x[0..n-1]) -> uint8[n]: reads x[xOff .. xOff+n-1], writes out[outOff .. outOff+n-1].
 * out[j] = clampu8(floor(y[j] · 255 / Σ y)). Σ y ≥ 73 (the max element contributes 73).
 */
export function isoftmaxRow(
  x: ArrayLike<number>, xOff: number, n: number,
  out: Uint8Array, outOff: number,
): void {
  let m = x[xOff];
  for (let j = 1; j < n; j++) if (x[xOff + j] > m) m = x[xOff + j];
  let sum = 0;
  for (let j = 0; j < n; j++) sum += iexp(x[xOff + j] - m);
  for (let j = 0; j < n; j++) {
    out[outOff + j] = clampU8(floorDiv(iexp(x[xOff + j] - m) * 255, sum));
  }
}

/** Kernel 6: Y[s,:] = isoftmax(X[s,:]). Units: S rows. */
export function softmax(
  S: number, E: number, X: Int8Array, Y: Uint8Array, units: Units = [0, S],
): void {
  for (let s = units[0]; s < units[1]; s++) isoftmaxRow(X, s * E, E, Y, s * E);
}

export const SOFTMAX: KernelDef = {
  id: 6, name: 'softmax', inputs: [X_SE], output: out('Y', 'u8', O_SE),
  nRq: 0, nConsts: 0, usesT: false, macs: elementOps, scratch: noScratch, defaultRq: [],
  run: ({ p, x, out: O, nCores, pick }) => slices(p.S, { nCores, pick }, (u) => softmax(p.S, p.E, x[0], O, u)),
};
