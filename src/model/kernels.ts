// kernels.ts - what a model needs of a library kernel, read from the golden registry (one place to
// follow when the registry changes): argument layouts as symbols, output layout, shape inference.
import { KERNELS, type DType, type KernelInfo, type Shape } from '../golden/registry';

export type { DType, KernelInfo, Shape };
export type Sym = 'S' | 'E' | 'P' | 'H';
const SYMS: readonly Sym[] = ['S', 'E', 'P', 'H'];

export function kernelNames(): string[] {
  return Object.keys(KERNELS);
}

export function findKernel(name: string): KernelInfo | undefined {
  return Object.prototype.hasOwnProperty.call(KERNELS, name) ? KERNELS[name] : undefined;
}

// Symbols of a layout, whatever the registry calls them ("K" of linear is E on the wire): each
// dim of a probe shape with distinct primes factors into the shape fields it is made of.
const PROBE: Shape = { S: 2, E: 3, P: 5, H: 7, T: 2 };
const PRIME: Array<[number, Sym]> = [[2, 'S'], [3, 'E'], [5, 'P'], [7, 'H']];

function factorsOf(n: number): Sym[] {
  const out: Sym[] = [];
  for (const [p, s] of PRIME) while (n % p === 0) { out.push(s); n /= p; }
  if (n !== 1) throw new Error(`kernel layout dim is not a product of S, E, P, H (probe left ${n})`);
  return out;
}

/** Per input, per dim: the shape fields whose product it is (W of linear_qk: [[H, P], [E]]). */
function inputFactors(k: KernelInfo): Sym[][][] {
  return k.inputs.map((spec) => spec.dims(PROBE).map(factorsOf));
}

/** The output tensor's shape in its documented layout, e.g. "S,H*P" -> [S, H·P]. */
export function outputShape(k: KernelInfo, s: Shape): number[] {
  const coords = k.output.dims(s);
  let at = 0;
  return k.output.layout.split(',').map((part) => {
    let n = 1;
    for (let i = 0; i < part.split('*').length; i++) n *= coords[at++];
    return n;
  });
}

/** Kernels for which H·P cannot be split arbitrarily (the layout of the output depends on H). */
const HEADS_MATTER = new Set(['linear_qk', 'linear_v', 'mhsa', 'mhsa_dft', 'mhsa_fwsa', 'qk_softmax', 'av', 'fwsa']);

export interface Inferred {
  shape?: Shape;
  /** Why the shape could not be found: which argument and which symbol. */
  missing?: { arg: number; sym: Sym; dim?: number; indivisible?: number };
}

/**
 * S, E, P, H from the argument shapes (and hints: a node's H or P). Symbols alone in a dim are read
 * directly; a product with one unknown factor is divided out; when H·P stays unsplit, kernels
 * whose output does not depend on H (linear_o, linear) take H = 1; symbols the kernel never uses are 1.
 * The caller still checks every argument against k.inputs[i].dims(shape).
 */
export function inferShape(k: KernelInfo, argShapes: number[][], hints: Partial<Shape>): Inferred {
  const v: Partial<Record<Sym, number>> = {};
  for (const s of SYMS) if (hints[s] !== undefined) v[s] = hints[s];
  const all = inputFactors(k);
  const dims = k.inputs.map((spec, i) => (argShapes[i]?.length === spec.dimNames.length ? all[i] : null));
  let changed = true;
  while (changed) {
    changed = false;
    dims.forEach((d, i) => d?.forEach((fs, j) => {
      const unknown = fs.filter((f) => v[f] === undefined);
      if (new Set(unknown).size !== 1) return;
      const known = fs.filter((f) => v[f] !== undefined).reduce((a, f) => a * (v[f] as number), 1);
      const n = argShapes[i][j] / known;
      // The same symbol twice in one dim (E*E) would need a root: no layout has it.
      if (unknown.length === 1 && Number.isInteger(n) && n >= 1) {
        v[unknown[0]] = n;
        changed = true;
      }
    }));
  }
  // Still unknown: a symbol seen only inside a product.
  for (let i = 0; i < dims.length; i++) {
    for (const fs of dims[i] ?? []) {
      const unknown = fs.filter((f) => v[f] === undefined);
      if (!unknown.length) continue;
      if (unknown.length === 2 && unknown.includes('H') && !HEADS_MATTER.has(k.name)) {
        v.H = 1;
        const known = fs.filter((f) => f !== 'H' && v[f] !== undefined).reduce((a, f) => a * (v[f] as number), 1);
        const j = dims[i]!.indexOf(fs);
        v.P = argShapes[i][j] / known;
        continue;
      }
      const j = dims[i]!.indexOf(fs);
      const known = fs.filter((f) => v[f] !== undefined).reduce((a, f) => a * (v[f] as number), 1);
      const sym = unknown.includes('H') ? 'H' : unknown[0];
      if (new Set(unknown).size === 1 && argShapes[i][j] % known !== 0) return { missing: { arg: i, sym: unknown[0], dim: j, indivisible: known } };
      return { missing: { arg: i, sym, dim: j } };
    }
  }
  const used = new Set(all.flat(2));
  for (const s of SYMS) if (v[s] === undefined && !used.has(s)) v[s] = 1;
  for (const s of SYMS) if (v[s] === undefined) return { missing: { arg: -1, sym: s } };
  return { shape: { S: v.S!, E: v.E!, P: v.P!, H: v.H! } };
}
