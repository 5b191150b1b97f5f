// ppk2Stream.ts - one PPK2 acquisition, decoded: 4-byte words from chunks split anywhere, the rolling counter
// checked with Nordic's tolerance, the spike filter, the trigger window and the sums. Pure and synchronous; it
// runs inside the decode worker (ppk2Worker.ts) and directly in tests.
import { Ppk2SpikeFilter, Ppk2WordReader, decodePpk2Word, ppk2Current } from './ppk2Decode';
import type { Ppk2Calibration } from './ppk2Decode';

export interface Ppk2StreamConfig {
  cal: Ppk2Calibration;
  vddMv: number;
  bit: number;
  pulses: boolean;       // MLPerf-style pulses (idle high, a low pulse at each end) instead of a high level
  spikeFilter: boolean;
}

export interface Ppk2Gap { at: number; missing: number }

export interface Ppk2Summary {
  total: number;                       // samples received (not counting filled gaps)
  phase: 'before' | 'inside' | 'after';
  winSum: number; winCount: number;    // amperes summed inside the window (filled gaps included)
  idleSum: number; idleCount: number;
  gaps: Ppk2Gap[];                     // real losses found by the rolling counter, resynchronised
  lostInWindow: number;                // samples filled inside the window
  lostTotal: number;
  glitches: number;                    // samples whose counter was wrong but whose neighbours agreed (kept)
  clamped: number;                     // samples reporting range 5..7, read as range 4
  filtered: number;                    // samples replaced by the spike filter's average
  fault: string | null;
}

interface Sample { counter: number; range: number; adc: number; logic: number }

/**
 * Nordic's app (serialDevice.ts handleRawDataSet) holds samples whose counter is not the expected one; when the
 * expected counter comes back they were counter glitches and count as data, and after more than 4 of them the
 * stream is resynchronised on the new counter and the difference is reported as lost. We do the same, but
 * resynchronise as soon as SUSPECTS samples agree among themselves, and we refuse a stream whose suspects agree
 * with nothing.
 */
const SUSPECTS = 4;

export class Ppk2Stream {
  private reader = new Ppk2WordReader();
  private filter = new Ppk2SpikeFilter();
  private expected: number | null = null;
  private pending: Sample[] = [];
  private prevHigh = false;
  private lastAmps = 0;
  private readonly mask: number;
  readonly s: Ppk2Summary = {
    total: 0, phase: 'before', winSum: 0, winCount: 0, idleSum: 0, idleCount: 0, gaps: [],
    lostInWindow: 0, lostTotal: 0, glitches: 0, clamped: 0, filtered: 0, fault: null,
  };

  constructor(private readonly cfg: Ppk2StreamConfig) {
    this.mask = 1 << cfg.bit;
  }

  /** Feeds bytes; returns true when the phase changed (window opened or closed) or a fault was found. */
  push(chunk: Uint8Array): boolean {
    const before = this.s.phase;
    if (this.s.fault || this.s.phase === 'after') return false;
    try {
      this.reader.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength), (w) => this.onWord(w));
    } catch (e) {
      this.s.fault = (e as Error).message;
    }
    return this.s.phase !== before || this.s.fault !== null;
  }

  private onWord(word: number): void {
    if (this.s.fault || this.s.phase === 'after') return;
    const d = decodePpk2Word(word);
    const smp: Sample = { counter: d.counter, range: d.range, adc: d.adc, logic: d.logic };
    if (this.expected === null || d.counter === this.expected) {
      // Suspects followed by the expected counter were in place: their counter bits were wrong, not lost.
      this.s.glitches += this.pending.length;
      for (const p of this.pending) this.take(p);
      this.pending = [];
      this.expected = (d.counter + 1) & 0x3f;
      this.take(smp);
      return;
    }
    this.pending.push(smp);
    this.expected = (this.expected + 1) & 0x3f;
    if (this.pending.length < SUSPECTS) return;
    // SUSPECTS samples off the expected sequence: a real gap when they count on from a new start, allowing one
    // of them its own counter glitch; otherwise the counter is noise and nothing can be trusted.
    const n = this.pending.length;
    const start = (this.pending[n - 1].counter - (n - 1)) & 0x3f;
    const agree = this.pending.filter((p, i) => p.counter === ((start + i) & 0x3f)).length;
    if (agree < n - 1) {
      throw new Error(`rolling counter unreadable after ${this.s.total} samples (counters ${this.pending.map((p) => p.counter).join(', ')} where ${(this.expected - n) & 0x3f} was expected); measurement discarded`);
    }
    this.s.glitches += n - agree;
    const expectedAtFirst = (this.expected - n) & 0x3f;
    const missing = (start - expectedAtFirst) & 0x3f;
    this.fill(missing, this.pending[0]);
    for (const p of this.pending) this.take(p);
    this.pending = [];
    this.expected = (smp.counter + 1) & 0x3f;
  }

  /** Accounts `missing` lost samples before `next`: filled with the mean of the neighbours, at the window's side. */
  private fill(missing: number, next: Sample): void {
    if (missing === 0) return;
    this.s.gaps.push({ at: this.s.total, missing });
    this.s.lostTotal += missing;
    const nextAmps = ppk2Current(next.range, next.adc, this.cfg.cal, this.cfg.vddMv);
    const amps = (this.lastAmps + nextAmps) / 2;
    if (this.s.phase === 'inside') { this.s.winSum += amps * missing; this.s.winCount += missing; this.s.lostInWindow += missing; } else { this.s.idleSum += amps * missing; this.s.idleCount += missing; }
  }

  private take(p: Sample): void {
    const high = (p.logic & this.mask) !== 0;
    const s = this.s;
    if (s.total === 0 && high !== this.cfg.pulses) {
      throw new Error(this.cfg.pulses
        ? `trigger D${this.cfg.bit} was low when sampling started; trig=pulses needs it idle high`
        : `trigger D${this.cfg.bit} was already high when sampling started; the board must hold it low outside its runs`);
    }
    const falling = this.prevHigh && !high;
    this.prevHigh = high;
    s.total++;
    if (p.range > 4) s.clamped++;
    const raw = ppk2Current(p.range, p.adc, this.cfg.cal, this.cfg.vddMv);
    let amps = raw;
    if (this.cfg.spikeFilter) {
      amps = this.filter.next(Math.min(p.range, 4), raw);
      if (amps !== raw) s.filtered++;
    }
    this.lastAmps = amps;
    // level: the window is the high level. pulses: from the first falling edge to the next one (MLPerf style).
    const opens = this.cfg.pulses ? falling : high;
    const closes = this.cfg.pulses ? falling : !high;
    if (s.phase === 'inside' && closes) { s.phase = 'after'; return; }
    if (s.phase === 'before' && opens) s.phase = 'inside';
    if (s.phase === 'inside') { s.winSum += amps; s.winCount++; } else { s.idleSum += amps; s.idleCount++; }
  }
}
