// The golden model's entry point: runGolden(kernel, params, inputs) -> output bytes, per docs/kernels.md.
import { add } from './add';
import { av } from './av';
import { fwsa } from './fwsa';
import { gelu } from './gelu';
import { layernorm } from './layernorm';
import { linear, linearO, linearQK, linearV } from './linear';
import { mhsa, mhsaDft, mhsaFwsa } from './mhsa';
import { Units, partition } from './partition';
import { qkSoftmax } from './qkSoftmax';
import { count, kernelInfo } from './registry';
import { softmax } from './softmax';
import { GoldenParams, Tensor, checkCores, checkInputs, checkParams } from './validate';

export { KERNELS, KERNEL_BY_ID, kernelInfo } from './registry';
export type { DType, InputSpec, KernelInfo, OutputSpec, Shape } from './registry';
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
  const r = checkParams(k, p);
  checkInputs(k, p, inputs);
  const nCores = checkCores(k, opts.cores ?? 1);
  const { S, E, P, H } = p;
  const split = p.split ?? 'heads';
  const n = count(k.output.dims(p));
  const O = k.output.dtype === 'u8' ? new Uint8Array(n) : new Int8Array(n);
  const o8 = O as Int8Array;
  const u8 = O as Uint8Array;
  const x = inputs as never[]; // typed per kernel below; checkInputs has verified each class
  // Single-stage kernels: each core computes its own unit range, cores in turn.
  const slices = (units: number, run: (u: Units) => void) => {
    for (let c = 0; c < nCores; c++) run(partition(units, c, nCores));
  };
  switch (kernel) {
    case 'linear_qk': slices(H * S, (u) => linearQK(S, E, P, H, x[0], x[1], x[2], r[0], o8, u)); break;
    case 'linear_v': slices(H * P, (u) => linearV(S, E, P, H, x[0], x[1], x[2], r[0], o8, u)); break;
    case 'linear_o': slices(S, (u) => linearO(S, E, P, H, x[0], x[1], x[2], r[0], o8, u)); break;
    case 'qk_softmax':
      slices(split === 'heads' ? H : S, (u) => qkSoftmax(S, P, H, x[0], x[1], r[0], u8, split, u));
      break;
    case 'av': slices(split === 'heads' ? H : S, (u) => av(S, P, H, x[0], x[1], r[0], o8, split, u)); break;
    case 'fwsa': slices(H, (u) => fwsa(S, E, H, x[0], x[1], x[2], r[0], r[1], u8, u)); break;
    case 'softmax': slices(S, (u) => softmax(S, E, x[0], u8, u)); break;
    case 'mhsa':
      mhsa(S, E, P, H, { I: x[0], Wq: x[1], Bq: x[2], Wk: x[3], Bk: x[4], Wv: x[5], Bv: x[6], Wo: x[7], Bo: x[8] },
        r, o8, nCores);
      break;
    case 'mhsa_fwsa':
      mhsaFwsa(S, E, P, H, { I: x[0], Wf: x[1], Bf: x[2], Wv: x[3], Bv: x[4], Wo: x[5], Bo: x[6] }, r, o8, nCores);
      break;
    case 'mhsa_dft':
      mhsaDft(S, E, P, H, p.T as number,
        { I: x[0], Wq: x[1], Bq: x[2], Wk: x[3], Bk: x[4], Wv: x[5], Bv: x[6], Wo: x[7], Bo: x[8] },
        r, o8, nCores);
      break;
    case 'layernorm': slices(S, (u) => layernorm(S, E, x[0], x[1], x[2], r[0], o8, u)); break;
    case 'gelu': slices(S, (u) => gelu(S, E, x[0], r[0], p.consts as number[], o8, u)); break;
    case 'add': slices(S, (u) => add(S, E, x[0], x[1], r[0], r[1], o8, u)); break;
    case 'linear': slices(S, (u) => linear(S, E, P, x[0], x[1], x[2], r[0], o8, u)); break;
    default: throw new Error(`runGolden: kernel "${kernel}" is in the table but has no model`);
  }
  return O;
}
