// Seeded input generator (the harness's `inputGen: random`): one mulberry32 stream per test point.
// Seeds are NOT PyTorch-compatible: the same seed gives different tensors than the reference harness.
import { DType, Shape, count, kernelInfo } from './golden/registry';
import { Tensor, checkShape } from './golden/validate';

/**
 * mulberry32 as docs/kernels.md writes it; returns next() giving uint32 values.
 *   state = (state + 0x6D2B79F5) mod 2^32; t = state
 *   t = imul(t ^ (t >>> 15), t | 1); t ^= t + imul(t ^ (t >>> 7), t | 61)
 *   return (t ^ (t >>> 14)) >>> 0
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** Fills a new tensor of `n` elements from the stream, element by element. */
export function drawTensor(next: () => number, dtype: DType, n: number): Tensor {
  switch (dtype) {
    case 'i8': { const a = new Int8Array(n); for (let i = 0; i < n; i++) a[i] = (next() >>> 24) - 128; return a; }
    case 'u8': { const a = new Uint8Array(n); for (let i = 0; i < n; i++) a[i] = next() >>> 24; return a; }
    case 'i16': { const a = new Int16Array(n); for (let i = 0; i < n; i++) a[i] = (next() >>> 21) - 1024; return a; }
  }
}

/** The kernel's inputs for `shape`, drawn in argument order from one stream seeded with `seed` (uint32). */
export function generateInputs(kernel: string, shape: Shape, seed: number): Tensor[] {
  const k = kernelInfo(kernel);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new Error(`generateInputs: seed must be a uint32 (0..4294967295), got ${seed}`);
  }
  checkShape(k, shape, 'generateInputs');
  const next = mulberry32(seed);
  return k.inputs.map((spec) => drawTensor(next, spec.dtype, count(spec.dims(shape))));
}

/** The raw little-endian bytes of a tensor, as the board protocol and the addon take them (no copy). */
export function tensorBytes(t: Tensor): Uint8Array {
  return new Uint8Array(t.buffer, t.byteOffset, t.byteLength);
}
