// window.ts - glue from a Board to an energy window: one board.run with `repeat` runs, whose result the
// caller still gets (to verify the output bytes) after the source has measured.
import type { Board, RunRequest, RunResult } from '../board/types';
import type { EnergySource, EnergyResult, EnergyWindow } from './types';

export interface BoardWindow {
  window: EnergyWindow;
  /** The RunResult of the window's run, once it has happened. */
  result(): RunResult | undefined;
}

export function boardWindow(board: Board, req: RunRequest, repeat: number): BoardWindow {
  if (!Number.isInteger(repeat) || repeat < 1) {
    throw new RangeError(`Expected energy repeat to be an integer >= 1 but received ${repeat}`);
  }
  let last: RunResult | undefined;
  return {
    window: async () => {
      last = await board.run({ ...req, repeat });
      return { counter: last.counter, counterUnit: last.counterUnit, counterKind: last.counterKind, repeat };
    },
    result: () => last,
  };
}

/** Runs `req` `repeat` times under `source`; returns the energy and the run (output, counters). */
export async function measureRun(
  source: EnergySource, board: Board, req: RunRequest, repeat: number, macs?: number,
): Promise<{ energy: EnergyResult; run: RunResult }> {
  const w = boardWindow(board, req, repeat);
  const energy = await source.measure(w.window, { macs });
  const run = w.result();
  if (!run) throw new Error(`energy source ${source.describe()} returned without running the board`);
  return { energy, run };
}
