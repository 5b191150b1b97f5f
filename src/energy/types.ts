// types.ts - the one interface every energy source (power model, LPM01A, PPK2) implements,
// the result it returns, and helpers to print that result in µJ / pJ.
import type { CounterKind } from '../board/types';

/** What the board reports about the measured window: its counter for ONE run, and how many runs. */
export interface WindowReport {
  counter: number;          // one run, in counterUnit (RunResult.counter)
  counterUnit: string;
  repeat: number;           // runs inside the trigger window (RunRequest.repeat)
  counterKind?: CounterKind; // overrides the board's kind when given
}

/**
 * The measured window: runs the kernel `repeat` times on the board, which raises its trigger GPIO
 * around all runs. Sources start their acquisition before calling it and integrate only samples
 * inside the trigger marks.
 */
export type EnergyWindow = () => Promise<WindowReport>;

export interface MeasureOptions {
  /** MACs of ONE inference; gives perMacJ. */
  macs?: number;
  /** How long to wait, after the board returns, for the monitor to report the window's end (ms). */
  settleMs?: number;
}

export interface EnergyResult {
  source: string;           // describe() of the source that measured it
  energyJ: number;          // whole window (all repeats)
  perInferenceJ: number;    // energyJ / repeat
  perMacJ: number | null;   // perInferenceJ / macs, null when macs unknown
  macs: number | null;
  avgPowerW: number;        // energyJ / windowS
  windowS: number;          // length of the integrated window
  samples: number;          // monitor samples integrated (0 for the model)
  repeat: number;
  estimate: boolean;        // true when the figure rests on nominal or user-supplied numbers
  notes: string[];          // how the figure was obtained, caveats, cross-checks
}

export interface CloseOptions { keepPower?: boolean }

export type EnergySourceKind = 'model' | 'lpm01a' | 'ppk2';

export interface EnergySource {
  readonly kind: EnergySourceKind;
  /** One line naming the source, e.g. "ppk2 /dev/ttyACM2 (source meter 3300 mV, trigger D0)". */
  describe(): string;
  measure(window: EnergyWindow, opts?: MeasureOptions): Promise<EnergyResult>;
  /**
   * Releases the instrument. A PPK2 that switched the target's supply on also switches it off, unless
   * `keepPower` (the board is still in use: a source opened for one measurement on an open board).
   */
  close(opts?: CloseOptions): Promise<void>;
}

/** Builds the result from a window's energy; keeps the arithmetic in one place. */
export function makeResult(a: {
  source: string; energyJ: number; windowS: number; samples: number; repeat: number;
  macs?: number; estimate: boolean; notes: string[];
}): EnergyResult {
  if (!Number.isInteger(a.repeat) || a.repeat < 1) {
    throw new RangeError(`Expected repeat to be an integer >= 1 but received ${a.repeat}`);
  }
  const macs = a.macs !== undefined && a.macs > 0 ? a.macs : null;
  const perInferenceJ = a.energyJ / a.repeat;
  return {
    source: a.source,
    energyJ: a.energyJ,
    perInferenceJ,
    perMacJ: macs === null ? null : perInferenceJ / macs,
    macs,
    avgPowerW: a.windowS > 0 ? a.energyJ / a.windowS : 0,
    windowS: a.windowS,
    samples: a.samples,
    repeat: a.repeat,
    estimate: a.estimate,
    notes: a.notes,
  };
}

const PREFIXES: Array<[number, string]> = [
  [1e9, 'G'], [1e6, 'M'], [1e3, 'k'], [1, ''], [1e-3, 'm'], [1e-6, 'µ'], [1e-9, 'n'], [1e-12, 'p'], [1e-15, 'f'],
];

/** Formats a value with an SI prefix picked so the mantissa is >= 1: formatSI(2.06e-12, 'J') = "2.06 pJ". */
export function formatSI(value: number, unit: string, digits = 3): string {
  if (!Number.isFinite(value)) return `${value} ${unit}`;
  if (value === 0) return `0 ${unit}`;
  const abs = Math.abs(value);
  const [scale, prefix] = PREFIXES.find(([s]) => abs >= s) ?? PREFIXES[PREFIXES.length - 1];
  return `${Number((value / scale).toPrecision(digits))} ${prefix}${unit}`;
}

export const toMicroJ = (j: number): number => j * 1e6;
export const toPicoJ = (j: number): number => j * 1e12;

/** One line for tables and logs: "2.06 µJ/inf, 2.06 pJ/MAC, 41.3 mW over 50 ms (250 samples) [lpm01a ...]". */
export function formatEnergyResult(r: EnergyResult): string {
  const parts = [`${formatSI(r.perInferenceJ, 'J')}/inf`];
  if (r.perMacJ !== null) parts.push(`${formatSI(r.perMacJ, 'J')}/MAC`);
  parts.push(`${formatSI(r.avgPowerW, 'W')} over ${formatSI(r.windowS, 's')}${r.samples > 0 ? ` (${r.samples} samples)` : ''}`);
  return `${parts.join(', ')}${r.estimate ? ' ESTIMATE' : ''} [${r.source}]`;
}
