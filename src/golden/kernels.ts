// The kernel table, in id order: one line per kernel, each the KernelDef its golden file
// (src/golden/<name>.ts, named like kernels/src/th_<name>.c) exports. test/kernel-table.test.ts
// checks it against the C descriptors (TH_KERNEL_LIST in kernels/include/tinyhil.h).
import { ADD } from './add';
import { AV } from './av';
import { FWSA } from './fwsa';
import { GELU } from './gelu';
import { LAYERNORM } from './layernorm';
import { LINEAR } from './linear';
import { LINEAR_O } from './linear_o';
import { LINEAR_QK } from './linear_qk';
import { LINEAR_V } from './linear_v';
import { MHSA } from './mhsa';
import { MHSA_DFT } from './mhsa_dft';
import { MHSA_FWSA } from './mhsa_fwsa';
import { QK_SOFTMAX } from './qk_softmax';
import { SOFTMAX } from './softmax';
import type { KernelDef } from './spec';

export const KERNEL_TABLE: readonly KernelDef[] = [
  LINEAR_QK,
  LINEAR_V,
  LINEAR_O,
  QK_SOFTMAX,
  AV,
  FWSA,
  SOFTMAX,
  MHSA,
  MHSA_FWSA,
  MHSA_DFT,
  LAYERNORM,
  GELU,
  ADD,
  LINEAR,
];
