// m4timing.ts - reading the Cortex-M4 timing-model plugin (tools/m4-timing/th_m4_timing.c) that the
// qemu-m4 board loads with `timingModel`: one line per measured window (hal_trigger(1) ... the two
// hal_counter() reads around a RUN's kernel). A model of a Cortex-M4 only: not valid for qemu-m7.
import * as fs from 'node:fs';

export const M4_CLASSES = ['smlad', 'load', 'store', 'branch', 'other'] as const;
export type M4Class = (typeof M4_CLASSES)[number];

export interface M4TimingWindow {
  /** Instructions the plugin saw in the window (the firmware's own counter stays the exact figure). */
  insns: number;
  /** "cycles (M4 timing model)": Cortex-M4 TRM timings, zero wait states. */
  cycles: number;
  /** Per class, in M4_CLASSES order: instructions and modelled cycles. */
  mix: Array<{ cls: M4Class; insns: number; cycles: number }>;
  /** Branches taken (refills charged). */
  taken: number;
}

/** Parses one plugin line ("window N insns I cycles C smlad I C load I C ... taken T"). */
export function parseM4TimingLine(line: string): M4TimingWindow {
  const m = /insns (\d+) cycles (\d+) smlad (\d+) (\d+) load (\d+) (\d+) store (\d+) (\d+) branch (\d+) (\d+) other (\d+) (\d+) taken (\d+)/.exec(line);
  if (!m) throw new Error(`M4 timing plugin: cannot parse line "${line}"`);
  const n = m.slice(1).map(Number);
  return {
    insns: n[0],
    cycles: n[1],
    mix: M4_CLASSES.map((cls, k) => ({ cls, insns: n[2 + 2 * k], cycles: n[3 + 2 * k] })),
    taken: n[12],
  };
}

/** The windows written so far to the plugin's out= file (empty when none). */
export function readM4TimingWindows(file: string): M4TimingWindow[] {
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.startsWith('window')).map(parseM4TimingLine);
}
