// Checks a golden run's params and inputs, with errors naming the field, the value and the limit.
import { DType, KernelInfo, Shape, count } from './spec';
import { Rq, checkRq } from './rq';

export const MAX_DIM = 65535;   // TH_MAX_DIM
export const MAX_CORES = 8;     // TH_MAX_CORES
const MAX_COUNT = 2 ** 31 - 1;  // th_kernel_sizes refuses tensors past 2^31

export type Tensor = Int8Array | Uint8Array | Int16Array;

export interface GoldenParams extends Shape {
  split?: 'heads' | 'rows';
  rq: Array<[number, number]>;
  consts?: number[];
}

export const DTYPE_WORD: Record<DType, string> = { i8: 'int8', u8: 'uint8', i16: 'int16' };
const DTYPE_CLASS: Record<DType, string> = { i8: 'Int8Array', u8: 'Uint8Array', i16: 'Int16Array' };
const DTYPE_CTOR = { i8: Int8Array, u8: Uint8Array, i16: Int16Array };

function isDim(v: unknown, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= max;
}

/** Shape fields S, E, P, H in 1..65535 (T in 1..S when the kernel tiles), sizes below 2^31. */
export function checkShape(k: KernelInfo, p: Shape): void {
  for (const f of ['S', 'E', 'P', 'H'] as const) {
    if (!isDim(p[f], MAX_DIM)) {
      throw new Error(`${k.name}: ${f} must be an integer in 1..${MAX_DIM}, got ${String(p[f])}`);
    }
  }
  if (k.usesT && !isDim(p.T, p.S)) {
    throw new Error(`${k.name}: T must be an integer in 1..S (1..${p.S}), got ${String(p.T)}`);
  }
  for (const spec of k.inputs) {
    const n = count(spec.dims(p));
    if (n > MAX_COUNT) {
      throw new Error(`${k.name}: input ${spec.name} would hold ${spec.dimNames.join('*')} = ${n} values, above 2^31-1`);
    }
  }
  const n = count(k.output.dims(p));
  if (n > MAX_COUNT) {
    throw new Error(`${k.name}: output ${k.output.name} would hold ${n} values, above 2^31-1`);
  }
}

/** Everything but the tensors: shape, split, rq pairs (exactly nRq), consts (exactly nConsts). */
export function checkParams(k: KernelInfo, p: GoldenParams): Rq[] {
  if (p === null || typeof p !== 'object') throw new Error(`${k.name}: params must be an object`);
  checkShape(k, p);
  if (p.split !== undefined && p.split !== 'heads' && p.split !== 'rows') {
    throw new Error(`${k.name}: split must be "heads" or "rows", got ${JSON.stringify(p.split)}`);
  }
  const rqs = p.rq ?? [];
  if (!Array.isArray(rqs) || rqs.length !== k.nRq) {
    const got = Array.isArray(rqs) ? rqs.length : JSON.stringify(rqs);
    throw new Error(`${k.name} takes ${k.nRq} rq pair${k.nRq === 1 ? '' : 's'} but received ${got}`);
  }
  const checked = rqs.map((pair, i) => checkRq(k.name, i, pair));
  const consts = p.consts ?? [];
  if (!Array.isArray(consts) || consts.length !== k.nConsts) {
    const got = Array.isArray(consts) ? consts.length : JSON.stringify(consts);
    throw new Error(`${k.name} takes ${k.nConsts} const${k.nConsts === 1 ? '' : 's'} but received ${got}`);
  }
  consts.forEach((c, i) => {
    if (typeof c !== 'number' || !Number.isInteger(c) || c < -(2 ** 31) || c > 2 ** 31 - 1) {
      throw new Error(`${k.name}: consts[${i}] must be an int32, got ${String(c)}`);
    }
  });
  if (k.name === 'gelu' && consts[0] <= 0) {
    throw new Error(`gelu: consts[0] (qb) must be > 0, got ${consts[0]}`);
  }
  return checked;
}

/** Input count, typed-array class and element count against the shape. */
export function checkInputs(k: KernelInfo, p: Shape, inputs: readonly Tensor[]): void {
  const names = k.inputs.map((i) => i.name).join(', ');
  if (!Array.isArray(inputs) || inputs.length !== k.inputs.length) {
    const got = Array.isArray(inputs) ? inputs.length : typeof inputs;
    throw new Error(`${k.name} takes ${k.inputs.length} input${k.inputs.length === 1 ? '' : 's'} (${names}) but received ${got}`);
  }
  k.inputs.forEach((spec, i) => {
    const t: unknown = inputs[i];
    const cls = DTYPE_CLASS[spec.dtype];
    const actual = t === null || t === undefined ? String(t) : (t as object).constructor?.name ?? typeof t;
    if (!(t instanceof DTYPE_CTOR[spec.dtype])) { // a Buffer is a Uint8Array and passes as u8
      throw new Error(`Expected input ${spec.name} of ${k.name} to be ${cls.startsWith('U') ? 'a' : 'an'} ${cls} (${DTYPE_WORD[spec.dtype]}) but received ${actual}`);
    }
    const want = count(spec.dims(p));
    const got = (t as Tensor).length;
    if (got !== want) {
      throw new Error(`Expected input ${spec.name} of ${k.name} to hold ${want} ${DTYPE_WORD[spec.dtype]} values (${spec.dimNames.join('*')}) but received ${got}`);
    }
  });
}

export function checkCores(k: KernelInfo, cores: unknown): number {
  if (!isDim(cores, MAX_CORES)) {
    throw new Error(`${k.name}: cores must be an integer in 1..${MAX_CORES}, got ${String(cores)}`);
  }
  return cores;
}
