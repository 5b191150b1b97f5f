// lpm01a.ts - X-NUCLEO-LPM01A (STM32 Power shield) driver: host-controlled ASCII protocol at 3,686,400 baud,
// current samples in ascii_dec, the measured window marked by `event N ...` lines from the D7 trigger input.
import { ReadlineParser } from '@serialport/parser-readline';
import type { SerialPort } from 'serialport';
import type { Lpm01aSpec } from './spec';
import { classifyLpm01aLine, looksLikeDamagedSamples } from './lpm01aLines';
import type { Lpm01aLine } from './lpm01aLines';
import { closeSerial, openSerial, watchSerial, writeSerial } from './serial';
import { formatSI, makeResult } from './types';
import type { EnergyResult, EnergySource, EnergyWindow, MeasureOptions } from './types';
import { windowCrossCheck } from './crosscheck';
import type { ModelBoard } from './model';

type Reply = Extract<Lpm01aLine, { type: 'ack' | 'error' | 'detail' | 'completed' | 'other' }>;

/** "5k" for 5000, "500" for 500: the spelling the `freq` command takes. */
export function lpm01aFreqArg(hz: number): string {
  return hz >= 1000 ? `${hz / 1000}k` : `${hz}`;
}

/** The setup sequence sent once after opening, in order. */
export function lpm01aSetupCommands(spec: Lpm01aSpec): string[] {
  return [
    'htc',                          // host takes control
    `volt ${spec.voltMv}m`,
    `freq ${lpm01aFreqArg(spec.freqHz)}`,
    'acqtime 0',                    // infinite: the host stops it after the trigger window
    'format ascii_dec',
    'output current',               // instantaneous current; we integrate x V x dt ourselves
    'trigsrc sw',                   // acquisition starts at `start`; the window comes from events
    `eventsrc d7 ${spec.edge}`,     // trigger-pin edges become `event N ...` lines in the stream
    'pwr on',
  ];
}

/** State of one acquisition: running sums, the window found by event marks, the first fault. */
class Acquisition {
  phase: 'before' | 'inside' | 'after' = 'before';
  events = 0;
  winSum = 0; winCount = 0;
  idleSum = 0; idleCount = 0;
  total = 0;
  lastDataAt = Date.now();
  lastTs: { ms: number; at: number } | null = null;
  maxBuff = 0;
  notes: string[] = [];
  fault: Error | null = null;
  completed = false;
  private wake: (() => void) | null = null;
  private rejectFailed!: (e: Error) => void;
  /** Rejects at the first fault, so a silent monitor ends the wait for the board early. */
  readonly failed = new Promise<never>((_, rej) => (this.rejectFailed = rej));
  constructor() { this.failed.catch(() => undefined); }

  /** Resolves at the next change worth looking at (window closed, fault, completion). */
  changed(): Promise<void> {
    return new Promise((r) => (this.wake = r));
  }
  poke(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }
  fail(err: Error): void {
    if (!this.fault) { this.fault = err; this.rejectFailed(err); }
    this.poke();
  }
}

export class Lpm01aSource implements EnergySource {
  readonly kind = 'lpm01a' as const;
  private replies: Reply[] = [];
  private replyWake: (() => void) | null = null;
  private lastCommand = '(none)';
  private acq: Acquisition | null = null;
  private closed = false;

  private constructor(private readonly spec: Lpm01aSpec, private readonly sp: SerialPort, private readonly board?: ModelBoard) {
    const parser = sp.pipe(new ReadlineParser({ delimiter: '\n' }));
    parser.on('data', (line: string) => this.onLine(line));
    watchSerial(sp, this.where(), () => this.closed, (e) => this.acq?.fail(e));
  }

  static async open(spec: Lpm01aSpec, board?: ModelBoard): Promise<Lpm01aSource> {
    const sp = await openSerial('LPM01A', spec.port, spec.baudRate);
    const src = new Lpm01aSource(spec, sp, board);
    try {
      for (const c of lpm01aSetupCommands(spec)) await src.command(c);
    } catch (e) {
      await closeSerial(sp);
      throw e;
    }
    return src;
  }

  describe(): string {
    return `lpm01a ${this.spec.port} (${this.spec.voltMv} mV, ${formatSI(this.spec.freqHz, 'Hz')}, trigger D7 ${this.spec.edge})`;
  }

  private where(): string {
    return `LPM01A on ${this.spec.port}`;
  }

  private onLine(raw: string): void {
    const line = classifyLpm01aLine(raw);
    const acq = this.acq;
    if (acq && !acq.completed) {
      switch (line.type) {
        case 'samples': return this.onSamples(acq, line.amps);
        case 'event': return this.onEvent(acq);
        case 'timestamp': return this.onTimestamp(acq, line.ms, line.buffPct);
        case 'end': acq.lastDataAt = Date.now(); return;
        case 'completed': acq.completed = true; acq.poke(); break;
        case 'error': acq.fail(new Error(`${this.where()} reported during acquisition: ${line.text}`)); break;
        case 'other':
          if (looksLikeDamagedSamples(line.text)) {
            acq.fail(new Error(`${this.where()}: damaged sample line "${line.text}" after ${acq.total} samples: data lost, measurement discarded`));
            return;
          }
          break;
        default: break;
      }
    }
    if (line.type === 'ack' || line.type === 'error' || line.type === 'detail' || line.type === 'completed' || line.type === 'other') {
      this.replies.push(line);
      const w = this.replyWake;
      this.replyWake = null;
      w?.();
    }
  }

  private onSamples(acq: Acquisition, amps: number[]): void {
    acq.lastDataAt = Date.now();
    for (const a of amps) {
      acq.total++;
      if (acq.phase === 'inside') { acq.winSum += a; acq.winCount++; } else { acq.idleSum += a; acq.idleCount++; }
    }
  }

  private onEvent(acq: Acquisition): void {
    acq.lastDataAt = Date.now();
    acq.events++;
    if (acq.phase === 'before') acq.phase = 'inside';
    else if (acq.phase === 'inside') { acq.phase = 'after'; acq.poke(); }
  }

  /** TimeStamp lines let us count samples against device time: a shortfall means lost data. */
  private onTimestamp(acq: Acquisition, ms: number, buffPct: number): void {
    acq.lastDataAt = Date.now();
    acq.maxBuff = Math.max(acq.maxBuff, buffPct);
    if (acq.lastTs) {
      const expected = ((ms - acq.lastTs.ms) * this.spec.freqHz) / 1000;
      const got = acq.total - acq.lastTs.at;
      if (expected >= 10 && Math.abs(got - expected) > Math.max(1, 0.002 * expected)) {
        acq.fail(new Error(
          `${this.where()}: lost samples: ${got} samples between TimeStamp ${acq.lastTs.ms / 1000} s and ${ms / 1000} s, ` +
          `expected ${expected} at ${formatSI(this.spec.freqHz, 'Hz')}; measurement discarded`));
      }
    }
    acq.lastTs = { ms, at: acq.total };
  }

  private async nextReply(timeoutMs: number, what: string): Promise<Reply> {
    const deadline = Date.now() + timeoutMs;
    while (this.replies.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0 || this.closed) {
        throw new Error(`${this.where()}: no answer within ${timeoutMs} ms to ${what} (last command '${this.lastCommand}'); is this the LPM01A's port, at ${this.spec.baudRate} baud?`);
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.replyWake = () => { clearTimeout(t); resolve(); };
      });
    }
    return this.replies.shift()!;
  }

  /** Sends one command and waits for `ack <cmd>`; `error ...` (+ `Error detail: ...`) rejects naming the command. */
  async command(cmd: string, timeoutMs = this.spec.timeoutMs): Promise<string> {
    this.replies = [];
    this.lastCommand = cmd;
    await writeSerial(this.sp, `${cmd}\n`, this.where());
    const word = cmd.split(' ')[0];
    for (;;) {
      const r = await this.nextReply(timeoutMs, `'${cmd}'`);
      if (r.type === 'ack' && r.text.split(/\s+/)[1] === word) return r.text;
      if (r.type === 'error') {
        let detail = '';
        try {
          const d = await this.nextReply(200, `'${cmd}' (error detail)`);
          if (d.type === 'detail') detail = ` (${d.text})`;
        } catch { /* no detail line: the error line says it all */ }
        throw new Error(`${this.where()} rejected '${cmd}': ${r.text}${detail}`);
      }
      // Anything else (banner, echo, ack of an earlier command) is skipped.
    }
  }

  async measure(window: EnergyWindow, opts: MeasureOptions = {}): Promise<EnergyResult> {
    if (this.acq) throw new Error(`${this.where()}: a measurement is already running on this source`);
    const acq = new Acquisition();
    this.acq = acq;
    const settleMs = opts.settleMs ?? 2000;
    const watchdog = setInterval(() => {
      if (Date.now() - acq.lastDataAt > this.spec.timeoutMs) {
        acq.fail(new Error(`${this.where()}: data stopped for more than ${this.spec.timeoutMs} ms during acquisition (last command '${this.lastCommand}', ${acq.total} samples received)`));
      }
    }, 20);
    try {
      await this.command('start');
      acq.lastDataAt = Date.now();
      const running = window();
      running.catch(() => undefined); // if the monitor fails first, the board's outcome no longer matters
      const report = await Promise.race([running, acq.failed]);
      if (acq.fault) throw acq.fault;
      // The monitor's stream lags the board: wait until it shows the window's closing mark.
      const deadline = Date.now() + settleMs;
      while (acq.phase !== 'after' && !acq.fault) {
        const left = deadline - Date.now();
        if (left <= 0) break;
        await Promise.race([acq.changed(), new Promise((r) => setTimeout(r, Math.min(left, 50)))]);
      }
      if (acq.fault) throw acq.fault;
      if (acq.phase !== 'after') {
        throw new Error(acq.events === 0
          ? `${this.where()}: no trigger event within ${settleMs} ms after the board finished (${acq.total} samples, none marked); check the trigger wire to D7 and 'eventsrc d7 ${this.spec.edge}'`
          : `${this.where()}: trigger window opened but never closed within ${settleMs} ms after the board finished; the board must give a second ${this.spec.edge} edge at the end of its runs`);
      }
      await this.stop(acq);
      if (acq.winCount === 0) {
        throw new Error(`${this.where()}: the trigger window held no samples (shorter than one ${formatSI(1 / this.spec.freqHz, 's')} sample period); raise repeat`);
      }
      return this.result(acq, report.repeat, opts.macs, report);
    } catch (e) {
      if (!acq.completed) await this.stop(acq).catch(() => undefined);
      throw e;
    } finally {
      clearInterval(watchdog);
      this.acq = null;
    }
  }

  /** `stop` is answered by `Acquisition completed` (after any buffered samples and `end`). */
  private async stop(acq: Acquisition): Promise<void> {
    this.lastCommand = 'stop';
    this.replies = [];
    await writeSerial(this.sp, 'stop\n', this.where());
    const deadline = Date.now() + this.spec.timeoutMs;
    while (!acq.completed) {
      if (Date.now() > deadline) {
        throw new Error(`${this.where()}: no 'Acquisition completed' within ${this.spec.timeoutMs} ms after 'stop' (last command 'stop')`);
      }
      await Promise.race([acq.changed(), new Promise((r) => setTimeout(r, 20))]);
    }
  }

  private result(acq: Acquisition, repeat: number, macs: number | undefined, report: { counter: number; counterUnit: string; counterKind?: string }): EnergyResult {
    const dt = 1 / this.spec.freqHz;
    const v = this.spec.voltMv / 1000;
    const windowS = acq.winCount * dt;
    const energyJ = acq.winSum * dt * v;
    const notes = [
      `integrated ${acq.winCount} current samples x ${formatSI(dt, 's')} x ${v} V between trigger events 1 and 2`,
      `edge uncertainty: +-1 sample at each end (${formatSI(dt, 's')})`,
    ];
    if (acq.idleCount > 0) notes.push(`outside the window: ${formatSI((acq.idleSum / acq.idleCount) * v, 'W')} average over ${acq.idleCount} samples`);
    if (acq.events > 2) notes.push(`ignored ${acq.events - 2} trigger events after the window closed`);
    if (acq.maxBuff >= 50) notes.push(`device transmit buffer reached ${acq.maxBuff}%: lower freq if samples get lost`);
    const cc = windowCrossCheck(windowS, report, repeat, this.board);
    if (cc) notes.push(cc);
    return makeResult({ source: this.describe(), energyJ, windowS, samples: acq.winCount, repeat, macs, estimate: false, notes });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.command('hrc', Math.min(this.spec.timeoutMs, 300));
    } catch { /* releasing control is a courtesy; the port closes anyway */ }
    this.closed = true;
    await closeSerial(this.sp);
  }
}
