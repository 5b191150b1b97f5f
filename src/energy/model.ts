// model.ts - the power-model energy source: counter -> time (board clock, or host ns as they are)
// -> energy = active power x time, from a per-board table (src/energy/boards.json, overridable).
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import type { BoardInfo, CounterKind } from '../board/types';
import type { ModelSpec } from './spec';
import { formatSI, makeResult } from './types';
import type { EnergyResult, EnergySource, EnergyWindow, MeasureOptions } from './types';
import builtin from './boards.json';

export interface PowerRow {
  clockHz: number;        // clock the power figure was characterised at (0: not clock-based)
  activePowerMw: number;
  supplyV?: number;
  nominal?: boolean;      // true: a placeholder figure, results are marked estimate
  source: string;         // where the figure comes from
}

export type PowerTable = Record<string, PowerRow>;

/** The board facts the model needs (a subset of BoardInfo). */
export type ModelBoard = Pick<BoardInfo, 'name' | 'clockHz' | 'counterKind'>;

/** Built-in table merged with an optional JSON/YAML file of rows (same shape). */
export function loadPowerTable(file?: string): PowerTable {
  const table: PowerTable = { ...(builtin as PowerTable) };
  if (!file) return table;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`model table "${file}": cannot read (${(e as Error).message})`);
  }
  const data = /\.ya?ml$/i.test(file) ? YAML.parse(text) : JSON.parse(text);
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new TypeError(`model table "${file}": expected a mapping of board name -> row but received ${Array.isArray(data) ? 'a list' : typeof data}`);
  }
  for (const [name, row] of Object.entries(data as Record<string, unknown>)) {
    table[name] = checkRow(row, `${path.basename(file)}: ${name}`);
  }
  return table;
}

function checkRow(row: unknown, where: string): PowerRow {
  const r = row as Partial<PowerRow>;
  if (typeof r !== 'object' || r === null) throw new TypeError(`${where}: expected a row object but received ${JSON.stringify(row)}`);
  if (typeof r.activePowerMw !== 'number' || !(r.activePowerMw > 0)) {
    throw new TypeError(`${where}: expected activePowerMw > 0 (mW) but received ${JSON.stringify(r.activePowerMw)}`);
  }
  if (r.clockHz !== undefined && (typeof r.clockHz !== 'number' || r.clockHz < 0)) {
    throw new TypeError(`${where}: expected clockHz >= 0 but received ${JSON.stringify(r.clockHz)}`);
  }
  return { clockHz: r.clockHz ?? 0, activePowerMw: r.activePowerMw, supplyV: r.supplyV, nominal: r.nominal ?? false, source: r.source ?? where };
}

/** Seconds of ONE run and whether that conversion is itself an assumption. */
export function counterToSeconds(counter: number, kind: CounterKind, clockHz: number, board: string): { s: number; note: string; assumed: boolean } {
  if (!(counter >= 0) || !Number.isFinite(counter)) {
    throw new RangeError(`Expected the board counter to be a finite number >= 0 but received ${counter}`);
  }
  switch (kind) {
    case 'nanoseconds':
      return { s: counter * 1e-9, note: `${counter} ns (host wall clock) per run`, assumed: false };
    case 'cycles':
      if (!(clockHz > 0)) {
        throw new RangeError(`model: board "${board}" counts cycles but its clock is unknown (0 Hz); pass model:clock=<Hz>`);
      }
      return { s: counter / clockHz, note: `${counter} cycles / ${formatSI(clockHz, 'Hz')} per run`, assumed: false };
    case 'instructions':
      if (!(clockHz > 0)) {
        throw new RangeError(`model: board "${board}" counts instructions (QEMU -icount), which have no time; pass model:clock=<Hz>,power=<W>`);
      }
      return { s: counter / clockHz, note: `${counter} instructions / ${formatSI(clockHz, 'Hz')} per run, assuming 1 instruction per cycle`, assumed: true };
    default:
      throw new TypeError(`model: unknown counter kind "${kind as string}"`);
  }
}

export class ModelSource implements EnergySource {
  readonly kind = 'model' as const;
  private readonly row: PowerRow | undefined;
  private readonly rowName: string;

  constructor(private readonly spec: ModelSpec, private readonly board: ModelBoard, table: PowerTable = loadPowerTable(spec.table)) {
    this.rowName = spec.board ?? board.name;
    if (spec.board !== undefined && !(spec.board in table)) {
      throw new RangeError(`model: no power-table row "${spec.board}"; rows: ${Object.keys(table).join(', ')}`);
    }
    this.row = table[this.rowName];
    if (board.counterKind === 'instructions' && (spec.powerW === undefined || spec.clockHz === undefined)) {
      throw new RangeError(`model: board "${board.name}" counts instructions (QEMU -icount), not time; an energy figure needs both model:clock=<Hz> and model:power=<W> (it is then marked estimate)`);
    }
    if (this.row === undefined && spec.powerW === undefined) {
      throw new RangeError(`model: no power-table row for board "${board.name}" (rows: ${Object.keys(table).join(', ')}); pass model:power=<W> or model:board=<row> or model:table=<file>`);
    }
  }

  private get powerW(): number {
    return this.spec.powerW ?? this.row!.activePowerMw * 1e-3;
  }

  private get clockHz(): number {
    return this.spec.clockHz ?? (this.board.clockHz > 0 ? this.board.clockHz : this.row?.clockHz ?? 0);
  }

  describe(): string {
    const what = this.spec.powerW !== undefined ? 'user-supplied' : `table row "${this.rowName}"${this.row!.nominal ? ', NOMINAL' : ''}`;
    return `model (${formatSI(this.powerW, 'W')} active, ${what})`;
  }

  async measure(window: EnergyWindow, opts: MeasureOptions = {}): Promise<EnergyResult> {
    const rep = await window();
    const kind = rep.counterKind ?? this.board.counterKind;
    const t = counterToSeconds(rep.counter, kind, this.clockHz, this.board.name);
    const notes = [`time: ${t.note}`];
    let estimate = t.assumed;
    if (this.spec.powerW !== undefined) {
      notes.push(`power: ${formatSI(this.powerW, 'W')} supplied by the user`);
      estimate = estimate || kind === 'instructions';
    } else {
      notes.push(`power: ${this.row!.activePowerMw} mW from table row "${this.rowName}": ${this.row!.source}`);
      if (this.row!.nominal) {
        estimate = true;
        notes.push('NOMINAL power figure: not a property of this machine, only a placeholder');
      }
      const rowClock = this.row!.clockHz;
      if (kind === 'cycles' && rowClock > 0 && Math.abs(this.clockHz - rowClock) > 1e-6 * rowClock) {
        estimate = true;
        notes.push(`table power was characterised at ${formatSI(rowClock, 'Hz')} but the board runs at ${formatSI(this.clockHz, 'Hz')}; power not rescaled`);
      }
    }
    if (this.spec.board !== undefined && this.spec.board !== this.board.name) {
      estimate = true;
      notes.push(`power of "${this.spec.board}" applied to board "${this.board.name}"`);
    }
    const windowS = t.s * rep.repeat;
    return makeResult({
      source: this.describe(), energyJ: this.powerW * windowS, windowS, samples: 0,
      repeat: rep.repeat, macs: opts.macs, estimate, notes,
    });
  }

  async close(): Promise<void> {}
}
