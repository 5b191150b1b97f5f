// sweep.ts - runs test points on a board: seeded inputs, board run, golden check,
// optional .npy dump. A point that fails is recorded with its error; the sweep goes on.
import * as fs from 'fs';
import * as path from 'path';
import type { Board, RunRequest, RunResult } from '../board/types';
import type { EnergyResult, EnergySource } from '../energy/types';
import { measureRun } from '../energy/window';
import { KERNELS, runGolden, compare } from '../golden';
import { generateInputs } from '../gen';
import { runAsync as nativeRunAsync, macs as nativeMacs } from '../native';
import { writeNpy } from './npy';
import type { TestPoint } from './points';

export interface PointResult {
  point: TestPoint;
  board: string;
  firmwareVersion: string;
  bitExact: boolean;
  mismatch?: string;
  error?: string;
  counter?: number;
  counterUnit?: string;
  perCore?: number[];
  perCoreWait?: number[];
  criticalPath?: number;
  macs: number;
  macPerCount?: number;
  arenaPeak?: number;
  scratchBytes?: number;
  energy?: EnergyResult;
  /** The error object behind `error` (not serialised): lets the caller tell a dead link from a failed point. */
  cause?: unknown;
  timestamp: string;
}

export interface SweepOptions {
  dumpDir?: string;
  /** Measure energy around the run (the kernel runs energyRepeat times inside the trigger window). */
  energy?: EnergySource;
  energyRepeat?: number;
  /** Called once per finished point, in completion order. */
  onResult?: (r: PointResult) => void;
}

type Typed = Int8Array | Uint8Array | Int16Array;
const bytes = (a: Typed): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

export function dumpDirName(p: TestPoint): string {
  const t = KERNELS[p.kernel].usesT ? `_T${p.shape.T}` : '';
  return `${p.test}_S${p.shape.S}_E${p.shape.E}_P${p.shape.P}_H${p.shape.H}${t}`;
}

/** The golden output: the TypeScript model for the host board (the addon is what is checked there), the addon otherwise. */
async function golden(board: Board, p: TestPoint, inputs: Typed[]): Promise<Uint8Array> {
  if (board.info.name === 'host') {
    return bytes(runGolden(p.kernel, { ...p.shape, split: p.split, rq: p.rq, consts: p.consts }, inputs));
  }
  return nativeRunAsync({ kernel: p.kernel, shape: p.shape, split: p.split, rq: p.rq, consts: p.consts, inputs: inputs.map(bytes), cores: 1 });
}

function dump(dir: string, p: TestPoint, inputs: Typed[], out: Uint8Array | undefined, want: Uint8Array): void {
  const k = KERNELS[p.kernel];
  const d = path.join(dir, dumpDirName(p));
  fs.mkdirSync(d, { recursive: true });
  const files = k.inputs.map((arg, i) => {
    const file = `input_${arg.name}.npy`;
    writeNpy(path.join(d, file), arg.dtype, arg.dims(p.shape), bytes(inputs[i]));
    return { arg: arg.name, file, dtype: arg.dtype, shape: arg.dims(p.shape) };
  });
  const oshape = k.output.dims(p.shape);
  writeNpy(path.join(d, 'golden.npy'), k.output.dtype, oshape, want);
  if (out) writeNpy(path.join(d, 'output.npy'), k.output.dtype, oshape, out);
  const params = {
    test: p.test, kernel: p.kernel, kernelId: k.id, shape: p.shape, cores: p.cores, split: p.split,
    rq: p.rq.map(([mul, div]) => ({ mul, div })), consts: p.consts, seed: p.seed,
    generator: 'mulberry32, tensors drawn in argument order (docs/kernels.md); not PyTorch-compatible',
    inputs: files, output: out ? { file: 'output.npy', dtype: k.output.dtype, shape: oshape } : null,
    golden: { file: 'golden.npy', dtype: k.output.dtype, shape: oshape },
  };
  fs.writeFileSync(path.join(d, 'params.json'), JSON.stringify(params, null, 2) + '\n');
}

export async function runPoint(board: Board, p: TestPoint, opts: SweepOptions = {}): Promise<PointResult> {
  const macs = nativeMacs(p.kernel, p.shape);
  const base = { point: p, board: board.info.name, firmwareVersion: board.info.firmwareVersion, macs };
  const inputs = generateInputs(p.kernel, p.shape, p.seed) as Typed[];
  const want = await golden(board, p, inputs);
  const req: RunRequest = { kernel: p.kernel, shape: p.shape, split: p.split, rq: p.rq, consts: p.consts, inputs: inputs.map(bytes), cores: p.cores };
  let res: RunResult | undefined;
  let energy: EnergyResult | undefined;
  try {
    if (opts.energy) ({ run: res, energy } = await measureRun(opts.energy, board, req, opts.energyRepeat ?? 1, macs));
    else res = await board.run(req);
  } catch (e) {
    if (opts.dumpDir) dump(opts.dumpDir, p, inputs, undefined, want);
    return { ...base, bitExact: false, error: (e as Error).message, cause: e, timestamp: new Date().toISOString() };
  }
  const mismatch = compare(p.kernel, p.shape, res.output, want);
  if (opts.dumpDir) dump(opts.dumpDir, p, inputs, res.output, want);
  return {
    ...base,
    bitExact: mismatch === null,
    ...(mismatch !== null ? { mismatch } : {}),
    counter: res.counter,
    counterUnit: res.counterUnit,
    perCore: res.perCore,
    ...(res.perCoreWait ? { perCoreWait: res.perCoreWait, criticalPath: res.criticalPath } : {}),
    macPerCount: res.counter > 0 ? macs / res.counter : 0,
    arenaPeak: res.arenaPeak,
    scratchBytes: res.scratchBytes,
    ...(energy ? { energy } : {}),
    timestamp: new Date().toISOString(),
  };
}

/** Runs every point in order on one board; never throws for a point's failure. */
export async function runSweep(board: Board, points: TestPoint[], opts: SweepOptions = {}): Promise<PointResult[]> {
  const results: PointResult[] = [];
  for (const p of points) {
    const r = await runPoint(board, p, opts);
    results.push(r);
    opts.onResult?.(r);
  }
  return results;
}
