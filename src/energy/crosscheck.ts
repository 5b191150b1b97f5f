// crosscheck.ts - compares a monitor's trigger window with the time the board's own counter implies.
import { formatSI } from './types';
import type { ModelBoard } from './model';

/** A note like "board counter: 48.0 ms for 1000 runs; trigger window 50.0 ms (+4.2%, loop and GPIO overhead)". */
export function windowCrossCheck(
  windowS: number,
  report: { counter: number; counterUnit: string; counterKind?: string },
  repeat: number,
  board?: ModelBoard,
): string | null {
  const s = counterSeconds(report, repeat, board);
  if (s === null) return null;
  const pct = ((windowS - s) / s) * 100;
  return `board counter: ${formatSI(s, 's')} for ${repeat} runs; trigger window ${formatSI(windowS, 's')} (${pct >= 0 ? '+' : ''}${pct.toFixed(1)}%: loop, GPIO and sampling overhead)`;
}

/**
 * Seconds the board's own counter says its `repeat` runs took (cycles at a known clock, or host ns); null when
 * the counter has no time (QEMU instructions, unknown clock). The trigger window can only be longer.
 */
export function counterSeconds(
  report: { counter: number; counterKind?: string },
  repeat: number,
  board?: ModelBoard,
): number | null {
  const kind = report.counterKind ?? board?.counterKind;
  let s: number | null = null;
  if (kind === 'cycles' && board && board.clockHz > 0) s = (report.counter * repeat) / board.clockHz;
  if (kind === 'nanoseconds') s = report.counter * repeat * 1e-9;
  return s !== null && s > 0 && Number.isFinite(s) ? s : null;
}
