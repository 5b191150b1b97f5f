// spec.ts - parses the --energy argument: "model[:k=v,...]", "lpm01a:PORT[,k=v...]", "ppk2:PORT[,k=v...]".
import { parseQuantity } from './units';

export interface ModelSpec {
  kind: 'model';
  powerW?: number;     // overrides the table's active power
  clockHz?: number;    // overrides the board's clock (required for instruction counters)
  board?: string;      // use this row of the power table instead of the board's own name
  table?: string;      // JSON or YAML file merged over src/energy/boards.json
}

export interface Lpm01aSpec {
  kind: 'lpm01a';
  port: string;
  voltMv: number;      // target supply, 1800..3300 mV
  freqHz: number;      // one of LPM01A_FREQS
  edge: 'ris' | 'fal'; // eventsrc d7 edge that marks the window
  timeoutMs: number;   // silence allowed in the sample stream, and the reply time of quick commands
  baudRate: number;
  output: 'energy' | 'current'; // energy: the shield integrates each period itself (MLPerf's choice)
  expectedA?: number;  // expected peak current of the target; picks the acquisition mode
  acqmode: 'auto' | 'dyn' | 'stat';
}

export interface Ppk2Spec {
  kind: 'ppk2';
  port: string;
  vddMv: number;       // 800..5000 mV: source voltage (source meter) or DUT voltage (ampere meter)
  mode: 'source' | 'ampere';
  bit: number;         // logic-port channel (D0..D7) wired to the board's trigger GPIO
  trig: 'level' | 'pulses'; // level: high during the runs; pulses: idle high, a low pulse at start and at end
  timeoutMs: number;
  spikeFilter: boolean; // Nordic's rolling average over the samples after a range switch (both references apply it)
  maxLossS: number;     // lost sample time tolerated inside a window before the measurement is discarded
}

export type EnergySpec = ModelSpec | Lpm01aSpec | Ppk2Spec;

/** Sampling rates the LPM01A accepts (`freq` command), Hz. */
export const LPM01A_FREQS = [100e3, 50e3, 20e3, 10e3, 5e3, 2e3, 1e3, 500, 200, 100, 50, 20, 10, 5, 2, 1];
/** ascii_dec streams without limit only up to 5 kHz (PowerShield FW table at 3,686,400 baud). */
export const LPM01A_ASCII_MAX_HZ = 5e3;
/** Dynamic mode measures 100 nA..50 mA (UM2243 §10; over-current protection from 59 mA). */
export const LPM01A_DYN_MAX_A = 50e-3;
/** Static mode measures up to 200 mA, for a current steady within 10 % (UM2243 §9). */
export const LPM01A_STAT_MAX_A = 200e-3;

const USAGE = `'model', 'model:power=26mW,clock=80MHz', 'lpm01a:/dev/ttyACM1' or 'ppk2:/dev/ttyACM2'`;

export function parseEnergySpec(text: string): EnergySpec {
  if (typeof text !== 'string' || text.trim() === '') {
    throw new TypeError(`Expected an energy source (${USAGE}) but received ${JSON.stringify(text)}`);
  }
  const s = text.trim();
  const colon = s.indexOf(':');
  const kind = (colon < 0 ? s : s.slice(0, colon)).toLowerCase();
  const rest = colon < 0 ? '' : s.slice(colon + 1);
  switch (kind) {
    case 'model': return parseModel(rest);
    case 'lpm01a': return parseLpm01a(rest, s);
    case 'ppk2': return parsePpk2(rest, s);
    default:
      throw new TypeError(`Expected an energy source ${USAGE} but received "${s}" (unknown kind "${kind}")`);
  }
}

/** "a=1,b=2" -> Map; every key must be in `allowed`. */
function options(text: string, allowed: string[], where: string): Map<string, string> {
  const out = new Map<string, string>();
  if (text === '') return out;
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    const key = (eq < 0 ? part : part.slice(0, eq)).trim();
    if (eq < 0 || key === '') {
      throw new TypeError(`Expected key=value options in ${where} but received "${part}"`);
    }
    if (!allowed.includes(key)) {
      throw new TypeError(`Unknown option "${key}" in ${where}; allowed: ${allowed.join(', ')}`);
    }
    out.set(key, part.slice(eq + 1).trim());
  }
  return out;
}

function parseModel(rest: string): ModelSpec {
  const o = options(rest, ['power', 'clock', 'board', 'table'], `"model:${rest}"`);
  const spec: ModelSpec = { kind: 'model' };
  if (o.has('power')) spec.powerW = positive(parseQuantity(o.get('power')!, 'W', 'model power', 1e-3), 'model power');
  if (o.has('clock')) spec.clockHz = positive(parseQuantity(o.get('clock')!, 'Hz', 'model clock'), 'model clock');
  if (o.has('board')) spec.board = o.get('board')!;
  if (o.has('table')) spec.table = o.get('table')!;
  return spec;
}

/** "PORT,k=v,..." -> port and options; the port is everything before the first comma. */
function portAndOptions(rest: string, full: string, kind: string): [string, string] {
  const comma = rest.indexOf(',');
  const port = (comma < 0 ? rest : rest.slice(0, comma)).trim();
  if (port === '') {
    throw new TypeError(`Expected a serial port after "${kind}:" (e.g. "${kind}:/dev/ttyACM1") but received "${full}"`);
  }
  return [port, comma < 0 ? '' : rest.slice(comma + 1)];
}

function parseLpm01a(rest: string, full: string): Lpm01aSpec {
  const [port, opts] = portAndOptions(rest, full, 'lpm01a');
  const o = options(opts, ['volt', 'freq', 'edge', 'timeout', 'baud', 'output', 'current', 'acqmode'], `"${full}"`);
  const voltMv = o.has('volt') ? Math.round(parseQuantity(o.get('volt')!, 'V', 'lpm01a volt') * 1000) : 3300;
  if (voltMv < 1800 || voltMv > 3300) {
    throw new RangeError(`Expected lpm01a volt in 1800m..3300m but received "${o.get('volt')}" (${voltMv} mV)`);
  }
  const freqHz = o.has('freq') ? parseQuantity(o.get('freq')!, 'Hz', 'lpm01a freq') : LPM01A_ASCII_MAX_HZ;
  if (!LPM01A_FREQS.includes(freqHz)) {
    throw new RangeError(`Expected lpm01a freq one of 100k,50k,20k,10k,5k,2k,1k,500,200,100,50,20,10,5,2,1 but received "${o.get('freq')}"`);
  }
  if (freqHz > LPM01A_ASCII_MAX_HZ) {
    throw new RangeError(`lpm01a freq ${o.get('freq')} exceeds ${LPM01A_ASCII_MAX_HZ / 1e3}k, the limit of ascii_dec streaming with infinite acquisition time (PowerShield firmware)`);
  }
  const edge = o.get('edge') ?? 'fal';
  if (edge !== 'fal' && edge !== 'ris') throw new RangeError(`Expected lpm01a edge "fal" or "ris" but received "${edge}"`);
  const output = o.get('output') ?? 'energy';
  if (output !== 'energy' && output !== 'current') throw new RangeError(`Expected lpm01a output "energy" or "current" but received "${output}"`);
  const acqmode = o.get('acqmode') ?? 'auto';
  if (acqmode !== 'auto' && acqmode !== 'dyn' && acqmode !== 'stat') {
    throw new RangeError(`Expected lpm01a acqmode "auto", "dyn" or "stat" but received "${acqmode}"`);
  }
  let expectedA: number | undefined;
  if (o.has('current')) {
    expectedA = parseQuantity(o.get('current')!, 'A', 'lpm01a current (expected peak)', 1e-3);
    if (!(expectedA > 0) || expectedA > LPM01A_STAT_MAX_A) {
      throw new RangeError(`Expected lpm01a current in (0, 200mA] (the shield's static-mode limit) but received "${o.get('current')}"; above that use ppk2 (up to 1 A)`);
    }
  }
  return {
    kind: 'lpm01a', port, voltMv, freqHz, edge, output, expectedA, acqmode,
    timeoutMs: o.has('timeout') ? intIn(o.get('timeout')!, 'lpm01a timeout (ms)', 10, 600000) : 1000,
    baudRate: o.has('baud') ? intIn(o.get('baud')!, 'lpm01a baud', 1200, 10000000) : 3686400,
  };
}

function parsePpk2(rest: string, full: string): Ppk2Spec {
  const [port, opts] = portAndOptions(rest, full, 'ppk2');
  const o = options(opts, ['vdd', 'mode', 'bit', 'trig', 'timeout', 'filter', 'maxloss'], `"${full}"`);
  const vddMv = o.has('vdd') ? Math.round(parseQuantity(o.get('vdd')!, 'V', 'ppk2 vdd', 1e-3) * 1000) : 3300;
  if (vddMv < 800 || vddMv > 5000) {
    throw new RangeError(`Expected ppk2 vdd in 800..5000 mV but received "${o.get('vdd')}" (${vddMv} mV)`);
  }
  const mode = o.get('mode') ?? 'source';
  if (mode !== 'source' && mode !== 'ampere') throw new RangeError(`Expected ppk2 mode "source" or "ampere" but received "${mode}"`);
  // tinyhil's STM32 firmware marks the window MLPerf-style (idle high, a low pulse at start and end).
  const trig = o.get('trig') ?? 'pulses';
  if (trig !== 'level' && trig !== 'pulses') throw new RangeError(`Expected ppk2 trig "level" or "pulses" but received "${trig}"`);
  const filter = o.get('filter') ?? 'on';
  if (filter !== 'on' && filter !== 'off') throw new RangeError(`Expected ppk2 filter "on" or "off" but received "${filter}"`);
  // Nordic's app reports data loss once 500 samples (5 ms) are missing (serialDevice.ts DATALOSS_THRESHOLD).
  // Ours: a window may miss 10 samples (100 µs) in all, filled from their neighbours and reported.
  const maxLossS = o.has('maxloss') ? parseQuantity(o.get('maxloss')!, 's', 'ppk2 maxloss', 1e-3) : 100e-6;
  if (!(maxLossS >= 0) || maxLossS > 5e-3) {
    throw new RangeError(`Expected ppk2 maxloss in 0..5ms (Nordic's data-loss threshold) but received "${o.get('maxloss')}"`);
  }
  return {
    kind: 'ppk2', port, vddMv, mode, spikeFilter: filter === 'on', maxLossS,
    bit: o.has('bit') ? intIn(o.get('bit')!.replace(/^D/i, ''), 'ppk2 bit (logic channel D0..D7)', 0, 7) : 0,
    trig,
    timeoutMs: o.has('timeout') ? intIn(o.get('timeout')!, 'ppk2 timeout (ms)', 10, 600000) : 1000,
  };
}

function positive(v: number, name: string): number {
  if (!(v > 0)) throw new RangeError(`Expected ${name} > 0 but received ${v}`);
  return v;
}

function intIn(text: string, name: string, lo: number, hi: number): number {
  const v = Number(text);
  if (!Number.isInteger(v) || v < lo || v > hi) {
    throw new RangeError(`Expected ${name} to be an integer in ${lo}..${hi} but received "${text}"`);
  }
  return v;
}
