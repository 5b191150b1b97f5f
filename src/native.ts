// native.ts - the C kernel library through the Node addon (binding/addon.cc):
// kernel table, sizes, scratch, MACs, and runs on N threads. Names, not ids, at this level.
import * as path from 'path';
import { z } from 'zod';
import type { RunRequest, Shape } from './board/types';
import { check, intIn, said } from './validate/zod';

export type Dtype = 'i8' | 'u8' | 'i16';

export interface KernelInfo {
  id: number;
  name: string;
  inputs: { name: string; dtype: Dtype }[];
  outputType: 'i8' | 'u8';
  nRq: number;
  nConsts: number;
  usesT: boolean;
}

interface NativeParams { S: number; E: number; P: number; H: number; T: number; split: number; rq: Array<[number, number]>; consts: number[] }

interface Addon {
  version: string;
  maxCores: number;
  kernels(): KernelInfo[];
  sizes(id: number, shape: Shape): { inputs: number[]; output: number };
  scratchBytes(id: number, shape: Shape, cores: number): number;
  macs(id: number, shape: Shape): number;
  run(id: number, params: NativeParams, inputs: Uint8Array[], cores: number): Buffer;
  runAsync(id: number, params: NativeParams, inputs: Uint8Array[], cores: number): Promise<Buffer>;
  runTimed(id: number, params: NativeParams, inputs: Uint8Array[], cores: number): Promise<{ output: Buffer; ns: number }>;
  runReference(id: number, params: NativeParams, inputs: Uint8Array[]): Buffer;
}

// TINYHIL_ADDON: another build of the addon (tests load a deliberately broken one).
const ADDON_PATH = process.env.TINYHIL_ADDON || path.join(__dirname, '..', 'build', 'Release', 'tinyhil.node');

let addon: Addon | undefined;
export function native(): Addon {
  if (!addon) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      addon = require(ADDON_PATH) as Addon;
    } catch (e) {
      throw new Error(`The tinyhil native addon is not built (${ADDON_PATH}): run \`npm install\` or \`npm run build\` (${(e as Error).message})`);
    }
  }
  return addon;
}

let table: Map<string, KernelInfo> | undefined;
export function kernels(): KernelInfo[] {
  return native().kernels();
}

export function kernelInfo(name: string): KernelInfo {
  if (!table) table = new Map(kernels().map((k) => [k.name, k]));
  const k = table.get(name);
  if (!k) throw new RangeError(`Unknown kernel "${name}"; known kernels: ${[...table.keys()].join(', ')}`);
  return k;
}

const DTYPE_BYTES: Record<Dtype, number> = { i8: 1, u8: 1, i16: 2 };

function fullShape(shape: Shape): Shape & { T: number } {
  return { S: shape.S, E: shape.E, P: shape.P, H: shape.H, T: shape.T ?? shape.S };
}

/** Bytes of each input and of the output. */
export function kernelSizes(name: string, shape: Shape): { inputs: number[]; output: number } {
  const k = kernelInfo(name);
  const n = native().sizes(k.id, fullShape(shape));
  return { inputs: n.inputs.map((c, i) => c * DTYPE_BYTES[k.inputs[i].dtype]), output: n.output };
}

export function scratchBytes(name: string, shape: Shape, cores = 1): number {
  return native().scratchBytes(kernelInfo(name).id, fullShape(shape), cores);
}

export function macs(name: string, shape: Shape): number {
  return native().macs(kernelInfo(name).id, fullShape(shape));
}

const INT32: [number, number] = [-(2 ** 31), 2 ** 31 - 1];
const dim = intIn(1, 65535);
const rqPair = z.tuple([intIn(...INT32, 'a mul (int32)'), intIn(0, 31, 'a div in 0..31')], { errorMap: () => ({ message: 'a [mul, div] pair of integers' }) });

/** What a run request must hold for kernel `k`, checked before the addon sees it (the addon keeps its own checks). */
function requestSchema(k: KernelInfo, maxCores: number): z.ZodTypeAny {
  return z.object({
    shape: z.object({ S: dim, E: dim, P: dim, H: dim, T: dim.optional() }, said('an object { S, E, P, H, T? }')),
    split: z.enum(['heads', 'rows'], { errorMap: () => ({ message: 'heads or rows' }) }).optional(),
    rq: z.array(rqPair, said(`${k.nRq} [mul, div] pairs for ${k.name}`)).length(k.nRq, { message: `${k.nRq} [mul, div] pairs for ${k.name}` }),
    consts: z.array(intIn(...INT32), said(`${k.nConsts} int32 consts for ${k.name}`)).length(k.nConsts, { message: `${k.nConsts} int32 consts for ${k.name}` }).optional(),
    inputs: z.array(z.custom<Uint8Array>((v) => ArrayBuffer.isView(v), { message: 'a typed array' }), said(`${k.inputs.length} input buffers for ${k.name}`))
      .length(k.inputs.length, { message: `${k.inputs.length} input buffers (${k.inputs.map((x) => x.name).join(', ')}) for ${k.name}` }),
    cores: intIn(1, maxCores).optional(),
  }).passthrough();
}

/** `run linear_qk: rq[0][1]: expected a div in 0..31, found 32` (src/validate/zod.ts, the one form). */
const schemas = new Map<number, z.ZodTypeAny>();
function checkRequest(req: RunRequest, k: KernelInfo): void {
  let schema = schemas.get(k.id);
  if (!schema) schemas.set(k.id, (schema = requestSchema(k, native().maxCores)));
  const r = check(schema, req);
  if (!r.ok) throw new RangeError(`run ${k.name}: ${r.problem.field}: ${r.problem.detail}`);
}

function params(req: RunRequest): NativeParams {
  checkRequest(req, kernelInfo(req.kernel));
  return { ...fullShape(req.shape), split: req.split === 'rows' ? 1 : 0, rq: req.rq, consts: req.consts ?? [] };
}

/** Runs the optimised C kernel on `req.cores` threads; returns the output bytes. */
export function run(req: RunRequest): Buffer {
  return native().run(kernelInfo(req.kernel).id, params(req), req.inputs, req.cores ?? 1);
}

export function runAsync(req: RunRequest): Promise<Buffer> {
  return native().runAsync(kernelInfo(req.kernel).id, params(req), req.inputs, req.cores ?? 1);
}

/** Like runAsync, also giving the kernel's own wall time in nanoseconds (threads included, no queueing). */
export function runTimed(req: RunRequest): Promise<{ output: Buffer; ns: number }> {
  return native().runTimed(kernelInfo(req.kernel).id, params(req), req.inputs, req.cores ?? 1);
}

/** Runs the plain scalar C reference (single core): for benchmarks and cross-checks. */
export function runReference(req: RunRequest): Buffer {
  return native().runReference(kernelInfo(req.kernel).id, params(req), req.inputs);
}
