// Kernel 11 `gelu`: integer GELU (I-BERT i-GELU), plus geluConsts, the one place floats are allowed.
import { Units } from './partition';
import { Rq, rq, rqBig } from './rq';
import { KernelDef, O_SE, X_SE, elementOps, noScratch, out, slices } from './spec';

/** Largest qb for which every intermediate stays below 2^53: 128·(2^32 + qb²) < 2^53 when qb ≤ 2^22. */
const QB_EXACT_LIMIT = 2 ** 22;

/**
 * t = min(|x|, qb) − qb  (≤ 0)
 * L = sign(x)·(qc − t²)   (integer erf(x/√2) at scale 1/qc)
 * y = x·(L + q1)          (64-bit in C)
 * Y = rq(y; rq0)
 * X[S,E] -> Y[S,E]. consts = [qb, qc, q1] with qb > 0. Units: S rows.
 */
export function gelu(
  S: number, E: number, X: Int8Array, rq0: Rq, consts: readonly number[], Y: Int8Array,
  units: Units = [0, S],
): void {
  const [qb, qc, q1] = consts;
  for (let i = units[0] * E; i < units[1] * E; i++) {
    const x = X[i];
    const t = Math.min(Math.abs(x), qb) - qb;
    if (qb <= QB_EXACT_LIMIT) {
      const L = Math.sign(x) * (qc - t * t);
      Y[i] = rq(x * (L + q1), rq0[0], rq0[1]);
    } else {
      // Huge qb (only reachable with hand-made consts): t² passes 2^44, so compute exactly.
      const tb = BigInt(t);
      const L = BigInt(Math.sign(x)) * (BigInt(qc) - tb * tb);
      Y[i] = rqBig(BigInt(x) * (L + BigInt(q1)), rq0[0], rq0[1]);
    }
  }
}

/**
 * (mul, div) approximating a positive real ratio: the smallest div in 0..31 with
 * ratio·2^div ≥ 256 (a 9-bit mul, as the reference's 385/2^16), mul = round(ratio·2^div).
 * Floats: offline derivation only.
 */
export function chooseRq(ratio: number): [number, number] {
  if (!(ratio > 0) || !Number.isFinite(ratio)) {
    throw new Error(`chooseRq: ratio must be a positive finite number, got ${ratio}`);
  }
  let div = 0;
  while (div < 31 && ratio * 2 ** div < 256) div++;
  const mul = Math.round(ratio * 2 ** div);
  if (mul < 1) throw new Error(`chooseRq: ratio ${ratio} is below 2^-32 and rounds to mul = 0`);
  if (mul > 2 ** 31 - 1) throw new Error(`chooseRq: ratio ${ratio} needs mul = ${mul}, above int32`);
  return [mul, div];
}

export interface GeluConsts {
  qb: number; qc: number; q1: number;
  mul: number; div: number;
  consts: [number, number, number]; // [qb, qc, q1], the kernel's consts order
  rq: [number, number];             // [mul, div], the kernel's rq0
  yScale: number;                   // real value of one unit of y = x·(L + q1)
}

/**
 * Derives i-GELU constants for an input scale s (x_real = s·x) and an output scale sOut,
 * with a = 0.2888, b = 1.769, se = s/√2:
 *   qb = floor(b / se), qc = floor(1 / (a·se²)), q1 = qc, y scale = s·a·se²/2,
 *   (mul, div) = chooseRq(y scale / sOut).
 * geluConsts(1/16, 1/16) gives the kernel defaults qb 40, qc 1772, q1 1772, mul 296, div 20.
 */
export function geluConsts(scaleIn: number, scaleOut: number): GeluConsts {
  const a = 0.2888;
  const b = 1.769;
  if (!(scaleIn > 0) || !Number.isFinite(scaleIn)) {
    throw new Error(`geluConsts: scaleIn must be a positive finite number, got ${scaleIn}`);
  }
  if (!(scaleOut > 0) || !Number.isFinite(scaleOut)) {
    throw new Error(`geluConsts: scaleOut must be a positive finite number, got ${scaleOut}`);
  }
  const se = scaleIn / Math.SQRT2;
  const qb = Math.floor(b / se);
  const qc = Math.floor(1 / (a * se * se));
  if (qb < 1) {
    throw new Error(`geluConsts: scaleIn ${scaleIn} gives qb = floor(1.769·√2 / scaleIn) = 0; scaleIn must be ≤ ${b * Math.SQRT2}`);
  }
  if (qc > 2 ** 31 - 1) {
    throw new Error(`geluConsts: scaleIn ${scaleIn} gives qc = ${qc}, above int32`);
  }
  const yScale = (scaleIn * a * se * se) / 2;
  const [mul, div] = chooseRq(yScale / scaleOut);
  return { qb, qc, q1: qc, mul, div, consts: [qb, qc, qc], rq: [mul, div], yScale };
}

export const GELU: KernelDef = {
  id: 11, name: 'gelu', inputs: [X_SE], output: out('Y', 'i8', O_SE),
  nRq: 1, nConsts: 3, usesT: false, macs: elementOps, scratch: noScratch,
  defaultRq: [[296, 20]], defaultConsts: [40, 1772, 1772],
  run: ({ p, r, x, out: O, nCores, pick }) =>
    slices(p.S, { nCores, pick }, (u) => gelu(p.S, p.E, x[0], r[0], p.consts as number[], O, u)),
};
