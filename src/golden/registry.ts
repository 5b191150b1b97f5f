// Lookups over the kernel table (src/golden/kernels.ts): by name, by id, element counts.
import { KERNEL_TABLE } from './kernels';
import type { KernelDef } from './spec';

export { count } from './spec';

export type { DType, InputSpec, KernelDef, KernelInfo, OutputSpec, Shape } from './spec';

/** Kernels by name. */
export const KERNELS: Record<string, KernelDef> = Object.fromEntries(KERNEL_TABLE.map((k) => [k.name, k]));

/** Kernels by id (index = id). */
export const KERNEL_BY_ID: readonly KernelDef[] = KERNEL_TABLE;

/** Every kernel name, in id order. */
export const KERNEL_NAMES: readonly string[] = KERNEL_TABLE.map((k) => k.name);

/** The kernel's record, or an error listing the known names. */
export function kernelInfo(kernel: string): KernelDef {
  const k = Object.prototype.hasOwnProperty.call(KERNELS, kernel) ? KERNELS[kernel] : undefined;
  if (!k) throw new Error(`Unknown kernel "${kernel}"; known kernels: ${KERNEL_NAMES.join(', ')}`);
  return k;
}
