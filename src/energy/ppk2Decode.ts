// ppk2Decode.ts - Nordic PPK2 wire format: opcodes, the GetMetadata calibration text, 4-byte sample words
// and the current formula of the open drivers (pc-nrfconnect-ppk, IRNAS ppk2-api-python). Pure functions.

export const PPK2_OP = {
  Reset: 0x20,
  AverageStart: 0x06,
  AverageStop: 0x07,
  DeviceRunningSet: 0x0c,
  RegulatorSet: 0x0d,
  SetPowerMode: 0x11,   // 1 = ampere meter, 2 = source meter
  GetMetadata: 0x19,
} as const;

export const PPK2_SAMPLE_HZ = 100_000;
/** ADC volts per count after the x4 scaling: 1.8 V reference over 163840. */
export const PPK2_ADC_MULT = 1.8 / 163840;

export interface Ppk2Calibration {
  R: number[]; GS: number[]; GI: number[]; O: number[]; S: number[]; I: number[]; UG: number[];
}

export interface Ppk2Metadata {
  cal: Ppk2Calibration;
  calibrated: boolean | null;
  hw: string | null;
  ia: string | null;
  vddMv: number | null;
  /** Keys that were missing or not numbers, or R = 0; the nominal default was used for each. */
  defaulted: string[];
  /** GS, GI or UG keys stored as 0: "not calibrated", the default (1) applies as in Nordic's app. */
  zeroed: string[];
  fields: Record<string, string>;
}

/** The open drivers' defaults for an uncalibrated device. */
export const PPK2_DEFAULT_CAL: Ppk2Calibration = {
  R: [1031.64, 101.65, 10.15, 0.94, 0.043],
  GS: [1, 1, 1, 1, 1], GI: [1, 1, 1, 1, 1], O: [0, 0, 0, 0, 0], S: [0, 0, 0, 0, 0], I: [0, 0, 0, 0, 0], UG: [1, 1, 1, 1, 1],
};

/**
 * Keys where a stored 0 means "not calibrated" and the default applies: Nordic's parseMeta takes
 * `meta[key] || default` (so 0 and -nan fall back for every key), IRNAS skips R = 0 ("wrong calibration values
 * on some PPK2s"). For O, S and I the default IS 0, so only these keys change meaning.
 */
const ZERO_IS_DEFAULT = new Set(['GS', 'GI', 'UG']);

/** Parses "key: value" lines up to END. Throws when END is missing; defaults (and lists) absent keys. */
export function parsePpk2Metadata(text: string): Ppk2Metadata {
  const end = text.indexOf('END');
  if (end < 0) throw new Error(`PPK2 metadata has no END line (received ${JSON.stringify(text.slice(0, 80))})`);
  const fields: Record<string, string> = {};
  for (const line of text.slice(0, end).split(/\r?\n/)) {
    const m = /^\s*([A-Za-z]+\d?)\s*:\s*(\S+)\s*$/.exec(line);
    if (m) fields[m[1]] = m[2];
  }
  const cal: Ppk2Calibration = { R: [], GS: [], GI: [], O: [], S: [], I: [], UG: [] };
  const defaulted: string[] = [];
  const zeroed: string[] = [];
  for (const key of Object.keys(cal) as Array<keyof Ppk2Calibration>) {
    for (let r = 0; r < 5; r++) {
      const v = Number(fields[`${key}${r}`]);
      const ok = fields[`${key}${r}`] !== undefined && Number.isFinite(v) && !(key === 'R' && v === 0);
      const zero = ok && v === 0 && ZERO_IS_DEFAULT.has(key);
      cal[key][r] = ok && !zero ? v : PPK2_DEFAULT_CAL[key][r];
      if (!ok) defaulted.push(`${key}${r}`);
      if (zero) zeroed.push(`${key}${r}`);
    }
  }
  const num = (k: string) => (fields[k] !== undefined && Number.isFinite(Number(fields[k])) ? Number(fields[k]) : null);
  return {
    cal,
    calibrated: fields.Calibrated === undefined ? null : fields.Calibrated !== '0',
    hw: fields.HW ?? null,
    ia: fields.IA ?? null,
    vddMv: num('VDD') ?? num('vdd'),
    defaulted,
    zeroed,
    fields,
  };
}

export interface Ppk2Sample { adc: number; range: number; counter: number; logic: number }

/** Splits one little-endian 32-bit word: bits 0-13 ADC (x4), 14-16 range, 18-23 counter, 24-31 logic port. */
export function decodePpk2Word(word: number): Ppk2Sample {
  return {
    adc: (word & 0x3fff) * 4,
    range: (word >>> 14) & 0x7,
    counter: (word >>> 18) & 0x3f,
    logic: (word >>> 24) & 0xff,
  };
}

/**
 * Current in amperes: x = (adc - O)·mult/R; I = UG·(x·(GS·x + GI) + S·Vdd + I). No spike filter. Ranges 5..7
 * (3 bits on the wire, 5 calibrated ranges) are clamped to 4 as IRNAS's _handle_raw_data does; callers count them.
 */
export function ppk2Current(range: number, adc: number, cal: Ppk2Calibration, vddMv: number): number {
  if (!Number.isInteger(range) || range < 0 || range > 7) {
    throw new RangeError(`PPK2 sample has measurement range ${range}; the field is 3 bits (0..7)`);
  }
  if (range > 4) range = 4;
  const x = (adc - cal.O[range]) * (PPK2_ADC_MULT / cal.R[range]);
  return cal.UG[range] * (x * (cal.GS[range] * x + cal.GI[range]) + cal.S[range] * (vddMv / 1000) + cal.I[range]);
}

/** Reassembles 4-byte words from chunks split anywhere. */
export class Ppk2WordReader {
  private rem = Buffer.alloc(0);

  push(chunk: Buffer, onWord: (word: number) => void): void {
    let buf = chunk;
    if (this.rem.length > 0) {
      buf = Buffer.concat([this.rem, chunk]);
    }
    const whole = buf.length - (buf.length % 4);
    for (let i = 0; i < whole; i += 4) onWord(buf.readUInt32LE(i));
    this.rem = Buffer.from(buf.subarray(whole));
  }

  get pending(): number {
    return this.rem.length;
  }

  reset(): void {
    this.rem = Buffer.alloc(0);
  }
}

/** Bytes of RegulatorSet: opcode, mV high byte, mV low byte. */
export function ppk2RegulatorBytes(vddMv: number): number[] {
  return [PPK2_OP.RegulatorSet, (vddMv >> 8) & 0xff, vddMv & 0xff];
}

/**
 * Nordic's spike filter (pc-nrfconnect-ppk serialDevice.ts getAdcResult; IRNAS get_adc_result is the same):
 * two exponential rolling averages run over every sample (alpha 0.18, and 0.06 for range 4); for `samples` (3)
 * samples from a range switch on, the output is the rolling average instead of the sample, and in range 4 the
 * first two samples after the switch do not even enter the averages. Reset at AverageStart.
 */
export class Ppk2SpikeFilter {
  private avg: number | undefined;
  private avg4: number | undefined;
  private prevRange: number | undefined;
  private afterSpike = 0;
  private consecutive = 0;
  constructor(private readonly alpha = 0.18, private readonly alpha4 = 0.06, private readonly samples = 3) {}

  reset(): void {
    this.avg = undefined; this.avg4 = undefined; this.prevRange = undefined; this.afterSpike = 0; this.consecutive = 0;
  }

  /** The filtered value of `amps` measured on `range` (0..4). */
  next(range: number, amps: number): number {
    const prevAvg = this.avg, prevAvg4 = this.avg4;
    this.avg = this.avg === undefined ? amps : this.alpha * amps + (1 - this.alpha) * this.avg;
    this.avg4 = this.avg4 === undefined ? amps : this.alpha4 * amps + (1 - this.alpha4) * this.avg4;
    if (this.prevRange === undefined) this.prevRange = range;
    let out = amps;
    if (this.prevRange !== range || this.afterSpike > 0) {
      if (this.prevRange !== range) { this.consecutive = 0; this.afterSpike = this.samples; } else this.consecutive++;
      if (range === 4) {
        if (this.consecutive < 2) { this.avg = prevAvg; this.avg4 = prevAvg4; }
        out = this.avg4!;
      } else {
        out = this.avg;
      }
      this.afterSpike--;
    }
    this.prevRange = range;
    return out;
  }
}
