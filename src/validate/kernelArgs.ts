// The arguments of one kernel run (shape, split, rq pairs, consts, inputs, cores), checked in one
// place for the TypeScript golden (src/golden/validate.ts), the C kernels through the addon
// (src/native.ts) and the sizes the addon is asked for. binding/addon.cc only checks types: every
// range and size the C library would refuse is refused here first, in the one form
// `WHERE KERNEL: field: expected …, found …` (src/validate/zod.ts).
import { z } from 'zod';
import type { DType, KernelInfo, Shape } from '../golden/spec';
import { check, intIn, said, type Problem } from './zod';

export const MAX_DIM = 65535;          // TH_MAX_DIM
export const MAX_CORES = 8;            // TH_MAX_CORES
export const SIZE_LIMIT = 2 ** 31 - 1; // TH_SIZE_LIMIT: every tensor and the scratch below 2^31 bytes
export const INT32: [number, number] = [-(2 ** 31), 2 ** 31 - 1];

export const DTYPE_WORD: Record<DType, string> = { i8: 'int8', u8: 'uint8', i16: 'int16' };
export const DTYPE_BYTES: Record<DType, number> = { i8: 1, u8: 1, i16: 2 };
const DTYPE_CLASS: Record<DType, string> = { i8: 'Int8Array', u8: 'Uint8Array', i16: 'Int16Array' };
const DTYPE_CTOR = { i8: Int8Array, u8: Uint8Array, i16: Int16Array };

export const dim = intIn(1, MAX_DIM);
export const rqPair = z.tuple([intIn(...INT32, 'a mul (int32)'), intIn(0, 31, 'a div in 0..31')], { errorMap: () => ({ message: 'a [mul, div] pair of integers' }) });
export const splitSchema = z.enum(['heads', 'rows'], { errorMap: () => ({ message: 'heads or rows' }) });

const count = (dims: number[]): number => dims.reduce((a, b) => a * b, 1);
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

export interface ArgsMode {
  /** "golden": typed arrays of the argument's class counted in elements; "bytes": raw bytes (the addon). */
  inputs: 'typed' | 'bytes';
  /** A tiling kernel's T must be given (golden); else it defaults to S (the addon). */
  requireT: boolean;
  maxCores: number;
}

/** Why the sizes at `s` are too large for the C library, or undefined (th_check_sizes, th_scratch_bytes). */
function sizeProblem(k: KernelInfo, s: Shape, cores: number): string | undefined {
  for (const spec of k.inputs) {
    const bytes = count(spec.dims(s)) * DTYPE_BYTES[spec.dtype];
    if (bytes > SIZE_LIMIT) return `input ${spec.name} [${spec.dimNames.join(', ')}] of ${bytes} bytes`;
  }
  const out = count(k.output.dims(s));
  if (out > SIZE_LIMIT) return `output ${k.output.name} [${k.output.layout}] of ${out} bytes`;
  for (const c of cores === 1 ? [1] : [1, cores]) {
    const scratch = k.scratch(s, c);
    if (scratch > SIZE_LIMIT) return `scratch of ${scratch} bytes on ${plural(c, 'core')}`;
  }
  return undefined;
}

/** S, E, P, H in 1..65535; T in 1..S for a tiling kernel; every tensor below 2^31 bytes. */
function shapeSchema(k: KernelInfo, mode: ArgsMode, cores = (): number => 1): z.ZodTypeAny {
  return z.object({ S: dim, E: dim, P: dim, H: dim, T: z.unknown() }, said('an object { S, E, P, H, T? }')).passthrough().superRefine((s, ctx) => {
    if (k.usesT) {
      const T = s.T === undefined && !mode.requireT ? s.S : s.T;
      if (!isInt(T) || T < 1 || T > s.S) {
        ctx.addIssue({ code: 'custom', path: ['T'], message: `an integer in 1..S (1..${s.S})` });
        return;
      }
    }
    const c = cores();
    const big = sizeProblem(k, s as Shape, isInt(c) && c >= 1 && c <= mode.maxCores ? c : 1);
    if (big) ctx.addIssue({ code: 'custom', message: `every tensor and the scratch below 2^31 bytes; ${big} at this shape` });
  });
}

function inputsSchema(k: KernelInfo, mode: ArgsMode, shape: () => Shape | undefined): z.ZodTypeAny {
  const names = k.inputs.map((x) => x.name).join(', ');
  const what = `${plural(k.inputs.length, mode.inputs === 'typed' ? 'input tensor' : 'input buffer')} (${names}) for ${k.name}`;
  return z.array(z.unknown(), said(what)).length(k.inputs.length, { message: what }).superRefine((list, ctx) => {
    const s = shape();
    k.inputs.forEach((spec, i) => {
      const t = list[i];
      const n = s ? count(spec.dims(s)) : undefined;
      const layout = `${spec.name} [${spec.dimNames.join(', ')}]`;
      if (mode.inputs === 'typed') {
        const cls = DTYPE_CLASS[spec.dtype];
        const ok = t instanceof DTYPE_CTOR[spec.dtype]; // a Buffer is a Uint8Array and passes as u8
        if (!ok || (n !== undefined && (t as Int8Array).length !== n)) {
          const size = n === undefined ? '' : ` of ${n} values`;
          ctx.addIssue({ code: 'custom', path: [i], message: `${cls.startsWith('U') ? 'a' : 'an'} ${cls}${size} (${layout} ${DTYPE_WORD[spec.dtype]})` });
        }
      } else {
        const bytes = n === undefined ? undefined : n * DTYPE_BYTES[spec.dtype];
        if (!ArrayBuffer.isView(t) || (bytes !== undefined && t.byteLength !== bytes)) {
          const size = bytes === undefined ? '' : ` of ${bytes} bytes`;
          ctx.addIssue({ code: 'custom', path: [i], message: `a typed array${size} (${layout}: ${n ?? '?'} ${DTYPE_WORD[spec.dtype]})` });
        }
      }
    });
  });
}

/**
 * A run's arguments: { shape, split?, rq, consts?, inputs, cores? }. rq holds exactly nRq pairs,
 * consts exactly nConsts int32 (missing = none); gelu's qb (consts[0]) must be > 0.
 */
export function runSchema(k: KernelInfo, mode: ArgsMode): z.ZodTypeAny {
  let value: Record<string, unknown> = {};
  const validShape = (): Shape | undefined => {
    const s = value.shape as Shape | undefined;
    return s && [s.S, s.E, s.P, s.H].every((d) => isInt(d) && d >= 1 && d <= MAX_DIM) ? s : undefined;
  };
  const rqs = `${plural(k.nRq, '[mul, div] pair')} for ${k.name}`;
  const consts = `${plural(k.nConsts, 'int32 const')} for ${k.name}`;
  const body = z.object({
    shape: shapeSchema(k, mode, () => (value.cores === undefined ? 1 : value.cores as number)),
    split: splitSchema.optional(),
    rq: z.array(rqPair, said(rqs)).length(k.nRq, { message: rqs }),
    consts: z.preprocess((v) => v ?? [], z.array(intIn(...INT32), said(consts)).length(k.nConsts, { message: consts }).superRefine((c, ctx) => {
      if (k.name === 'gelu' && c[0] <= 0) ctx.addIssue({ code: 'custom', path: [0], message: 'qb > 0 (gelu)' });
    })),
    inputs: inputsSchema(k, mode, validShape),
    cores: intIn(1, mode.maxCores).optional(),
  }, said('an object { shape, split?, rq, consts?, inputs, cores? }')).passthrough();
  return z.unknown().superRefine((v, ctx) => {
    value = v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : {};
    const r = body.safeParse(v);
    if (!r.success) for (const issue of r.error.issues) ctx.addIssue(issue as z.IssueData);
  });
}

/** `WHERE KERNEL: field: expected …, found …` from a problem. */
export function argsMessage(where: string, k: { name: string }, p: Problem): string {
  return `${where} ${k.name}: ${p.field || 'arguments'}: ${p.detail}`;
}

/** Throws a RangeError in the one form for the first bad argument of a run. */
export function checkRunArgs(where: string, k: KernelInfo, mode: ArgsMode, args: unknown, schema = runSchema(k, mode)): void {
  const r = check(schema, args);
  if (!r.ok) throw new RangeError(argsMessage(where, k, r.problem));
}

/** Throws a RangeError in the one form unless `shape` is valid for `k` (and `cores`, when given). */
export function checkShapeArg(where: string, k: KernelInfo, shape: unknown, cores?: unknown, maxCores = MAX_CORES): void {
  const mode: ArgsMode = { inputs: 'bytes', requireT: false, maxCores };
  const schema = z.object({ shape: shapeSchema(k, mode, () => (cores === undefined ? 1 : cores as number)), cores: intIn(1, maxCores).optional() });
  const r = check(schema, { shape, cores });
  if (!r.ok) throw new RangeError(argsMessage(where, k, r.problem));
}
