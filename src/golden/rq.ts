// Integer helpers of the spec: rq requantisation, exact floor division, clamps.
//
// Every value here is an exact integer held in a JS number. A number is exact up
// to 2^53 = 9007199254740992, so each helper states why its intermediates stay below.

import { argsMessage, rqPair } from '../validate/kernelArgs';
import { check } from '../validate/zod';

export type Rq = readonly [mul: number, div: number];

const TWO_POW_53 = 2 ** 53;

/** clamp(x, -128, 127) */
export function clampI8(x: number): number {
  return x < -128 ? -128 : x > 127 ? 127 : x;
}

/** clampu8(x) = clamp(x, 0, 255) */
export function clampU8(x: number): number {
  return x < 0 ? 0 : x > 255 ? 255 : x;
}

/**
 * floor(a / b) for integers with |a|, |b| < 2^53 and b > 0.
 * The float quotient can be off by one after rounding, so the remainder corrects it.
 */
export function floorDiv(a: number, b: number): number {
  let q = Math.floor(a / b);
  const r = a - q * b;
  if (r < 0) q -= 1;
  else if (r >= b) q += 1;
  return q;
}

/**
 * rq(x; mul, div) = clamp(floor(x · mul / 2^div), -128, 127).
 *
 * x is an exact integer (|x| < 2^53), mul an int32, div in 0..31 (checked by checkRq).
 * When |x · mul| < 2^53 the float product is exact and dividing by 2^div is exact,
 * so Math.floor gives the true floor. When the true |x · mul| ≥ 2^53 the result is
 * at least 2^53 / 2^31 = 2^22 in magnitude and saturates: only the sign matters,
 * and the float product always has the right sign. No BigInt is ever needed.
 */
export function rq(x: number, mul: number, div: number): number {
  const product = x * mul;
  if (product >= TWO_POW_53) return 127;
  if (product <= -TWO_POW_53) return -128;
  return clampI8(Math.floor(product / 2 ** div));
}

/** floor(x · mul / 2^div) without the clamp (the residual add sums two of these). */
export function scaleFloor(x: number, mul: number, div: number): number {
  // Callers pass |x| ≤ 128 and an int32 mul, so |x · mul| ≤ 2^38: exact.
  return Math.floor((x * mul) / 2 ** div);
}

/** Throws unless (mul, div) is an int32 and 0..31 pair (TH_ERR_RQ in C), in the one form of
 * src/validate/kernelArgs.ts: `golden linear_qk: rq[0][1]: expected a div in 0..31, found 32`. */
export function checkRq(kernel: string, index: number, pair: unknown): Rq {
  const r = check(rqPair, pair, ['rq', index]);
  if (!r.ok) throw new RangeError(argsMessage('golden', { name: kernel }, r.problem));
  return r.data;
}

/** rq for an exact bigint x (used only where a kernel's value can pass 2^53, see gelu.ts). */
export function rqBig(x: bigint, mul: number, div: number): number {
  const q = (x * BigInt(mul)) >> BigInt(div); // bigint >> is floor division by 2^div
  return q < -128n ? -128 : q > 127n ? 127 : Number(q);
}
