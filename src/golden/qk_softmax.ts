// Kernel 3 `qk_softmax` (M1): per head, scores Q_h·K_hᵀ requantised, then isoftmax per row.
import { Units } from './partition';
import { Rq, rq } from './rq';
import { isoftmaxRow } from './softmax';
import { KernelDef, i8, noScratch, out, rqDefaults, slices } from './spec';

/** rq(Σ_p Q[h,s,p]·K[h,t,p]; rq0) for t = 0..S-1, written to row[0..S-1]. */
export function scoreRow(
  S: number, P: number, Q: Int8Array, K: Int8Array, h: number, s: number, rq0: Rq, row: Int8Array,
): void {
  for (let t = 0; t < S; t++) {
    let acc = 0;
    for (let p = 0; p < P; p++) acc += Q[(h * S + s) * P + p] * K[(h * S + t) * P + p];
    row[t] = rq(acc, rq0[0], rq0[1]);
  }
}

/**
 * A[s,h,:] = isoftmax(t ↦ rq(Σ_p Q[h,s,p]·K[h,t,p]; rq0)).
 * Q[H,S,P], K[H,S,P] -> A[S,H,S] uint8 (row s·H+h, heads interleaved).
 * Units: H heads (split 'heads') or S rows (split 'rows'); the bytes are the same.
 */
export function qkSoftmax(
  S: number, P: number, H: number, Q: Int8Array, K: Int8Array, rq0: Rq, A: Uint8Array,
  split: 'heads' | 'rows' = 'heads', units: Units = [0, split === 'heads' ? H : S],
): void {
  const row = new Int8Array(S);
  const one = (h: number, s: number) => {
    scoreRow(S, P, Q, K, h, s, rq0, row);
    isoftmaxRow(row, 0, S, A, (s * H + h) * S);
  };
  for (let u = units[0]; u < units[1]; u++) {
    if (split === 'heads') for (let s = 0; s < S; s++) one(u, s);
    else for (let h = 0; h < H; h++) one(h, u);
  }
}

export const QK_SOFTMAX: KernelDef = {
  id: 3, name: 'qk_softmax',
  inputs: [i8('Q', ['H', 'S', 'P'], (s) => [s.H, s.S, s.P]), i8('K', ['H', 'S', 'P'], (s) => [s.H, s.S, s.P])],
  output: out('A', 'u8', { layout: 'S,H,S', dims: (s) => [s.S, s.H, s.S], coords: ['s', 'h', 't'] }),
  nRq: 1, nConsts: 0, usesT: false, macs: (s) => s.H * s.S * s.S * s.P, scratch: noScratch,
  defaultRq: rqDefaults(1),
  run: ({ p, r, x, out: O, nCores, pick }) => {
    const split = p.split ?? 'heads';
    slices(split === 'heads' ? p.H : p.S, { nCores, pick }, (u) => qkSoftmax(p.S, p.P, p.H, x[0], x[1], r[0], O, split, u));
  },
};
