// host.ts - the "host" board: kernels run in-process through the native addon,
// counter = wall-clock nanoseconds of the run (labelled as such, never cycles).
import * as os from 'os';
import type { Board, BoardInfo, RunRequest, RunResult } from './types';
import { kernels, kernelSizes, native, runTimed, scratchBytes } from '../native';
import { RunAbortedError } from '../protocol/errors';

export class HostBoard implements Board {
  readonly info: BoardInfo;

  constructor() {
    this.info = {
      name: 'host',
      cpu: `${os.cpus()[0]?.model ?? 'unknown'} (${os.arch()})`,
      clockHz: 0,
      counterKind: 'nanoseconds',
      counterUnit: 'ns (host)',
      arenaBytes: 0,
      maxFrame: 0,
      nCores: native().maxCores,
      protocolVersion: 0,
      firmwareVersion: native().version,
      kernels: kernels().map((k) => ({ id: k.id, name: k.name })),
    };
  }

  /** Bumped by abort(): a run() under way stops before its next repeat. */
  private aborts = 0;

  async abort(): Promise<void> {
    this.aborts++;
  }

  async run(req: RunRequest): Promise<RunResult> {
    const cores = req.cores ?? 1;
    const repeat = Math.max(1, req.repeat ?? 1);
    // Every argument (gelu's qb > 0 too) is checked by src/native.ts before the addon runs it.
    const epoch = this.aborts;
    let output: Buffer | undefined;
    let total = 0;
    for (let i = 0; i < repeat; i++) {
      if (this.aborts !== epoch) throw new RunAbortedError(i, `${req.kernel}: aborted after ${i} of ${repeat} repeats`);
      const r = await runTimed(req);
      output = r.output;
      total += r.ns;
    }
    const ns = total / repeat;
    const sizes = kernelSizes(req.kernel, req.shape);
    const scratch = scratchBytes(req.kernel, req.shape, cores);
    return {
      output: output!,
      counter: Math.round(ns),
      perCore: new Array(cores).fill(Math.round(ns)),
      counterKind: 'nanoseconds',
      counterUnit: 'ns (host)',
      scratchBytes: scratch,
      arenaPeak: sizes.inputs.reduce((a, b) => a + b, 0) + sizes.output + scratch,
    };
  }

  async close(): Promise<void> {}
}
