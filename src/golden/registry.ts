// The kernel table: ids, argument names, dtypes, layouts, rq/const counts, MACs and scratch,
// exactly as docs/kernels.md and kernels/include/tinyhil.h define them.
import type { Shape } from '../board/types';

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

const RQ_DEFAULT: [number, number] = [385, 16];
const rqDefaults = (n: number) => Array.from({ length: n }, () => [...RQ_DEFAULT] as [number, number]);

const i8 = (name: string, dimNames: string[], dims: (s: Shape) => number[]): InputSpec =>
  ({ name, dtype: 'i8', dims, dimNames });
const u8 = (name: string, dimNames: string[], dims: (s: Shape) => number[]): InputSpec =>
  ({ name, dtype: 'u8', dims, dimNames });
const i16 = (name: string, dimNames: string[], dims: (s: Shape) => number[]): InputSpec =>
  ({ name, dtype: 'i16', dims, dimNames });

// Inputs shared by several kernels.
const I_SE = i8('I', ['S', 'E'], (s) => [s.S, s.E]);
const W_HPE = (n: string) => i8(n, ['H*P', 'E'], (s) => [s.H * s.P, s.E]);
const B_HP = (n: string) => i16(n, ['H*P'], (s) => [s.H * s.P]);
const WO = i8('Wo', ['E', 'H*P'], (s) => [s.E, s.H * s.P]);
const BO = i16('Bo', ['E'], (s) => [s.E]);
const WF = i8('Wf', ['H', 'E', 'E'], (s) => [s.H, s.E, s.E]);
const BF = i16('Bf', ['H', 'E'], (s) => [s.H, s.E]);
const X_SE = i8('X', ['S', 'E'], (s) => [s.S, s.E]);

// Output layouts.
const O_SE: Omit<OutputSpec, 'name' | 'dtype'> = { layout: 'S,E', dims: (s) => [s.S, s.E], coords: ['s', 'e'] };
const out = (name: string, dtype: 'i8' | 'u8', o: Omit<OutputSpec, 'name' | 'dtype'>): OutputSpec =>
  ({ name, dtype, ...o });

const linearMacs = (s: Shape) => s.S * s.E * s.P * s.H;
const fwsaMacs = (s: Shape) => s.H * s.S * s.E * s.E + s.H * s.S * s.S * s.E;
const mhsaMacs = (s: Shape) => 4 * s.S * s.E * s.P * s.H + 2 * s.H * s.S * s.S * s.P;
const elementOps = (s: Shape) => s.S * s.E;
const noScratch = () => 0;

const table: KernelInfo[] = [
  {
    id: 0, name: 'linear_qk', inputs: [I_SE, W_HPE('W'), B_HP('B')],
    output: out('O', 'i8', { layout: 'H,S,P', dims: (s) => [s.H, s.S, s.P], coords: ['h', 's', 'p'] }),
    nRq: 1, nConsts: 0, usesT: false, macs: linearMacs, scratch: noScratch, defaultRq: rqDefaults(1),
  },
  {
    id: 1, name: 'linear_v', inputs: [I_SE, W_HPE('W'), B_HP('B')],
    output: out('O', 'i8', { layout: 'H,P,S', dims: (s) => [s.H, s.P, s.S], coords: ['h', 'p', 's'] }),
    nRq: 1, nConsts: 0, usesT: false, macs: linearMacs, scratch: noScratch, defaultRq: rqDefaults(1),
  },
  {
    id: 2, name: 'linear_o',
    inputs: [i8('I', ['S', 'H*P'], (s) => [s.S, s.H * s.P]), i8('W', ['E', 'H*P'], (s) => [s.E, s.H * s.P]),
      i16('B', ['E'], (s) => [s.E])],
    output: out('O', 'i8', O_SE),
    nRq: 1, nConsts: 0, usesT: false, macs: linearMacs, scratch: noScratch, defaultRq: rqDefaults(1),
  },
  {
    id: 3, name: 'qk_softmax',
    inputs: [i8('Q', ['H', 'S', 'P'], (s) => [s.H, s.S, s.P]), i8('K', ['H', 'S', 'P'], (s) => [s.H, s.S, s.P])],
    output: out('A', 'u8', { layout: 'S,H,S', dims: (s) => [s.S, s.H, s.S], coords: ['s', 'h', 't'] }),
    nRq: 1, nConsts: 0, usesT: false, macs: (s) => s.H * s.S * s.S * s.P, scratch: noScratch,
    defaultRq: rqDefaults(1),
  },
  {
    id: 4, name: 'av',
    inputs: [u8('A', ['S', 'H', 'S'], (s) => [s.S, s.H, s.S]), i8('V', ['H', 'P', 'S'], (s) => [s.H, s.P, s.S])],
    output: out('O', 'i8', { layout: 'S,H*P', dims: (s) => [s.S, s.H, s.P], coords: ['s', 'h', 'p'] }),
    nRq: 1, nConsts: 0, usesT: false, macs: (s) => s.H * s.S * s.S * s.P, scratch: noScratch,
    defaultRq: rqDefaults(1),
  },
  {
    id: 5, name: 'fwsa', inputs: [I_SE, i8('W', ['H', 'E', 'E'], (s) => [s.H, s.E, s.E]),
      i16('B', ['H', 'E'], (s) => [s.H, s.E])],
    output: out('A', 'u8', { layout: 'H,S,S', dims: (s) => [s.H, s.S, s.S], coords: ['h', 's', 't'] }),
    nRq: 2, nConsts: 0, usesT: false, macs: fwsaMacs, scratch: (s, n) => n * s.S * s.E,
    defaultRq: rqDefaults(2),
  },
  {
    id: 6, name: 'softmax', inputs: [X_SE], output: out('Y', 'u8', O_SE),
    nRq: 0, nConsts: 0, usesT: false, macs: elementOps, scratch: noScratch, defaultRq: [],
  },
  {
    id: 7, name: 'mhsa',
    inputs: [I_SE, W_HPE('Wq'), B_HP('Bq'), W_HPE('Wk'), B_HP('Bk'), W_HPE('Wv'), B_HP('Bv'), WO, BO],
    output: out('O', 'i8', O_SE),
    nRq: 6, nConsts: 0, usesT: false, macs: mhsaMacs,
    scratch: (s) => 3 * s.H * s.S * s.P + s.S * s.H * s.S + s.S * s.H * s.P, defaultRq: rqDefaults(6),
  },
  {
    id: 8, name: 'mhsa_fwsa', inputs: [I_SE, WF, BF, W_HPE('Wv'), B_HP('Bv'), WO, BO],
    output: out('O', 'i8', O_SE),
    nRq: 5, nConsts: 0, usesT: false,
    macs: (s) => fwsaMacs(s) + 2 * s.S * s.E * s.P * s.H + s.H * s.S * s.S * s.P,
    scratch: (s, n) => s.H * s.P * s.S + s.H * s.S * s.S + s.S * s.H * s.P + n * s.S * s.E,
    defaultRq: rqDefaults(5),
  },
  {
    id: 9, name: 'mhsa_dft',
    inputs: [I_SE, W_HPE('Wq'), B_HP('Bq'), W_HPE('Wk'), B_HP('Bk'), W_HPE('Wv'), B_HP('Bv'), WO, BO],
    output: out('O', 'i8', O_SE),
    nRq: 6, nConsts: 0, usesT: true, macs: mhsaMacs,
    scratch: (s, n) => {
      const T = s.T ?? 0; // K, V whole, then per core Qt [T,P], At [T,S], Mt [T,H·P]
      return 2 * s.H * s.S * s.P + n * (T * s.P + T * s.S + T * s.H * s.P);
    },
    defaultRq: rqDefaults(6),
  },
  {
    id: 10, name: 'layernorm',
    inputs: [X_SE, i8('gamma', ['E'], (s) => [s.E]), i16('beta', ['E'], (s) => [s.E])],
    output: out('Y', 'i8', O_SE),
    nRq: 1, nConsts: 0, usesT: false, macs: elementOps, scratch: noScratch, defaultRq: rqDefaults(1),
  },
  {
    id: 11, name: 'gelu', inputs: [X_SE], output: out('Y', 'i8', O_SE),
    nRq: 1, nConsts: 3, usesT: false, macs: elementOps, scratch: noScratch,
    defaultRq: [[296, 20]], defaultConsts: [40, 1772, 1772],
  },
  {
    id: 12, name: 'add',
    inputs: [i8('A', ['S', 'E'], (s) => [s.S, s.E]), i8('B', ['S', 'E'], (s) => [s.S, s.E])],
    output: out('Y', 'i8', O_SE),
    nRq: 2, nConsts: 0, usesT: false, macs: elementOps, scratch: noScratch, defaultRq: [[1, 0], [1, 0]],
  },
  {
    // Plain dense layer: K travels as E, N as P, H is not read (send 1). See docs/kernels.md.
    id: 13, name: 'linear',
    inputs: [i8('I', ['S', 'K'], (s) => [s.S, s.E]), i8('W', ['N', 'K'], (s) => [s.P, s.E]),
      i16('B', ['N'], (s) => [s.P])],
    output: out('O', 'i8', { layout: 'S,N', dims: (s) => [s.S, s.P], coords: ['s', 'n'] }),
    nRq: 1, nConsts: 0, usesT: false, macs: (s) => s.S * s.E * s.P, scratch: noScratch, defaultRq: rqDefaults(1),
  },
];

/** Kernels by name. */
export const KERNELS: Record<string, KernelInfo> = Object.fromEntries(table.map((k) => [k.name, k]));

/** Kernels by id (index = id). */
export const KERNEL_BY_ID: readonly KernelInfo[] = table;

/** The kernel's record, or an error listing the known names. */
export function kernelInfo(kernel: string): KernelInfo {
  const k = Object.prototype.hasOwnProperty.call(KERNELS, kernel) ? KERNELS[kernel] : undefined;
  if (!k) throw new Error(`Unknown kernel "${kernel}"; known kernels: ${table.map((t) => t.name).join(', ')}`);
  return k;
}

/** Number of elements of a tensor with these dims. */
export function count(dims: number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}
