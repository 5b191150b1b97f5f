// pool.ts - a work queue spreading test points over boards; a board that fails is dropped and its point retried elsewhere.
//
// Each worker (board) runs one point at a time. An idle worker takes the first pending point it
// can run (canRun), so points start roughly in order and results come back in point order.
// `run` should turn a point's own failure (mismatch, kernel error) into a result; it throws a
// BoardFailure only when the board itself is gone (link lost, no answer after retries), which
// drops that worker and puts the point back in the queue for another board.

/** Thrown (or flagged with `boardFailure: true`) by `run` when the worker is unusable. */
export class BoardFailure extends Error {
  readonly boardFailure = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BoardFailure';
  }
}

export function isBoardFailure(e: unknown): boolean {
  return e instanceof BoardFailure || (typeof e === 'object' && e !== null && (e as { boardFailure?: unknown }).boardFailure === true);
}

export interface PoolOptions<W, P, R> {
  /** Whether worker `w` can run point `p` (board kind, kernel list, arena size). Default: always. */
  canRun?(w: W, p: P): boolean;
  /** Streams each result as it finishes (any order); the returned array is in point order. */
  onResult?(result: R, point: P, index: number, worker: W | undefined): void;
  /** Told when a worker is dropped after a board failure. */
  onWorkerDead?(worker: W, err: Error): void;
  /** How many times one point may be retried after board failures. Default 2 (3 attempts). */
  maxRetries?: number;
  /**
   * Result for a point that cannot finish (retries exhausted, or no live worker can run it).
   * Without it, such a point rejects runPool.
   */
  failed?(point: P, err: Error, index: number): R;
  /** Names used in messages. */
  describeWorker?(w: W): string;
  describePoint?(p: P, index: number): string;
}

export async function runPool<W, P, R>(
  points: P[],
  workers: W[],
  run: (w: W, p: P) => Promise<R>,
  opts: PoolOptions<W, P, R> = {},
): Promise<R[]> {
  const maxRetries = opts.maxRetries ?? 2;
  if (!Number.isInteger(maxRetries) || maxRetries < 0) throw new Error(`runPool: maxRetries ${maxRetries} must be an integer >= 0`);
  const canRun = opts.canRun ?? (() => true);
  const nameW = opts.describeWorker ?? ((w: W) => `worker ${workers.indexOf(w)}`);
  const nameP = opts.describePoint ?? ((_p: P, i: number) => `point ${i}`);

  const results: R[] = new Array(points.length);
  const pending: number[] = points.map((_, i) => i);   // indexes, kept sorted
  const attempts = new Array<number>(points.length).fill(0);
  const lastError = new Array<Error | undefined>(points.length);
  const alive = new Set<W>(workers);
  const busy = new Set<W>();
  let inFlight = 0;
  let fatal: Error | undefined;

  return new Promise<R[]>((resolve, reject) => {
    const finish = (i: number, r: R, w: W | undefined) => {
      results[i] = r;
      opts.onResult?.(r, points[i], i, w);
    };

    const giveUp = (i: number, err: Error) => {
      if (!opts.failed) {
        fatal ??= err;
        return;
      }
      try {
        finish(i, opts.failed(points[i], err, i), undefined);
      } catch (e) {
        fatal ??= e instanceof Error ? e : new Error(String(e));
      }
    };

    const schedule = () => {
      if (!fatal) {
        for (const w of alive) {
          if (busy.has(w)) continue;
          const k = pending.findIndex((i) => canRun(w, points[i]));
          if (k < 0) continue;
          const i = pending.splice(k, 1)[0];
          start(w, i);
        }
        // Points no live worker can ever run: fail them now rather than wait forever.
        for (let k = pending.length - 1; k >= 0; k--) {
          const i = pending[k];
          if ([...alive].some((w) => canRun(w, points[i]))) continue;
          pending.splice(k, 1);
          const why = workers.length === 0 ? 'no workers given' : alive.size === 0 ? 'every worker has failed' : `no live worker can run it (${[...alive].map(nameW).join(', ')})`;
          const last = lastError[i] ? `; last error: ${lastError[i]!.message}` : '';
          giveUp(i, new Error(`${nameP(points[i], i)}: ${why}${last}`));
        }
      }
      if (inFlight === 0 && (fatal || pending.length === 0)) {
        if (fatal) reject(fatal);
        else resolve(results);
      }
    };

    const start = (w: W, i: number) => {
      busy.add(w);
      inFlight++;
      attempts[i]++;
      let p: Promise<R>;
      try {
        p = run(w, points[i]);
      } catch (e) {
        p = Promise.reject(e);
      }
      p.then(
        (r) => {
          finish(i, r, w);
        },
        (e: unknown) => {
          const err = e instanceof Error ? e : new Error(String(e));
          if (!isBoardFailure(e)) {
            // Not the board's fault: a bug or an unrecoverable condition; stop handing out work.
            if (!fatal) fatal = new Error(`${nameP(points[i], i)} on ${nameW(w)}: ${err.message}`, { cause: err });
            return;
          }
          alive.delete(w);
          opts.onWorkerDead?.(w, err);
          lastError[i] = err;
          if (attempts[i] > maxRetries) {
            giveUp(i, new Error(`${nameP(points[i], i)}: gave up after ${attempts[i]} attempts; last error on ${nameW(w)}: ${err.message}`, { cause: err }));
          } else {
            // Back in order, so it is the next one a live worker picks up.
            const k = pending.findIndex((j) => j > i);
            pending.splice(k < 0 ? pending.length : k, 0, i);
          }
        },
      ).catch((e: unknown) => {
        // onResult threw: the caller's bug, reported as the pool's error.
        fatal ??= e instanceof Error ? e : new Error(String(e));
      }).finally(() => {
        busy.delete(w);
        inFlight--;
        schedule();
      });
    };

    schedule();
  });
}
