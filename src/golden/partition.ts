// The partition rule of docs/kernels.md: which units a core computes.

/** A half-open range of partition units [start, stop). */
export type Units = readonly [start: number, stop: number];

/**
 * chunk = ceil(n / nCores); start = min(chunk·coreId, n); stop = min(start + chunk, n).
 * Results never depend on nCores; the golden model uses this only to prove that.
 */
export function partition(n: number, coreId: number, nCores: number): Units {
  const chunk = Math.ceil(n / nCores);
  const start = Math.min(chunk * coreId, n);
  const stop = Math.min(start + chunk, n);
  return [start, stop];
}
