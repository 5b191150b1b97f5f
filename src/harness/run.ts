// run.ts - a sweep over one or more boards: work queue (a dead board's point goes to another),
// results appended as JSON lines as they finish, resume, energy per point, progress.
import type { Board } from '../board/types';
import { BoardFailure, runPool } from '../pool';
import { ResultsWriter, loadResume, pointKey, recordFromPoint } from '../results';
import type { EnergySource } from '../energy/types';
import { Progress } from './progress';
import { pointLabel, type TestPoint } from './points';
import { runPoint, type GoldenMode, type PointResult } from './sweep';
import { KERNELS } from '../golden';

export interface BoardSlot {
  board: Board;
  /** Where the board is reached (for records), when it has a link. */
  port?: string;
  energy?: EnergySource;
}

export interface MultiRunOptions {
  dumpDir?: string;
  results?: string;
  resume?: string;
  energyRepeat?: number;
  /** References checked (default both): see SweepOptions.golden. */
  golden?: GoldenMode;
  quiet?: boolean;
  /** Polled between points: true stops the sweep after the points in flight. */
  stopped?: () => boolean;
  log?: (line: string) => void;
}

const INTERRUPTED = 'interrupted';

/** Errors that mean the board is gone (link closed, no answer after retries), not that the point failed. */
export function isLinkFailure(e: unknown): boolean {
  for (let x = e, depth = 0; x && depth < 5; x = (x as { cause?: unknown }).cause, depth++) {
    const name = (x as Error).name;
    if (name === 'LinkTimeoutError' || name === 'LinkClosedError') return true;
  }
  return false;
}

function resumeKey(board: string, p: TestPoint): string {
  const { S, E, P, H, T } = p.shape;
  return pointKey({ board, test: p.test, kernel: p.kernel, shape: KERNELS[p.kernel].usesT ? { S, E, P, H, T } : { S, E, P, H }, cores: p.cores });
}

export async function runOnBoards(slots: BoardSlot[], allPoints: TestPoint[], opts: MultiRunOptions = {}): Promise<{ results: PointResult[]; skipped: number }> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  let points = allPoints;
  let skipped = 0;
  if (opts.resume) {
    const state = loadResume(opts.resume);
    state.warnings.forEach((w) => log(`warning: ${w}`));
    const kinds = [...new Set(slots.map((s) => s.board.info.name))];
    points = allPoints.filter((p) => !kinds.some((k) => state.has(resumeKey(k, { ...p, cores: Math.min(p.cores, maxCores(slots, k)) }))));
    skipped = allPoints.length - points.length;
    if (skipped) log(`resume: ${skipped} of ${allPoints.length} points already in ${opts.resume}, skipped`);
  }
  const resultsFile = opts.results ?? opts.resume;
  const writer = resultsFile ? ResultsWriter.open(resultsFile) : undefined;
  writer?.warnings.forEach((w) => log(`warning: ${w}`));
  const progress = new Progress(points.length, !!opts.quiet);
  const say = opts.log ?? ((l: string) => progress.log(l)); // above the bar, never through it
  try {
    const results = await runPool(points, slots, async (slot, p) => {
      if (opts.stopped?.()) throw new Error(INTERRUPTED);
      const point = { ...p, cores: Math.min(p.cores, slot.board.info.nCores) };
      progress.start(`${pointLabel(point)} on ${slot.board.info.name}${slots.length > 1 ? `#${slots.indexOf(slot)}` : ''}`);
      const r = await runPoint(slot.board, point, { dumpDir: opts.dumpDir, energy: slot.energy, energyRepeat: opts.energyRepeat, golden: opts.golden });
      // A point stopped by Ctrl-C (its RUN aborted) is not a result: --resume runs it again.
      if (r.error && opts.stopped?.()) return { ...r, error: INTERRUPTED };
      if (r.error && r.cause && isLinkFailure(r.cause)) throw new BoardFailure(`${slot.board.info.name}: ${r.error}`, { cause: r.cause });
      return r;
    }, {
      canRun: () => !opts.stopped?.(),
      onResult: (r, _p, _i, slot) => {
        if (r.error === INTERRUPTED) return;
        writer?.append(recordFromPoint(r, { energy: r.energy, port: slot?.port }));
        progress.done(r.bitExact ? '✓' : '✗');
      },
      onWorkerDead: (slot, err) => say(`board ${slot.board.info.name}#${slots.indexOf(slot)} dropped: ${err.message}`),
      failed: (p, err) => ({
        point: p, board: '-', firmwareVersion: '-', bitExact: false, error: opts.stopped?.() ? INTERRUPTED : err.message, macs: 0, timestamp: new Date().toISOString(),
      }),
      describeWorker: (slot) => `${slot.board.info.name}#${slots.indexOf(slot)}`,
      describePoint: (p) => pointLabel(p),
    });
    return { results: results.filter((r) => r !== undefined && r.error !== INTERRUPTED), skipped };
  } finally {
    progress.stop();
    writer?.close();
  }
}

function maxCores(slots: BoardSlot[], kind: string): number {
  return Math.max(...slots.filter((s) => s.board.info.name === kind).map((s) => s.board.info.nCores));
}
