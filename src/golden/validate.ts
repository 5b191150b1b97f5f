// Checks a golden run's params, inputs and cores with the helpers the addon's arguments use
// (src/validate/kernelArgs.ts): `golden linear_qk: rq[0][1]: expected a div in 0..31, found 40`.
import type { z } from 'zod';
import { MAX_CORES, checkRunArgs, checkShapeArg, runSchema, type ArgsMode } from '../validate/kernelArgs';
import { KernelInfo, Shape } from './spec';
import { Rq } from './rq';

export { MAX_CORES, MAX_DIM, DTYPE_WORD } from '../validate/kernelArgs';

export type Tensor = Int8Array | Uint8Array | Int16Array;

export interface GoldenParams extends Shape {
  split?: 'heads' | 'rows';
  rq: Array<[number, number]>;
  consts?: number[];
}

const MODE: ArgsMode = { inputs: 'typed', requireT: true, maxCores: MAX_CORES };
const schemas = new Map<string, z.ZodTypeAny>();

/** The run's arguments in the addon's form: { shape, split, rq, consts, inputs, cores }. */
function args(p: GoldenParams, inputs: unknown, cores: unknown): Record<string, unknown> {
  const o = p !== null && typeof p === 'object' ? p : undefined;
  return {
    shape: o ? { S: o.S, E: o.E, P: o.P, H: o.H, T: o.T } : p,
    split: o?.split, rq: o?.rq, consts: o?.consts, inputs, cores,
  };
}

/** Shape, split, rq pairs (exactly nRq), consts (exactly nConsts), inputs (class and length), cores. */
export function checkRun(k: KernelInfo, p: GoldenParams, inputs: readonly Tensor[], cores: unknown = 1): Rq[] {
  let schema = schemas.get(k.name);
  if (!schema) schemas.set(k.name, (schema = runSchema(k, MODE)));
  checkRunArgs('golden', k, MODE, args(p, inputs, cores), schema);
  return p.rq.map(([mul, div]) => [mul, div] as Rq);
}

/** Shape fields S, E, P, H in 1..65535 (T in 1..S when given to a tiling kernel), sizes below 2^31 bytes. */
export function checkShape(k: KernelInfo, shape: Shape, where = 'golden'): void {
  checkShapeArg(where, k, shape);
}
