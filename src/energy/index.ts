// index.ts - entry point of the energy layer: openEnergySource(spec, board) -> EnergySource, and the exports
// the harness and CLI use (parseEnergySpec, formatting helpers, result types).
import { ModelSource } from './model';
import type { ModelBoard } from './model';
import { Lpm01aSource } from './lpm01a';
import { Ppk2Source } from './ppk2';
import { parseEnergySpec } from './spec';
import type { EnergySpec } from './spec';
import type { EnergySource } from './types';
import type { Transport } from '../transport';

export * from './types';
export { parseEnergySpec, LPM01A_FREQS } from './spec';
export type { EnergySpec, ModelSpec, Lpm01aSpec, Ppk2Spec } from './spec';
export { ModelSource, loadPowerTable, counterToSeconds } from './model';
export type { ModelBoard, PowerRow, PowerTable } from './model';
export { Lpm01aSource } from './lpm01a';
export { Ppk2Source } from './ppk2';
export { boardWindow, measureRun } from './window';
export type { BoardWindow } from './window';

/**
 * Opens an energy source for a board. `spec` is the --energy text ('model', 'lpm01a:/dev/ttyACM1',
 * 'ppk2:/dev/ttyACM2', with options) or an already parsed spec. `board` is the board's hello
 * (BoardInfo has every field needed). Instruments are configured on open; call close() when done.
 * Open an instrument that powers the board BEFORE opening the board's link. The instrument's port may be a
 * device path, a pty, tcp://host:port or rfc2217://host:port (e.g. exported by ser2net); `opts.transport`
 * hands over a link opened already (tests: one end of memoryPair()), the port then only names it in messages.
 */
export async function openEnergySource(spec: string | EnergySpec, board: ModelBoard, opts: { transport?: Transport } = {}): Promise<EnergySource> {
  const s = typeof spec === 'string' ? parseEnergySpec(spec) : spec;
  switch (s.kind) {
    case 'model': return new ModelSource(s, board);
    case 'lpm01a': return Lpm01aSource.open(s, board, opts.transport);
    case 'ppk2': return Ppk2Source.open(s, board, opts.transport);
    default: throw new TypeError(`unknown energy source kind "${(s as { kind: string }).kind}"`);
  }
}
