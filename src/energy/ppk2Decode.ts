// ppk2Decode.ts - Nordic PPK2 wire format: opcodes, the GetMetadata calibration text, 4-byte sample words
// and the current formula of the open drivers (pc-nrfconnect-ppk, IRNAS ppk2-api-python). Pure functions.

export const PPK2_OP = {
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
  /** Keys that were missing or not numbers; the nominal default was used for each. */
  defaulted: string[];
  fields: Record<string, string>;
}

/** The open drivers' defaults for an uncalibrated device. */
export const PPK2_DEFAULT_CAL: Ppk2Calibration = {
  R: [1031.64, 101.65, 10.15, 0.94, 0.043],
  GS: [1, 1, 1, 1, 1], GI: [1, 1, 1, 1, 1], O: [0, 0, 0, 0, 0], S: [0, 0, 0, 0, 0], I: [0, 0, 0, 0, 0], UG: [1, 1, 1, 1, 1],
};

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
  for (const key of Object.keys(cal) as Array<keyof Ppk2Calibration>) {
    for (let r = 0; r < 5; r++) {
      const v = Number(fields[`${key}${r}`]);
      // A zero shunt resistance is a known bad-calibration symptom (IRNAS notes it): treat it as missing.
      const ok = fields[`${key}${r}`] !== undefined && Number.isFinite(v) && !(key === 'R' && v === 0);
      cal[key][r] = ok ? v : PPK2_DEFAULT_CAL[key][r];
      if (!ok) defaulted.push(`${key}${r}`);
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

/** Current in amperes: x = (adc - O)·mult/R; I = UG·(x·(GS·x + GI) + S·Vdd + I). No spike filter. */
export function ppk2Current(range: number, adc: number, cal: Ppk2Calibration, vddMv: number): number {
  if (!Number.isInteger(range) || range < 0 || range > 4) {
    throw new RangeError(`PPK2 sample has measurement range ${range}; valid ranges are 0..4`);
  }
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
