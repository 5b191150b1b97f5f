// lpm01aLines.ts - classifies the LPM01A's ASCII output lines (replies, samples, events, timestamps).
// Pure functions: the driver (lpm01a.ts) and the tests share them; the simulator has its own encoder.

export type Lpm01aLine =
  | { type: 'ack'; text: string }
  | { type: 'error'; text: string }
  | { type: 'detail'; text: string }
  | { type: 'samples'; amps: number[] }
  | { type: 'event'; n: number; edge: 'ris' | 'fal' }
  | { type: 'timestamp'; ms: number; buffPct: number }
  | { type: 'end' }
  | { type: 'completed' }
  | { type: 'blank' }
  | { type: 'other'; text: string };

const PROMPT = /^PowerShield\s*>\s*/;
const SAMPLE = /^(\d{4})([+-])(\d{2})$/;

/** "6409-07" -> 6.409e-4 A (mantissa x 10^±EE); null when the token is not a sample. */
export function decodeAsciiSample(token: string): number | null {
  const m = SAMPLE.exec(token);
  if (!m) return null;
  const exp = Number(m[3]) * (m[2] === '-' ? -1 : 1);
  // Divide by a power of ten rather than multiply by 1e-7: exact decimal values like 1250-05 stay exact.
  return exp < 0 ? Number(m[1]) / 10 ** -exp : Number(m[1]) * 10 ** exp;
}

export function classifyLpm01aLine(raw: string): Lpm01aLine {
  const line = raw.replace(/\r$/, '').replace(PROMPT, '').trim();
  if (line === '') return { type: 'blank' };
  if (/^ack\b/i.test(line)) return { type: 'ack', text: line };
  if (/^error detail\s*:/i.test(line)) return { type: 'detail', text: line.replace(/^error detail\s*:\s*/i, '') };
  if (/^error\b/i.test(line)) return { type: 'error', text: line };
  if (/acquisition completed/i.test(line)) return { type: 'completed' };
  if (/^end$/i.test(line)) return { type: 'end' };
  let m = /^event\s+(\d+)\s+(ris|fal)$/i.exec(line);
  if (m) return { type: 'event', n: Number(m[1]), edge: m[2].toLowerCase() as 'ris' | 'fal' };
  m = /^TimeStamp:\s*(\d+)s\s+(\d+)ms,\s*buff\s+(\d+)%$/i.exec(line);
  if (m) return { type: 'timestamp', ms: Number(m[1]) * 1000 + Number(m[2]), buffPct: Number(m[3]) };
  // A data line holds one or more samples separated by spaces; every token must decode.
  const tokens = line.split(/\s+/);
  const amps = tokens.map(decodeAsciiSample);
  if (amps.every((a) => a !== null)) return { type: 'samples', amps: amps as number[] };
  return { type: 'other', text: line };
}

/** True when an "other" line looks like a damaged sample line (digits and signs only). */
export function looksLikeDamagedSamples(text: string): boolean {
  return /^[\d+\- ]+$/.test(text);
}
