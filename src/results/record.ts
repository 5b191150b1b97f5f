// record.ts - the results record (one JSON line per finished test point), its validation (zod) and resume key.
import { z } from 'zod';
import { check, said, type Path } from '../validate/zod';

export interface EnergyRecord {
  /** Where the number came from: "model", "ppk2 /dev/ttyACM2 (...)", ... */
  source: string;
  /** Energy of one inference (one kernel run), microjoules. */
  perInferenceUj: number;
  /** Energy per MAC, picojoules. */
  perMacPj?: number;
  /** Average power over the measured window, milliwatts. */
  avgPowerMw?: number;
  /** True when the figure rests on nominal numbers (the power model). */
  estimate?: boolean;
}

export interface ResultShape { S: number; E: number; P: number; H: number; T?: number }

export interface ResultRecord {
  board: string;            // board kind (BoardInfo.name): "host-sim", "qemu-m4", "stm32h7"
  port?: string;            // where that board was reached, when there is a link
  firmwareVersion: string;
  kernel: string;           // kernel name (docs/kernels.md)
  test: string;             // test name from the config (testToRun entry)
  shape: ResultShape;
  cores: number;
  bitExact: boolean;
  mismatch?: string;        // first differing elements when not bit-exact
  // counter, counterUnit, macPerCount, arenaPeak: always there unless `error` is
  counter?: number;         // one run, in counterUnit
  counterUnit?: string;
  macs: number;
  macPerCount?: number;
  arenaPeak?: number;       // bytes
  energy?: EnergyRecord;
  error?: string;           // the point did not run to the end: no counters
  timestamp: string;        // ISO 8601, when the point finished
}

/** What identifies a test point across runs (for --resume): test, kernel, shape, cores, board kind. */
export type PointId = Pick<ResultRecord, 'board' | 'test' | 'kernel' | 'shape' | 'cores'>;

/** Canonical key, readable in messages: "qemu-m4 mhsa/mhsa_dft S=64 E=64 P=32 H=4 T=8 cores=2". */
export function pointKey(p: PointId): string {
  const s = p.shape;
  const t = s.T === undefined ? '' : ` T=${s.T}`;
  return `${p.board} ${p.test}/${p.kernel} S=${s.S} E=${s.E} P=${s.P} H=${s.H}${t} cores=${p.cores}`;
}

const finite = (): z.ZodNumber => z.number(said('a finite number')).finite({ message: 'a finite number' });
const str = (): z.ZodString => z.string(said('a string'));
const dim = (): z.ZodNumber => z.number(said('an integer >= 1')).int({ message: 'an integer >= 1' }).min(1, { message: 'an integer >= 1' });

const energySchema = z.object({ source: str(), perInferenceUj: finite(), perMacPj: finite().optional(), avgPowerMw: finite().optional(),
  estimate: z.boolean(said('a boolean')).optional() }, said('an object { source, perInferenceUj, ... }')).passthrough();

/** Fields in the order they are checked; counter, counterUnit, macPerCount, arenaPeak required unless `error` is there. */
const MEASURED = ['counter', 'counterUnit', 'macPerCount', 'arenaPeak'] as const;
export const recordSchema = z.object({
  error: str().optional(),
  board: str(), port: str().optional(), firmwareVersion: str(), kernel: str(), test: str(),
  shape: z.object({ S: dim(), E: dim(), P: dim(), H: dim(), T: dim().optional() }, said('an object { S, E, P, H, T? }')).passthrough(),
  cores: finite(), bitExact: z.boolean(said('a boolean')), mismatch: str().optional(), macs: finite(), timestamp: str(),
  counter: finite().optional(), counterUnit: str().optional(), macPerCount: finite().optional(), arenaPeak: finite().optional(),
  energy: energySchema.optional(),
}, said('a JSON object')).passthrough().superRefine((r, ctx) => {
  if (r.error !== undefined) return;
  for (const k of MEASURED) {
    if (r[k] === undefined) ctx.addIssue({ code: 'custom', path: [k], message: k === 'counterUnit' ? 'a string' : 'a finite number' });
  }
});

/** LINE:COL-style column of a field inside one JSON line: its key's quote, else 1 (the record). */
export function columnOf(line: string, path: Path): number {
  let at = -1;
  for (const p of path) {
    if (typeof p !== 'string') break;
    const i = line.indexOf(`${JSON.stringify(p)}:`, at + 1);
    if (i < 0) break;
    at = i;
  }
  return at < 0 ? 1 : at + 1;
}

/**
 * Throws `WHERE[:COL]: field: expected …, found …` for the first bad field; `where` prefixes the
 * message ("out.jsonl:12"); `line`, the record's JSON text, adds the column.
 */
export function checkRecord(x: unknown, where: string, line?: string): ResultRecord {
  const r = check(recordSchema, x);
  if (r.ok) return x as ResultRecord;
  const col = line === undefined ? '' : `:${columnOf(line, r.problem.path)}`;
  throw new Error(`${where}${col}: ${r.problem.field || 'record'}: ${r.problem.detail}`);
}
