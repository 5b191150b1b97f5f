// Arena layout of one run: inputs, output, scratch, each 8-byte aligned, from the kernel's sizes.

import type { Shape } from './types';

/** What the layout needs to know of kernels (src/native.ts provides it; tests may inject their own). */
export interface KernelCatalog {
  kernelInfo(name: string): {
    id: number;
    name: string;
    inputs: { name: string; dtype: 'i8' | 'u8' | 'i16' }[];
    outputType: string;
    nRq: number;
    nConsts: number;
    usesT: boolean;
  };
  kernelSizes(name: string, shape: Shape): { inputs: number[]; output: number };
  scratchBytes(name: string, shape: Shape, cores: number): number;
}

export interface ArenaLayout {
  inputOffsets: number[];
  inputBytes: number[];
  /** End of the last input: [0, inputsEnd) is written as one verified region. */
  inputsEnd: number;
  outputOffset: number;
  outputBytes: number;
  scratchOffset: number;
  scratchBytes: number;
  /** Bytes of arena the run occupies (the run's peak). */
  total: number;
}

export const ALIGN = 8;
const align = (n: number) => Math.ceil(n / ALIGN) * ALIGN;

export function layoutArena(inputBytes: number[], outputBytes: number, scratchBytes: number): ArenaLayout {
  const inputOffsets: number[] = [];
  let at = 0;
  for (const n of inputBytes) {
    at = align(at);
    inputOffsets.push(at);
    at += n;
  }
  const inputsEnd = at;
  const outputOffset = align(at);
  const scratchOffset = align(outputOffset + outputBytes);
  const total = scratchOffset + scratchBytes;
  return { inputOffsets, inputBytes, inputsEnd, outputOffset, outputBytes, scratchOffset, scratchBytes, total };
}

export function shapeText(s: Shape): string {
  return `S=${s.S} E=${s.E} P=${s.P} H=${s.H}${s.T !== undefined ? ` T=${s.T}` : ''}`;
}
