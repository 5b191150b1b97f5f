// What every kernel's golden file declares about its kernel: argument names, dtypes, layouts,
// rq/const counts, MACs and scratch (the TypeScript mirror of the C descriptor th_def_<name>
// at the end of kernels/src/th_<name>.c; test/kernel-table.test.ts proves they agree).
import type { Shape } from '../board/types';
import { Units, partition } from './partition';
import type { Rq } from './rq';
import type { GoldenParams } from './validate';

export type { Shape };
export type DType = 'i8' | 'u8' | 'i16';

export interface InputSpec {
  name: string;                      // argument name from docs/kernels.md, e.g. "W"
  dtype: DType;
  dims: (s: Shape) => number[];      // the documented layout, e.g. [H·P, E]
  dimNames: string[];                // the same layout in symbols, e.g. ["H*P", "E"]
}

export interface OutputSpec {
  name: string;                      // "O", "A" or "Y"
  dtype: 'i8' | 'u8';
  layout: string;                    // the documented layout, e.g. "S,H*P"
  dims: (s: Shape) => number[];      // one entry per coordinate: [S,H*P] is [S, H, P]
  coords: string[];                  // coordinate names used in mismatch reports, e.g. s,h,p
}

export interface KernelInfo {
  id: number;
  name: string;
  inputs: InputSpec[];
  output: OutputSpec;
  nRq: number;
  nConsts: number;
  usesT: boolean;
  macs: (s: Shape) => number;
  scratch: (s: Shape, nCores: number) => number; // bytes, as th_scratch_bytes
  defaultRq: Array<[number, number]>;
  defaultConsts?: number[];
}

/** A kernel's golden file exports one of these: its table entry and its model. */
export interface KernelDef extends KernelInfo {
  /** Computes the whole output into `out`, as `nCores` slices in turn (stages in order). */
  run(a: RunArgs): void;
}

export interface RunArgs {
  p: GoldenParams;
  r: Rq[];                 // checked rq pairs, one per the kernel's nRq
  x: never[];              // inputs in argument order, classes checked against the dtypes
  out: Int8Array & Uint8Array;
  nCores: number;
  /** When set, a single-stage kernel computes only these unit ranges of its n units (a
   * sample of rows for the spec check of large points); multi-stage kernels ignore it. */
  pick?: (n: number) => Units[];
}

/** Runs a single-stage kernel's n units as nCores slices, in core order (or only the picked units). */
export function slices(n: number, c: number | { nCores: number; pick?: (n: number) => Units[] }, run: (u: Units) => void): void {
  const nCores = typeof c === 'number' ? c : c.nCores;
  const pick = typeof c === 'number' ? undefined : c.pick;
  if (pick) for (const u of pick(n)) run(u);
  else for (let core = 0; core < nCores; core++) run(partition(n, core, nCores));
}

export const RQ_DEFAULT: [number, number] = [385, 16];
export const rqDefaults = (n: number) => Array.from({ length: n }, () => [...RQ_DEFAULT] as [number, number]);

export const i8 = (name: string, dimNames: string[], dims: (s: Shape) => number[]): InputSpec =>
  ({ name, dtype: 'i8', dims, dimNames });
export const u8 = (name: string, dimNames: string[], dims: (s: Shape) => number[]): InputSpec =>
  ({ name, dtype: 'u8', dims, dimNames });
export const i16 = (name: string, dimNames: string[], dims: (s: Shape) => number[]): InputSpec =>
  ({ name, dtype: 'i16', dims, dimNames });

// Inputs shared by several kernels.
export const I_SE = i8('I', ['S', 'E'], (s) => [s.S, s.E]);
export const W_HPE = (n: string) => i8(n, ['H*P', 'E'], (s) => [s.H * s.P, s.E]);
export const B_HP = (n: string) => i16(n, ['H*P'], (s) => [s.H * s.P]);
export const WO = i8('Wo', ['E', 'H*P'], (s) => [s.E, s.H * s.P]);
export const BO = i16('Bo', ['E'], (s) => [s.E]);
export const WF = i8('Wf', ['H', 'E', 'E'], (s) => [s.H, s.E, s.E]);
export const BF = i16('Bf', ['H', 'E'], (s) => [s.H, s.E]);
export const X_SE = i8('X', ['S', 'E'], (s) => [s.S, s.E]);

// Output layouts.
export const O_SE: Omit<OutputSpec, 'name' | 'dtype'> = { layout: 'S,E', dims: (s) => [s.S, s.E], coords: ['s', 'e'] };
export const out = (name: string, dtype: 'i8' | 'u8', o: Omit<OutputSpec, 'name' | 'dtype'>): OutputSpec =>
  ({ name, dtype, ...o });

export const linearMacs = (s: Shape) => s.S * s.E * s.P * s.H;
export const fwsaMacs = (s: Shape) => s.H * s.S * s.E * s.E + s.H * s.S * s.S * s.E;
export const mhsaMacs = (s: Shape) => 4 * s.S * s.E * s.P * s.H + 2 * s.H * s.S * s.S * s.P;
export const elementOps = (s: Shape) => s.S * s.E;
export const noScratch = () => 0;

/** Number of elements of a tensor with these dims. */
export function count(dims: number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}
