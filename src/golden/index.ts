// The golden model's entry point: runGolden(kernel, params, inputs) -> output bytes, per docs/kernels.md.
// Each kernel's model and table entry live in its own file (src/golden/<name>.ts).
import { count, kernelInfo } from './registry';
import { GoldenParams, Tensor, checkRun } from './validate';

export { KERNELS, KERNEL_BY_ID, KERNEL_NAMES, kernelInfo } from './registry';
export type { DType, InputSpec, KernelDef, KernelInfo, OutputSpec, Shape } from './registry';
export type { GoldenParams, Tensor } from './validate';
export { compare, compareDetail, shapeLabel } from './compare';
export type { Mismatch, MismatchElement } from './compare';
export { geluConsts, chooseRq } from './gelu';
export { partition } from './partition';

export interface GoldenOptions {
  /** Run the kernel as this many core slices in turn (1..8); the bytes never change. */
  cores?: number;
}

/**
 * Runs `kernel` on `inputs` (typed arrays in argument order) and returns its output tensor
 * (Int8Array, or Uint8Array for qk_softmax, fwsa and softmax). Throws on any bad param or input.
 */
export function runGolden(
  kernel: string, p: GoldenParams, inputs: Tensor[], opts: GoldenOptions = {},
): Int8Array | Uint8Array {
  const k = kernelInfo(kernel);
  const nCores = opts.cores ?? 1;
  const r = checkRun(k, p, inputs, nCores);
  const n = count(k.output.dims(p));
  const O = k.output.dtype === 'u8' ? new Uint8Array(n) : new Int8Array(n);
  // checkRun has verified each input's class against the kernel's dtypes.
  k.run({ p, r, x: inputs as never[], out: O as Int8Array & Uint8Array, nCores });
  return O;
}
