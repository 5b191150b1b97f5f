// Kernel 10 `layernorm`: integer LayerNorm (I-BERT style) with an exact integer square root.
import { Units } from './partition';
import { Rq, floorDiv, rq } from './rq';
import { KernelDef, O_SE, X_SE, elementOps, i16, i8, noScratch, out, rqDefaults, slices } from './spec';

/** Exact floor(sqrt(v)) for an integer 0 ≤ v < 2^53 (the float root is corrected by ±1 steps). */
export function isqrt(v: number): number {
  let r = Math.floor(Math.sqrt(v));
  while (r * r > v) r -= 1;
  while ((r + 1) * (r + 1) <= v) r += 1;
  return r;
}

/** Exact floor(sqrt(v)) for a bigint v ≥ 0 (Newton's method from above). */
export function isqrtBig(v: bigint): bigint {
  if (v < 2n) return v;
  let x = BigInt(Math.floor(Math.sqrt(Number(v)))) + 1n;
  for (;;) {
    const y = (x + v / x) >> 1n;
    if (y >= x) break;
    x = y;
  }
  while (x * x > v) x -= 1n;
  while ((x + 1n) * (x + 1n) <= v) x += 1n;
  return x;
}

/**
 * sd = max(isqrt(floor(Σ d² / E)), 1) for one row's d[i] = E·x[i] − sum.
 * |d| ≤ 255·E, so Σ d² ≤ 65025·E³ < 2^52 when E ≤ 4096: plain numbers are exact there;
 * larger rows (E up to 65535, Σ d² up to ~2^64) go through bigint.
 */
function rowStd(X: Int8Array, off: number, E: number, sum: number): number {
  let v: number;
  if (E <= 4096) {
    let sq = 0;
    for (let i = 0; i < E; i++) {
      const d = E * X[off + i] - sum;
      sq += d * d;
    }
    v = isqrt(floorDiv(sq, E));
  } else {
    let sq = 0n;
    for (let i = 0; i < E; i++) {
      const d = BigInt(E * X[off + i] - sum);
      sq += d * d;
    }
    v = Number(isqrtBig(sq / BigInt(E))); // bigint division truncates; sq ≥ 0 so that is floor
  }
  return Math.max(v, 1);
}

/**
 * For each row x of X[S,E]:
 *   sum = Σ x[i];  d[i] = E·x[i] − sum;  v = floor(Σ d[i]² / E);  sd = max(isqrt(v), 1)
 *   n[i] = floor(d[i]·256 / sd);  Y[i] = rq(n[i]·gamma[i] + beta[i]; rq0)
 * gamma[E] int8, beta[E] int16. Units: S rows.
 */
export function layernorm(
  S: number, E: number, X: Int8Array, gamma: Int8Array, beta: Int16Array, rq0: Rq, Y: Int8Array,
  units: Units = [0, S],
): void {
  for (let s = units[0]; s < units[1]; s++) {
    const off = s * E;
    let sum = 0;
    for (let i = 0; i < E; i++) sum += X[off + i];
    const sd = rowStd(X, off, E, sum);
    for (let i = 0; i < E; i++) {
      const d = E * X[off + i] - sum; // |d·256| < 2^33
      const n = floorDiv(d * 256, sd);
      Y[off + i] = rq(n * gamma[i] + beta[i], rq0[0], rq0[1]);
    }
  }
}

export const LAYERNORM: KernelDef = {
  id: 10, name: 'layernorm',
  inputs: [X_SE, i8('gamma', ['E'], (s) => [s.E]), i16('beta', ['E'], (s) => [s.E])],
  output: out('Y', 'i8', O_SE),
  nRq: 1, nConsts: 0, usesT: false, macs: elementOps, scratch: noScratch, defaultRq: rqDefaults(1),
  run: ({ p, r, x, out: O, nCores, pick }) =>
    slices(p.S, { nCores, pick }, (u) => layernorm(p.S, p.E, x[0], x[1], x[2], r[0], O, u)),
};
