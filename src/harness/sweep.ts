// sweep.ts - runs test points on a board: seeded inputs, board run, golden check,
// optional .npy dump. A point that fails is recorded with its error; the sweep goes on.
import * as fs from 'fs';
import * as path from 'path';
import type { Board, RunRequest, RunResult } from '../board/types';
import type { EnergyResult, EnergySource } from '../energy/types';
import { measureRun } from '../energy/window';
import { KERNELS, runGolden, compare } from '../golden';
import { expectedFor, specExpectation } from '../golden/sample';
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
  /** What the output was checked against: the host C kernels (addon) and/or the TypeScript golden (ts). */
  references?: GoldenRef[];
  /** How the TypeScript golden checked this point: whole, or a sample of its rows/heads. */
  specCheck?: 'full' | 'sampled';
  /** The host C kernels disagree with the TypeScript golden (the spec): a bug the board may share. */
  specMismatch?: string;
  /** The error object behind `error` (not serialised): lets the caller tell a dead link from a failed point. */
  cause?: unknown;
  timestamp: string;
}

/** Which reference a board's output is checked against (--golden). */
export type GoldenMode = 'addon' | 'ts' | 'both';
export type GoldenRef = 'addon' | 'ts';

export interface SweepOptions {
  dumpDir?: string;
  /** both (default): board vs host C kernels, and host C kernels vs the TypeScript golden;
   * addon: board vs host C kernels only; ts: board vs the TypeScript golden only. */
  golden?: GoldenMode;
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

const goldenParams = (p: TestPoint) => ({ ...p.shape, split: p.split, rq: p.rq, consts: p.consts });

/** The host C kernels' output (the fast golden a board is checked against). */
function addonOutput(p: TestPoint, inputs: Typed[]): Promise<Uint8Array> {
  return nativeRunAsync({ kernel: p.kernel, shape: p.shape, split: p.split, rq: p.rq, consts: p.consts, inputs: inputs.map(bytes), cores: 1 });
}

interface Reference {
  /** What the board's output must equal (elements outside a TS sample copy the board's output). */
  want: (got: Uint8Array) => Uint8Array;
  /** The complete golden for dumps (the addon's output, or the full TS model). */
  dumpGolden: () => Uint8Array;
  references: GoldenRef[];
  specCheck?: 'full' | 'sampled';
  specMismatch?: string;
}

/**
 * The references of a point. The host board is the addon itself, so it is always checked
 * against the TypeScript golden. Other boards: against the addon (addon, both), and in `both`
 * the addon is checked against the TypeScript golden too, so a bug the host and board builds
 * share (a tail loop, a partition edge) cannot pass as ✓.
 */
async function reference(board: Board, p: TestPoint, inputs: Typed[], mode: GoldenMode): Promise<Reference> {
  const spec = () => specExpectation(p.kernel, goldenParams(p), inputs);
  const full = () => bytes(runGolden(p.kernel, goldenParams(p), inputs));
  if (board.info.name === 'host' || mode === 'ts') {
    const e = spec();
    return { want: (got) => expectedFor(e, got), dumpGolden: () => (e.mode === 'full' ? e.values : full()), references: ['ts'], specCheck: e.mode };
  }
  const addon = await addonOutput(p, inputs);
  if (mode === 'addon') return { want: () => addon, dumpGolden: () => addon, references: ['addon'] };
  const e = spec();
  const specMismatch = compare(p.kernel, p.shape, addon, expectedFor(e, addon)) ?? undefined;
  return { want: () => addon, dumpGolden: () => addon, references: ['addon', 'ts'], specCheck: e.mode, ...(specMismatch ? { specMismatch } : {}) };
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
  const ref = await reference(board, p, inputs, opts.golden ?? 'both');
  const refFields = { references: ref.references, ...(ref.specCheck ? { specCheck: ref.specCheck } : {}), ...(ref.specMismatch ? { specMismatch: ref.specMismatch } : {}) };
  const req: RunRequest = { kernel: p.kernel, shape: p.shape, split: p.split, rq: p.rq, consts: p.consts, inputs: inputs.map(bytes), cores: p.cores };
  let res: RunResult | undefined;
  let energy: EnergyResult | undefined;
  try {
    if (opts.energy) ({ run: res, energy } = await measureRun(opts.energy, board, req, opts.energyRepeat ?? 1, macs));
    else res = await board.run(req);
  } catch (e) {
    if (opts.dumpDir) dump(opts.dumpDir, p, inputs, undefined, ref.dumpGolden());
    return { ...base, ...refFields, bitExact: false, error: (e as Error).message, cause: e, timestamp: new Date().toISOString() };
  }
  const got = Uint8Array.from(res.output);
  const boardMismatch = compare(p.kernel, p.shape, got, ref.want(got));
  if (opts.dumpDir) dump(opts.dumpDir, p, inputs, res.output, ref.dumpGolden());
  const mismatch = [boardMismatch, ref.specMismatch && `host C kernels differ from the TypeScript golden (spec): ${ref.specMismatch}`]
    .filter((m): m is string => !!m).join(' | ');
  return {
    ...base,
    ...refFields,
    bitExact: !boardMismatch && !ref.specMismatch,
    ...(mismatch ? { mismatch } : {}),
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
