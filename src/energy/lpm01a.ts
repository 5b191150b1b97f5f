// lpm01a.ts - X-NUCLEO-LPM01A (STM32 Power shield) driver: host-controlled ASCII protocol at 3,686,400 baud,
// ascii_dec samples (the shield's own per-period energy by default, or current), the measured window marked by
// `event N` lines from the D7 trigger input. Sources: the PowerShield command table and MLPerf Tiny's energy
// runner (mlcommons/tiny benchmark/runner: power_manager_lpm.py, serial_device.py, main.py, runner_utils.py),
// ST UM2243 (hardware ranges), EEMBC energyrunner issue #8 (firmware 1.0.6). Details in docs/energy.md.
import type { Transport } from '../transport';
import type { Lpm01aSpec } from './spec';
import { LPM01A_DYN_MAX_A } from './spec';
import { classifyLpm01aLine, looksLikeDamagedSamples, parseLpm01aVersion, parseLpm01aVolt } from './lpm01aLines';
import type { Lpm01aLine } from './lpm01aLines';
import { findLpm01aWindow } from './lpm01aWindow';
import type { EventMark } from './lpm01aWindow';
import { closeSerial, openSerial, sleep, watchSerial, writeSerial } from './serial';
import type { InstrumentLink } from './serial';
import { formatSI, makeResult } from './types';
import type { EnergyResult, EnergySource, EnergyWindow, MeasureOptions } from './types';
import { counterSeconds, windowCrossCheck } from './crosscheck';
import { loadPowerTable } from './model';
import type { ModelBoard } from './model';
import { ReadlineParser } from '@serialport/parser-readline';

type Reply = Extract<Lpm01aLine, { type: 'ack' | 'error' | 'detail' | 'completed' | 'other' | 'overcurrent' | 'voltageConfigured' }>;

/** Oldest PowerShield firmware we rely on: older ones reject `pwr off` (EEMBC energyrunner issue #8). */
export const LPM01A_MIN_FW = [1, 0, 6];

/**
 * Device latencies, per command (ms). After `volt` the shield self-calibrates: a recorded session shows 1.26 s
 * between the ack and "Voltage configured"; at power-up it self-tests before answering (UM2269 `autotest`,
 * `calib` notes), so the first answer gets a long budget and `stop`+`htc` are retried inside it.
 */
export const LPM01A_LATENCY = {
  ackMs: 1000,             // ordinary commands: ack or error
  voltConfiguredMs: 5000,  // `volt`: ack, then "Voltage configured" after self-calibration
  bootMs: 10000,           // first contact: self-test at power-up, or a shield still streaming
  startMs: 2000,           // `start`: ack (target power-up and trigdelay come first)
  stopMs: 3000,            // `stop`: buffered samples, `end`, summary, then "Acquisition completed"
};

/** "5k" for 5000, "500" for 500: the spelling the `freq` command takes. */
export function lpm01aFreqArg(hz: number): string {
  return hz >= 1000 ? `${hz / 1000}k` : `${hz}`;
}

/** The acquisition mode for an expected peak current: dynamic up to 50 mA (UM2243 §10), static above. */
export function lpm01aAcqMode(spec: Lpm01aSpec, board?: ModelBoard): { mode: 'dyn' | 'stat'; why: string } {
  if (spec.acqmode !== 'auto') return { mode: spec.acqmode, why: `acqmode=${spec.acqmode} given` };
  let expected = spec.expectedA;
  let from = 'current= given';
  if (expected === undefined && board) {
    const row = loadPowerTable()[board.name];
    if (row && row.supplyV && row.supplyV > 0 && !row.nominal) {
      expected = (row.activePowerMw * 1e-3) / (spec.voltMv / 1000);
      from = `power table row ${board.name}: ${row.activePowerMw} mW at ${spec.voltMv / 1000} V`;
    }
  }
  if (expected === undefined) return { mode: 'dyn', why: 'no expected current known: dynamic (100 nA..50 mA)' };
  return expected <= LPM01A_DYN_MAX_A
    ? { mode: 'dyn', why: `expected ${formatSI(expected, 'A')} (${from}) fits dynamic mode (100 nA..50 mA)` }
    : { mode: 'stat', why: `expected ${formatSI(expected, 'A')} (${from}) is above dynamic mode's 50 mA: static mode (up to 200 mA, current steady within 10 %)` };
}

/** The configuration sent after taking control, in order (`volt` waits for its self-calibration). */
export function lpm01aSetupCommands(spec: Lpm01aSpec, mode: 'dyn' | 'stat'): string[] {
  return [
    `volt ${spec.voltMv}m`,
    `freq ${lpm01aFreqArg(spec.freqHz)}`,
    'acqtime 0',                    // infinite: the host stops it after the trigger window
    `acqmode ${mode}`,
    'format ascii_dec',
    `output ${spec.output}`,        // energy: the shield integrates each period itself (MLPerf Tiny's setting)
    'trigsrc sw',                   // acquisition starts at `start`; the window comes from events
    `eventsrc d7 ${spec.edge}`,     // trigger-pin edges become `event N ...` lines in the stream
    'pwr on',
  ];
}

/** One acquisition: every sample's value summed as it arrives, event marks with the running sum, faults. */
class Acquisition {
  total = 0;
  cum = 0;
  events: EventMark[] = [];
  lastDataAt = Date.now();
  firstTs: { ms: number } | null = null;
  timestamps = 0;
  maxBuff = 0;
  fault: Error | null = null;
  completed = false;
  private wake: (() => void) | null = null;
  private rejectFailed!: (e: Error) => void;
  /** Rejects at the first fault, so a silent monitor ends the wait for the board early. */
  readonly failed = new Promise<never>((_, rej) => (this.rejectFailed = rej));
  constructor() { this.failed.catch(() => undefined); }
  changed(): Promise<void> { return new Promise((r) => (this.wake = r)); }
  poke(): void { const w = this.wake; this.wake = null; w?.(); }
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
  private voltReadMv: number | null = null;
  private mode: { mode: 'dyn' | 'stat'; why: string } = { mode: 'dyn', why: '' };
  private version: string | null = null;
  private setupNotes: string[] = [];
  private lastLineAt = Date.now();

  /** The shield speaks ASCII lines ending in '\n'; chunks may end anywhere. */
  private readonly lines = new ReadlineParser({ delimiter: '\n', encoding: 'utf8' });

  private constructor(private readonly spec: Lpm01aSpec, private readonly sp: InstrumentLink, private readonly board?: ModelBoard) {
    this.lines.on('data', (line: string) => this.onLine(line));
    sp.t.onData((chunk) => this.lines.write(chunk));
    watchSerial(sp, this.where(), () => this.closed, (e) => this.acq?.fail(e));
  }

  /**
   * Opens the shield at `spec.port` (device path, pty, tcp://, rfc2217://) at its 3,686,400 baud, or over
   * `transport` when given (a link opened by the caller, e.g. one end of memoryPair()).
   */
  static async open(spec: Lpm01aSpec, board?: ModelBoard, transport?: Transport): Promise<Lpm01aSource> {
    const sp = await openSerial('LPM01A', spec.port, spec.baudRate, transport);
    const src = new Lpm01aSource(spec, sp, board);
    try {
      await src.setup();
    } catch (e) {
      src.closed = true;
      await closeSerial(sp);
      throw e;
    }
    return src;
  }

  describe(): string {
    return `lpm01a ${this.spec.port} (${this.spec.voltMv} mV, ${formatSI(this.spec.freqHz, 'Hz')}, output ${this.spec.output}, acqmode ${this.mode.mode}, trigger D7 ${this.spec.edge})`;
  }

  /** The voltage the shield reported back after setup (mV), or null when it did not answer `volt get`. */
  get voltageReadMv(): number | null { return this.voltReadMv; }

  private where(): string {
    return `LPM01A on ${this.spec.port}`;
  }

  private onLine(raw: string): void {
    this.lastLineAt = Date.now();
    const line = classifyLpm01aLine(raw);
    const acq = this.acq;
    if (acq && !acq.completed) {
      switch (line.type) {
        case 'samples':
          acq.lastDataAt = Date.now();
          for (const a of line.amps) { acq.total++; acq.cum += a; }
          return;
        case 'event':
          acq.lastDataAt = Date.now();
          acq.events.push({ n: line.n, at: acq.total, cum: acq.cum });
          return;
        case 'timestamp': return this.onTimestamp(acq, line.ms, line.buffPct);
        case 'end': acq.lastDataAt = Date.now(); return;
        case 'completed': acq.completed = true; acq.poke(); return;
        case 'overcurrent':
          acq.fail(new Error(`${this.where()} reported over-current during acquisition: "${line.text}"; the target draws more than ${this.mode.mode === 'dyn' ? 'dynamic mode allows (50 mA): give lpm01a current=<peak> or acqmode=stat' : 'static mode allows (200 mA): use ppk2'}; measurement discarded`));
          return;
        case 'error': acq.fail(new Error(`${this.where()} reported during acquisition: ${line.text}`)); break;
        case 'other':
          if (looksLikeDamagedSamples(line.text)) {
            acq.fail(new Error(`${this.where()}: damaged sample line "${line.text}" after ${acq.total} samples: data lost, measurement discarded`));
            return;
          }
          break;
        default: break; // replies (ack of start/stop) go to the reply queue
      }
    }
    if (line.type === 'ack' || line.type === 'error' || line.type === 'detail' || line.type === 'completed'
      || line.type === 'other' || line.type === 'overcurrent' || line.type === 'voltageConfigured') {
      this.replies.push(line);
      const w = this.replyWake;
      this.replyWake = null;
      w?.();
    }
  }

  /**
   * TimeStamp lines carry device time since `start` (one a second on the real shield). The samples received by
   * then must match it: a shortfall means lost data. Counted from the start, so any earlier loss shows too.
   */
  private onTimestamp(acq: Acquisition, ms: number, buffPct: number): void {
    acq.lastDataAt = Date.now();
    acq.timestamps++;
    acq.maxBuff = Math.max(acq.maxBuff, buffPct);
    const expected = (ms * this.spec.freqHz) / 1000;
    if (Math.abs(acq.total - expected) > 1 + 1e-4 * expected) {
      acq.fail(new Error(
        `${this.where()}: lost samples: ${acq.total} samples by TimeStamp ${ms / 1000} s, expected ${expected} at ${formatSI(this.spec.freqHz, 'Hz')}; measurement discarded`));
    }
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

  /**
   * Sends one command and waits for `ack <cmd>`; `error ...` (+ `Error detail: ...`) and over-current messages
   * reject naming the command. Lines before the ack (banner, stray samples, replies to other commands) are
   * skipped, as MLPerf's _read_response does. Returns the ack text.
   */
  async command(cmd: string, timeoutMs = Math.max(this.spec.timeoutMs, LPM01A_LATENCY.ackMs)): Promise<string> {
    this.replies = [];
    this.lastCommand = cmd;
    await writeSerial(this.sp, `${cmd}\n`, this.where());
    const word = cmd.split(' ')[0];
    for (;;) {
      const r = await this.nextReply(timeoutMs, `'${cmd}'`);
      if (r.type === 'ack' && r.text.split(/\s+/)[1] === word) return r.text;
      if (r.type === 'overcurrent') throw new Error(`${this.where()} reported over-current after '${cmd}': "${r.text}"`);
      // Like MLPerf's _read_response, an ack or error counts only when it names the command: a late
      // "error stop" from the takeover must not fail the 'htc' after it.
      if (r.type === 'error' && r.text.split(/\s+/).includes(word)) {
        let detail = '';
        try {
          const d = await this.nextReply(200, `'${cmd}' (error detail)`);
          if (d.type === 'detail') detail = ` (${d.text})`;
        } catch { /* no detail line: the error line says it all */ }
        throw new Error(`${this.where()} rejected '${cmd}': ${r.text}${detail}`);
      }
    }
  }

  /** Waits for a reply of `type` (other lines skipped); null after `ms`. */
  private async waitFor(type: Reply['type'], ms: number): Promise<Reply | null> {
    const deadline = Date.now() + ms;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) return null;
      try {
        const r = await this.nextReply(left, type);
        if (r.type === type) return r;
        if (r.type === 'overcurrent') throw new Error(`${this.where()} reported over-current after '${this.lastCommand}': "${r.text}"`);
      } catch (e) {
        if (/over-current/.test((e as Error).message)) throw e;
        return null;
      }
    }
  }

  /** Waits until no line has arrived for `quietMs` (at most `maxMs`). */
  private async quiet(quietMs: number, maxMs: number): Promise<void> {
    const end = Date.now() + maxMs;
    this.lastLineAt = Date.now();
    while (Date.now() - this.lastLineAt < quietMs && Date.now() < end) await sleep(quietMs / 3);
  }

  /**
   * Takes control from any state: a shield left streaming by a crashed run (its samples bury the ack), one still
   * self-testing after power-up, one in standalone mode. `stop`, let the stream drain, `htc`; retried until
   * the boot budget is spent, as the reference clients retry ("run the runner again", MLPerf README).
   */
  private async takeControl(): Promise<void> {
    const deadline = Date.now() + Math.max(LPM01A_LATENCY.bootMs, this.spec.timeoutMs);
    let tries = 0;
    let last: Error | null = null;
    while (Date.now() < deadline) {
      tries++;
      this.lastCommand = 'stop';
      await writeSerial(this.sp, 'stop\n', this.where());
      await this.quiet(150, 2000);
      try {
        await this.command('htc', Math.min(Math.max(this.spec.timeoutMs, LPM01A_LATENCY.ackMs), Math.max(deadline - Date.now(), 10)));
        if (tries > 1) this.setupNotes.push(`took control after ${tries} attempts (stop + htc)`);
        return;
      } catch (e) {
        last = e as Error;
        if (/rejected/.test(last.message)) throw last;
      }
    }
    throw new Error(`${this.where()}: no answer to 'htc' within ${Math.max(LPM01A_LATENCY.bootMs, this.spec.timeoutMs)} ms after ${tries} attempts of 'stop' + 'htc' (last: ${last?.message ?? 'none'}); is this the LPM01A's port, at ${this.spec.baudRate} baud?`);
  }

  private async setup(): Promise<void> {
    await this.takeControl();
    const v = await this.command('version');
    let vtext = v.replace(/^ack\s+version\s*/i, '');
    if (!parseLpm01aVersion(vtext)) {
      const more = await this.waitFor('other', 300);
      if (more && more.type === 'other') vtext = more.text;
    }
    const ver = parseLpm01aVersion(vtext);
    this.version = ver ? ver.join('.') : null;
    if (ver && (ver[0] - LPM01A_MIN_FW[0] || ver[1] - LPM01A_MIN_FW[1] || ver[2] - LPM01A_MIN_FW[2]) < 0) {
      throw new Error(`${this.where()}: PowerShield firmware ${ver.join('.')} is older than ${LPM01A_MIN_FW.join('.')}, the oldest this driver supports (older firmware rejects 'pwr off'; EEMBC energyrunner issue #8); update it with ST's STM32CubeProgrammer`);
    }
    if (!ver) this.setupNotes.push(`firmware version not recognised in "${vtext}"; ${LPM01A_MIN_FW.join('.')} or later is required`);
    this.mode = lpm01aAcqMode(this.spec, this.board);
    for (const c of lpm01aSetupCommands(this.spec, this.mode.mode)) {
      if (c.startsWith('volt ')) {
        await this.command(c);
        const done = await this.waitFor('voltageConfigured', LPM01A_LATENCY.voltConfiguredMs);
        if (!done) this.setupNotes.push(`no "Voltage configured" within ${LPM01A_LATENCY.voltConfiguredMs} ms after '${c}' (self-calibration)`);
      } else {
        await this.command(c);
      }
    }
    await this.readVoltage();
  }

  /** `volt get`: the supply the shield actually set; current-mode energy uses it (MLPerf assumes the set value). */
  private async readVoltage(): Promise<void> {
    let text: string;
    try {
      text = (await this.command('volt get')).replace(/^ack\s+volt\s+get\s*/i, '');
    } catch (e) {
      this.setupNotes.push(`'volt get' failed (${(e as Error).message}); energy uses the set ${this.spec.voltMv} mV`);
      return;
    }
    let mv = parseLpm01aVolt(text);
    if (mv === null) {
      const more = await this.waitFor('other', 300);
      if (more && more.type === 'other') mv = parseLpm01aVolt(more.text);
    }
    this.voltReadMv = mv;
    if (mv === null) this.setupNotes.push(`no voltage in the answer to 'volt get'; energy uses the set ${this.spec.voltMv} mV`);
    else if (Math.abs(mv - this.spec.voltMv) > 20) this.setupNotes.push(`shield reports ${mv} mV after 'volt ${this.spec.voltMv}m'`);
  }

  async measure(window: EnergyWindow, opts: MeasureOptions = {}): Promise<EnergyResult> {
    if (this.acq) throw new Error(`${this.where()}: a measurement is already running on this source`);
    const acq = new Acquisition();
    this.acq = acq;
    const silenceMs = Math.max(this.spec.timeoutMs, 3000 / this.spec.freqHz);
    const watchdog = setInterval(() => {
      if (Date.now() - acq.lastDataAt > silenceMs) {
        acq.fail(new Error(`${this.where()}: data stopped for more than ${silenceMs} ms during acquisition (last command '${this.lastCommand}', ${acq.total} samples received)`));
      }
    }, 20);
    let stopSent = false;
    try {
      await this.command('start', Math.max(this.spec.timeoutMs, LPM01A_LATENCY.startMs));
      const t0 = Date.now();
      acq.lastDataAt = t0;
      const running = window();
      running.catch(() => undefined); // if the monitor fails first, the board's outcome no longer matters
      const report = await Promise.race([running, acq.failed]);
      // The board's closing edge was sampled before it answered; three sample periods (>= 10 ms) let the
      // shield put the event line out before `stop`.
      await Promise.race([sleep(Math.max(10, 3000 / this.spec.freqHz)), acq.failed]);
      const t1 = Date.now();
      stopSent = true;
      await this.stop(acq);
      if (acq.fault) throw acq.fault;
      const minS = counterSeconds(report, report.repeat, this.board);
      const minSamples = minS === null ? null : minS * this.spec.freqHz;
      let found;
      try {
        found = findLpm01aWindow(acq.events, minSamples, this.spec.edge, Math.ceil(0.01 * this.spec.freqHz) + 2);
      } catch (e) {
        this.checkCount(acq, t1 - t0); // lost samples explain a missing window best
        throw new Error(`${this.where()}: ${(e as Error).message} (${acq.total} samples)`);
      }
      // The board's counter first: exact, and about the window itself. The host clock is only a lower
      // bound, which a slow host can push past a loss the counter would name.
      if (minSamples !== null && found.count + 2 < minSamples) {
        throw new Error(`${this.where()}: lost samples: the trigger window holds ${found.count} samples but the board's counter says its runs took ${formatSI(minS!, 's')} = ${Math.ceil(minSamples)} samples at ${formatSI(this.spec.freqHz, 'Hz')}; measurement discarded`);
      }
      this.checkCount(acq, t1 - t0);
      if (found.count === 0) {
        throw new Error(`${this.where()}: the trigger window held no samples (shorter than one ${formatSI(1 / this.spec.freqHz, 's')} sample period); raise repeat`);
      }
      return this.result(acq, found, report, opts.macs);
    } catch (e) {
      if (!stopSent || !acq.completed) await this.stop(acq).catch(() => undefined);
      throw e;
    } finally {
      clearInterval(watchdog);
      this.acq = null;
    }
  }

  /**
   * Loss check that needs no TimeStamp line (the shield sends one a second): the shield sampled for at least
   * the host time between the ack of `start` and sending `stop`, and `stop` flushes everything sampled.
   */
  private checkCount(acq: Acquisition, hostMs: number): void {
    const atLeast = (hostMs / 1000) * this.spec.freqHz;
    if (acq.total + 2 + 0.01 * atLeast < atLeast) {
      throw new Error(`${this.where()}: lost samples: ${acq.total} samples in an acquisition of at least ${hostMs} ms (host clock) = ${Math.floor(atLeast)} samples at ${formatSI(this.spec.freqHz, 'Hz')}; measurement discarded`);
    }
  }

  /** `stop` is answered by `Acquisition completed` (after any buffered samples, `end` and the summary). */
  private async stop(acq: Acquisition): Promise<void> {
    this.lastCommand = 'stop';
    this.replies = [];
    await writeSerial(this.sp, 'stop\n', this.where());
    const ms = Math.max(this.spec.timeoutMs, LPM01A_LATENCY.stopMs);
    const deadline = Date.now() + ms;
    while (!acq.completed) {
      if (Date.now() > deadline) {
        throw new Error(`${this.where()}: no 'Acquisition completed' within ${ms} ms after 'stop' (last command 'stop')`);
      }
      await Promise.race([acq.changed(), sleep(20)]);
    }
  }

  private result(acq: Acquisition, w: ReturnType<typeof findLpm01aWindow>, report: { counter: number; counterUnit: string; repeat: number; counterKind?: string }, macs?: number): EnergyResult {
    const dt = 1 / this.spec.freqHz;
    const vMv = this.voltReadMv ?? this.spec.voltMv;
    const v = vMv / 1000;
    const windowS = w.count * dt;
    const energyJ = this.spec.output === 'energy' ? w.sum : w.sum * dt * v;
    const idleCount = acq.total - w.count;
    const idle = acq.cum - w.sum;
    const vWhy = this.voltReadMv === null ? `${v} V as set (not read back)` : `${v} V read back with 'volt get'`;
    const notes = [
      this.spec.output === 'energy'
        ? `output energy: summed the shield's own ${w.count} per-period energies (${formatSI(dt, 's')} each) between events ${w.first.n} and ${w.last.n}`
        : `output current: integrated ${w.count} current samples x ${formatSI(dt, 's')} x ${vWhy} between events ${w.first.n} and ${w.last.n}`,
      `acqmode ${this.mode.mode}: ${this.mode.why}`,
      `edge uncertainty: +-1 sample at each end (${formatSI(dt, 's')})`,
      ...w.notes,
      ...this.setupNotes,
    ];
    if (this.version) notes.push(`PowerShield firmware ${this.version}`);
    if (idleCount > 0) {
      const idleW = this.spec.output === 'energy' ? idle / (idleCount * dt) : (idle / idleCount) * v;
      notes.push(`outside the window: ${formatSI(idleW, 'W')} average over ${idleCount} samples`);
    }
    if (acq.maxBuff >= 50) notes.push(`device transmit buffer reached ${acq.maxBuff}%: lower freq if samples get lost`);
    const cc = windowCrossCheck(windowS, report, report.repeat, this.board);
    if (cc) notes.push(cc);
    return makeResult({ source: this.describe(), energyJ, windowS, samples: w.count, repeat: report.repeat, macs, estimate: false, notes });
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
