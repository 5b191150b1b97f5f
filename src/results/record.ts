// record.ts - the results record (one JSON line per finished test point), its validation and resume key.

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

type Kind = 'string' | 'number' | 'boolean' | 'object';
const REQUIRED: Array<[keyof ResultRecord, Kind]> = [
  ['board', 'string'], ['firmwareVersion', 'string'], ['kernel', 'string'], ['test', 'string'],
  ['shape', 'object'], ['cores', 'number'], ['bitExact', 'boolean'], ['macs', 'number'], ['timestamp', 'string'],
];
/** Required unless the record carries an error. */
const MEASURED: Array<[keyof ResultRecord, Kind]> = [
  ['counter', 'number'], ['counterUnit', 'string'], ['macPerCount', 'number'], ['arenaPeak', 'number'],
];

/** Throws naming the first bad field; `where` prefixes the message ("out.jsonl:12"). */
export function checkRecord(x: unknown, where: string): ResultRecord {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) throw new Error(`${where}: a results record must be a JSON object`);
  const r = x as Record<string, unknown>;
  if (r.error !== undefined && typeof r.error !== 'string') throw new Error(`${where}: field "error" must be a string`);
  for (const [k, kind] of [...REQUIRED, ...MEASURED]) {
    const v = r[k];
    if (v === undefined && r.error !== undefined && MEASURED.some(([m]) => m === k)) continue;
    const ok = kind === 'object' ? typeof v === 'object' && v !== null : typeof v === kind && (kind !== 'number' || Number.isFinite(v));
    if (!ok) throw new Error(`${where}: field "${k}" must be a ${kind === 'number' ? 'finite number' : kind}, got ${JSON.stringify(v) ?? 'nothing'}`);
  }
  const shape = r.shape as Record<string, unknown>;
  for (const k of ['S', 'E', 'P', 'H']) {
    if (!Number.isInteger(shape[k]) || (shape[k] as number) < 1) {
      throw new Error(`${where}: field "shape.${k}" must be an integer >= 1, got ${JSON.stringify(shape[k]) ?? 'nothing'}`);
    }
  }
  if (shape.T !== undefined && (!Number.isInteger(shape.T) || (shape.T as number) < 1)) {
    throw new Error(`${where}: field "shape.T" must be an integer >= 1, got ${JSON.stringify(shape.T)}`);
  }
  if (r.energy !== undefined) {
    const e = r.energy as Record<string, unknown>;
    if (typeof e !== 'object' || e === null || typeof e.source !== 'string' || typeof e.perInferenceUj !== 'number') {
      throw new Error(`${where}: field "energy" must be an object with "source" (string) and "perInferenceUj" (number)`);
    }
  }
  return r as unknown as ResultRecord;
}
