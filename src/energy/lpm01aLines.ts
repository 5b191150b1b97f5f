// lpm01aLines.ts - classifies the LPM01A's ASCII output lines (replies, samples, events, timestamps, device
// messages). Pure functions: the driver (lpm01a.ts) and the tests share them; the simulator has its own encoder.

export type Lpm01aLine =
  | { type: 'ack'; text: string }
  | { type: 'error'; text: string }
  | { type: 'detail'; text: string }
  | { type: 'samples'; amps: number[] }
  | { type: 'event'; n: number; edge: 'ris' | 'fal' }
  | { type: 'timestamp'; ms: number; buffPct: number }
  | { type: 'overcurrent'; text: string }
  | { type: 'voltageConfigured' }
  | { type: 'end' }
  | { type: 'completed' }
  | { type: 'blank' }
  | { type: 'other'; text: string };

const PROMPT = /^PowerShield\s*>\s*/;
const SAMPLE = /^(\d{4})([+-])(\d{2})$/;
// MLPerf Tiny's runner (runner_utils.py _gather_power_results) accepts `TimeStamp:` followed by a space, `>` or
// `<`; we also accept both separators missing or doubled.
const TIMESTAMP = /^TimeStamp:\s*[<>]?\s*(\d+)s\s+(\d+)ms,\s*buff\s+(\d+)%$/i;

/** "6409-07" -> 6.409e-4 (mantissa x 10^±EE, UM2269 ascii_dec); null when the token is not a sample. */
export function decodeAsciiSample(token: string): number | null {
  const m = SAMPLE.exec(token);
  if (!m) return null;
  const exp = Number(m[3]) * (m[2] === '-' ? -1 : 1);
  // Divide by a power of ten rather than multiply by 1e-7: exact decimal values like 1250-05 stay exact.
  return exp < 0 ? Number(m[1]) / 10 ** -exp : Number(m[1]) * 10 ** exp;
}

/**
 * NULs are dropped everywhere: the shield sends `\0` bytes in its stream (e.g. before the sample after a
 * TimeStamp line); MLPerf's serial_device.py drops them in its read loop for the same reason.
 */
export function stripNul(raw: string): string {
  return raw.indexOf('\0') < 0 ? raw : raw.replace(/\0/g, '');
}

export function classifyLpm01aLine(raw: string): Lpm01aLine {
  const line = stripNul(raw).replace(/\r/g, '').replace(PROMPT, '').trim();
  if (line === '') return { type: 'blank' };
  if (/^ack\b/i.test(line)) return { type: 'ack', text: line };
  if (/^error detail\s*:/i.test(line)) return { type: 'detail', text: line.replace(/^error detail\s*:\s*/i, '') };
  // Over-current is reported as a message, not as data (UM2243 §10: protection from 59 mA in dynamic mode;
  // the bin_hexa stream has a dedicated 0xF5 metadata packet). The ascii wording is not documented: any line
  // that says over-current counts.
  if (/over[\s_-]?current/i.test(line)) return { type: 'overcurrent', text: line };
  if (/^error\b/i.test(line)) return { type: 'error', text: line };
  if (/acquisition completed/i.test(line)) return { type: 'completed' };
  if (/voltage configured/i.test(line)) return { type: 'voltageConfigured' };
  if (/^end$/i.test(line)) return { type: 'end' };
  let m = /^event\s+(\d+)\s+(ris|fal)$/i.exec(line);
  if (m) return { type: 'event', n: Number(m[1]), edge: m[2].toLowerCase() as 'ris' | 'fal' };
  m = TIMESTAMP.exec(line);
  if (m) return { type: 'timestamp', ms: Number(m[1]) * 1000 + Number(m[2]), buffPct: Number(m[3]) };
  // A data line holds one or more samples separated by spaces; every token must decode.
  const tokens = line.split(/\s+/);
  const amps = tokens.map(decodeAsciiSample);
  if (amps.every((a) => a !== null)) return { type: 'samples', amps: amps as number[] };
  return { type: 'other', text: line };
}

/**
 * True when an "other" line looks like a damaged sample line: digits and signs only, e.g. "125" (cut) or
 * "33930-08" (two samples run together; the MLPerf README shows such lines from a shield left streaming).
 */
export function looksLikeDamagedSamples(text: string): boolean {
  return /^[\d+\- ]+$/.test(text);
}

/** "1.0.6" -> [1, 0, 6]; null when the text holds no dotted version. */
export function parseLpm01aVersion(text: string): number[] | null {
  const m = /(\d+)\.(\d+)\.(\d+)/.exec(text);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
}

/**
 * The supply voltage in a `volt get` answer, in mV: "3300m", "3.3", "3.30 V", "1800 mV". The reply wording is
 * not documented in the sources we have; any number with an optional unit is read.
 */
export function parseLpm01aVolt(text: string): number | null {
  const m = /(\d+(?:\.\d+)?)\s*(mV|m|V)?\b/i.exec(text.replace(/^.*?\bget\b/i, ''));
  if (!m) return null;
  const v = Number(m[1]);
  const unit = (m[2] ?? '').toLowerCase();
  const mv = unit === 'm' || unit === 'mv' ? v : unit === 'v' || v < 10 ? v * 1000 : v;
  return mv >= 1000 && mv <= 4000 ? Math.round(mv) : null;
}
