// The spec check of a point: the TypeScript golden in full, or, above a size where the
// model gets slow, on a deterministic sample of its partition units (rows or heads).
import type { Units } from './partition';
import { count, kernelInfo } from './registry';
import { GoldenParams, Tensor, checkRun } from './validate';

/** Points with more MACs than this are checked on a sample of units (~0.1 s of the TS model). */
export const SPEC_FULL_MACS = 16_000_000;
/** Units in a sample: the first, the last (where tail loops live) and evenly spaced ones. */
export const SPEC_SAMPLE_UNITS = 8;

export interface SpecExpectation {
  /** The golden output; where `written` is 0 the element was not computed (a copy of `fill`). */
  values: Uint8Array;
  /** 1 where the golden computed the element; undefined when every element was. */
  written?: Uint8Array;
  /** 'full', or 'sampled' with how many of how many units. */
  mode: 'full' | 'sampled';
  units?: { sampled: number; of: number };
}

/** Units 0, n-1 and evenly spaced ones between, as ranges of one unit each. */
export function sampleUnits(n: number, k = SPEC_SAMPLE_UNITS): Units[] {
  const picked = new Set<number>();
  for (let i = 0; i < k; i++) picked.add(Math.round((i * (n - 1)) / Math.max(1, k - 1)));
  return [...picked].sort((a, b) => a - b).map((u) => [u, u + 1] as const);
}

/**
 * The TypeScript golden of a point. Small points (≤ maxMacs) and kernels that cannot run a
 * sample (multi-stage ones) are computed whole; larger ones on sampleUnits() of their units.
 */
export function specExpectation(kernel: string, p: GoldenParams, inputs: Tensor[], maxMacs = SPEC_FULL_MACS): SpecExpectation {
  const k = kernelInfo(kernel);
  const r = checkRun(k, p, inputs);
  const n = count(k.output.dims(p));
  const run = (fill: number, pick?: (n: number) => Units[]): Uint8Array => {
    const out = new Uint8Array(n).fill(fill);
    const view = (k.output.dtype === 'u8' ? out : new Int8Array(out.buffer)) as Int8Array & Uint8Array;
    k.run({ p, r, x: inputs as never[], out: view, nCores: 1, pick });
    return out;
  };
  if (k.macs(p) <= maxMacs) return { values: run(0), mode: 'full' };
  let units = 0;
  const pick = (m: number): Units[] => { units = m; return sampleUnits(m); };
  // Two runs over buffers filled differently: an element the sample computed is equal in both.
  const a = run(0x00, pick);
  if (units === 0) return { values: a, mode: 'full' }; // the kernel ignored pick: all computed
  const b = run(0xff, pick);
  const written = new Uint8Array(n);
  for (let i = 0; i < n; i++) written[i] = a[i] === b[i] ? 1 : 0;
  return { values: a, written, mode: 'sampled', units: { sampled: sampleUnits(units).length, of: units } };
}

/** `want` for compare(): the golden where computed, `got` elsewhere (so only computed elements can differ). */
export function expectedFor(e: SpecExpectation, got: Uint8Array): Uint8Array {
  if (!e.written || got.length !== e.values.length) return e.values;
  const want = Uint8Array.from(got);
  for (let i = 0; i < want.length; i++) if (e.written[i]) want[i] = e.values[i];
  return want;
}
