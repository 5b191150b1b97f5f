// native.ts - the C kernel library through the Node addon (binding/addon.cc):
// kernel table, sizes, scratch, MACs, and runs on N threads. Names, not ids, at this level.
import * as path from 'path';
import { z } from 'zod';
import type { RunRequest, Shape } from './board/types';
import { kernelInfo as goldenKernel, type KernelDef } from './golden/registry';
import { checkRunArgs, checkShapeArg, runSchema, type ArgsMode } from './validate/kernelArgs';

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

/** The kernel's facts for checking its arguments (the TS table, test/kernel-table.test.ts keeps it equal to C's). */
function facts(k: KernelInfo): KernelDef {
  return goldenKernel(k.name);
}

/** The shape the addon gets: T only for a kernel that tiles (default S), so the addon never sees a T nobody checked. */
function fullShape(k: KernelInfo, shape: Shape): Shape & { T: number } {
  return { S: shape.S, E: shape.E, P: shape.P, H: shape.H, T: k.usesT ? shape.T ?? shape.S : shape.S };
}

/** Bytes of each input and of the output. */
export function kernelSizes(name: string, shape: Shape): { inputs: number[]; output: number } {
  const k = kernelInfo(name);
  checkShapeArg('sizes', facts(k), shape, undefined, native().maxCores);
  const n = native().sizes(k.id, fullShape(k, shape));
  return { inputs: n.inputs.map((c, i) => c * DTYPE_BYTES[k.inputs[i].dtype]), output: n.output };
}

export function scratchBytes(name: string, shape: Shape, cores = 1): number {
  const k = kernelInfo(name);
  checkShapeArg('scratchBytes', facts(k), shape, cores, native().maxCores);
  return native().scratchBytes(k.id, fullShape(k, shape), cores);
}

export function macs(name: string, shape: Shape): number {
  const k = kernelInfo(name);
  checkShapeArg('macs', facts(k), shape, undefined, native().maxCores);
  return native().macs(k.id, fullShape(k, shape));
}

/**
 * Every argument of a run, checked before the addon sees it (binding/addon.cc checks only types):
 * `run linear_qk: rq[0][1]: expected a div in 0..31, found 32` (src/validate/kernelArgs.ts).
 */
const schemas = new Map<number, z.ZodTypeAny>();
function checkRequest(req: RunRequest, k: KernelInfo): void {
  const mode: ArgsMode = { inputs: 'bytes', requireT: false, maxCores: native().maxCores };
  let schema = schemas.get(k.id);
  if (!schema) schemas.set(k.id, (schema = runSchema(facts(k), mode)));
  checkRunArgs('run', facts(k), mode, req, schema);
}

function params(req: RunRequest): NativeParams {
  const k = kernelInfo(req.kernel);
  checkRequest(req, k);
  return { ...fullShape(k, req.shape), split: req.split === 'rows' ? 1 : 0, rq: req.rq, consts: req.consts ?? [] };
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
