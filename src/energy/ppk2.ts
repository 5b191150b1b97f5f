// ppk2.ts - Nordic Power Profiler Kit II driver: binary opcodes, calibration from GetMetadata, 100 kS/s sample
// words; the measured window is where the logic-port bit wired to the board's trigger GPIO is high.
import type { SerialPort } from 'serialport';
import type { Ppk2Spec } from './spec';
import { PPK2_OP, PPK2_SAMPLE_HZ, Ppk2WordReader, decodePpk2Word, parsePpk2Metadata, ppk2Current, ppk2RegulatorBytes } from './ppk2Decode';
import type { Ppk2Metadata } from './ppk2Decode';
import { closeSerial, flushSerial, openSerial, sleep, watchSerial, writeSerial } from './serial';
import { formatSI, makeResult } from './types';
import type { EnergyResult, EnergySource, EnergyWindow, MeasureOptions } from './types';
import { windowCrossCheck } from './crosscheck';
import type { ModelBoard } from './model';

const OP_NAME: Record<number, string> = {
  [PPK2_OP.AverageStart]: 'AverageStart (0x06)', [PPK2_OP.AverageStop]: 'AverageStop (0x07)',
  [PPK2_OP.DeviceRunningSet]: 'DeviceRunningSet (0x0C)', [PPK2_OP.RegulatorSet]: 'RegulatorSet (0x0D)',
  [PPK2_OP.SetPowerMode]: 'SetPowerMode (0x11)', [PPK2_OP.GetMetadata]: 'GetMetadata (0x19)',
};

/** One acquisition's running state. */
class Acquisition {
  reader = new Ppk2WordReader();
  total = 0;
  expected: number | null = null;
  prevHigh = false;
  phase: 'before' | 'inside' | 'after' = 'before';
  winSum = 0; winCount = 0;
  idleSum = 0; idleCount = 0;
  lastDataAt = Date.now();
  fault: Error | null = null;
  private wake: (() => void) | null = null;
  private rejectFailed!: (e: Error) => void;
  /** Rejects at the first fault, so a silent or lossy monitor ends the wait for the board early. */
  readonly failed = new Promise<never>((_, rej) => (this.rejectFailed = rej));
  constructor() { this.failed.catch(() => undefined); }
  changed(): Promise<void> { return new Promise((r) => (this.wake = r)); }
  poke(): void { const w = this.wake; this.wake = null; w?.(); }
  fail(e: Error): void { if (!this.fault) { this.fault = e; this.rejectFailed(e); } this.poke(); }
}

export class Ppk2Source implements EnergySource {
  readonly kind = 'ppk2' as const;
  private meta!: Ppk2Metadata;
  private lastCommand = '(none)';
  private text = '';               // metadata text while waiting for END
  private textWake: (() => void) | null = null;
  private acq: Acquisition | null = null;
  private lastByteAt = Date.now();
  private readonly mask: number;
  private closing = false;
  private busy = false;

  private constructor(private readonly spec: Ppk2Spec, private readonly sp: SerialPort, private readonly board?: ModelBoard) {
    this.mask = 1 << spec.bit;
    sp.on('data', (chunk: Buffer) => this.onData(chunk));
    watchSerial(sp, this.where(), () => this.closing, (e) => this.acq?.fail(e));
  }

  static async open(spec: Ppk2Spec, board?: ModelBoard): Promise<Ppk2Source> {
    const sp = await openSerial('PPK2', spec.port, 115200);
    const src = new Ppk2Source(spec, sp, board);
    try {
      await src.setup();
    } catch (e) {
      await closeSerial(sp);
      throw e;
    }
    return src;
  }

  get metadata(): Ppk2Metadata {
    return this.meta;
  }

  describe(): string {
    return `ppk2 ${this.spec.port} (${this.spec.mode === 'source' ? 'source meter' : 'ampere meter'} ${this.spec.vddMv} mV, trigger D${this.spec.bit}${this.spec.trig === 'pulses' ? ' pulses' : ''})`;
  }

  private where(): string {
    return `PPK2 on ${this.spec.port}`;
  }

  private async send(bytes: number[]): Promise<void> {
    this.lastCommand = OP_NAME[bytes[0]] ?? `0x${bytes[0].toString(16)}`;
    await writeSerial(this.sp, Buffer.from(bytes), this.where());
  }

  private onData(chunk: Buffer): void {
    this.lastByteAt = Date.now();
    const acq = this.acq;
    if (acq) {
      acq.lastDataAt = this.lastByteAt;
      if (!acq.fault && acq.phase !== 'after') {
        try {
          acq.reader.push(chunk, (w) => this.onWord(acq, w));
        } catch (e) {
          acq.fail(e as Error);
        }
      }
      return;
    }
    if (this.textWake) {
      this.text += chunk.toString('latin1');
      const w = this.textWake;
      this.textWake = null;
      w();
    }
  }

  private onWord(acq: Acquisition, word: number): void {
    if (acq.fault || acq.phase === 'after') return;
    const s = decodePpk2Word(word);
    if (acq.expected !== null && s.counter !== acq.expected) {
      const missing = (s.counter - acq.expected) & 0x3f;
      throw new Error(
        `${this.where()}: lost samples: rolling counter jumped from ${(acq.expected - 1) & 0x3f} to ${s.counter} after ${acq.total} samples ` +
        `(${missing} missing, or that plus a multiple of 64); the host or USB link dropped data; measurement discarded`);
    }
    acq.expected = (s.counter + 1) & 0x3f;
    const high = (s.logic & this.mask) !== 0;
    const pulses = this.spec.trig === 'pulses';
    if (acq.total === 0 && high !== pulses) {
      throw new Error(pulses
        ? `${this.where()}: trigger D${this.spec.bit} was low when sampling started; trig=pulses needs it idle high`
        : `${this.where()}: trigger D${this.spec.bit} was already high when sampling started; the board must hold it low outside its runs`);
    }
    const falling = acq.prevHigh && !high;
    acq.prevHigh = high;
    acq.total++;
    let amps: number;
    try {
      amps = ppk2Current(s.range, s.adc, this.meta.cal, this.spec.vddMv);
    } catch (e) {
      throw new Error(`${this.where()}: sample ${acq.total}: ${(e as Error).message}`);
    }
    // level: the window is the high level. pulses: from the first falling edge to the next one (MLPerf style).
    const opens = pulses ? falling : high;
    const closes = pulses ? falling : !high;
    if (acq.phase === 'inside' && closes) { acq.phase = 'after'; acq.poke(); return; }
    if (acq.phase === 'before' && opens) acq.phase = 'inside';
    if (acq.phase === 'inside') { acq.winSum += amps; acq.winCount++; } else { acq.idleSum += amps; acq.idleCount++; }
  }

  private async setup(): Promise<void> {
    // A device left streaming by an earlier session would bury the metadata in samples: stop it first.
    await this.send([PPK2_OP.AverageStop]);
    await this.quiet(30, 500);
    this.text = '';
    this.textWake = () => undefined;
    await this.send([PPK2_OP.GetMetadata]);
    const deadline = Date.now() + this.spec.timeoutMs;
    while (!this.text.includes('END')) {
      const left = deadline - Date.now();
      if (left <= 0) {
        this.textWake = null;
        throw new Error(`${this.where()}: no metadata (text ending END) within ${this.spec.timeoutMs} ms after GetMetadata (0x19); is this a PPK2? (received ${this.text.length} bytes)`);
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.textWake = () => { clearTimeout(t); resolve(); };
      });
    }
    this.textWake = null;
    this.meta = parsePpk2Metadata(this.text);
    await this.send([PPK2_OP.SetPowerMode, this.spec.mode === 'source' ? 2 : 1]);
    await this.send(ppk2RegulatorBytes(this.spec.vddMv));
    await this.send([PPK2_OP.DeviceRunningSet, 1]);
    await sleep(20); // no replies to wait for: give the regulator and DUT switch a moment
  }

  /** Waits until no byte has arrived for `ms` (at most `maxMs`). */
  private async quiet(ms: number, maxMs: number): Promise<void> {
    const end = Date.now() + maxMs;
    this.lastByteAt = Date.now();
    while (Date.now() - this.lastByteAt < ms && Date.now() < end) await sleep(ms / 2);
  }

  async measure(window: EnergyWindow, opts: MeasureOptions = {}): Promise<EnergyResult> {
    if (this.busy) throw new Error(`${this.where()}: a measurement is already running on this source`);
    this.busy = true;
    const acq = new Acquisition();
    const settleMs = opts.settleMs ?? 2000;
    let watchdog: NodeJS.Timeout | undefined;
    try {
      // Samples still in flight from an earlier acquisition would splice into this one: drain them first.
      await this.quiet(50, 1000);
      await flushSerial(this.sp);
      this.acq = acq;
      await this.send([PPK2_OP.AverageStart]);
      acq.lastDataAt = Date.now();
      watchdog = setInterval(() => {
        if (Date.now() - acq.lastDataAt > this.spec.timeoutMs) {
          acq.fail(new Error(`${this.where()}: no samples for more than ${this.spec.timeoutMs} ms (last command ${this.lastCommand}, ${acq.total} samples received)`));
        }
      }, 20);
      const running = window();
      running.catch(() => undefined); // if the monitor fails first, the board's outcome no longer matters
      const report = await Promise.race([running, acq.failed]);
      const deadline = Date.now() + settleMs;
      while (acq.phase !== 'after' && !acq.fault) {
        const left = deadline - Date.now();
        if (left <= 0) break;
        await Promise.race([acq.changed(), sleep(Math.min(left, 50))]);
      }
      if (acq.fault) throw acq.fault;
      if (acq.phase !== 'after') {
        const d = `trigger D${this.spec.bit}`;
        const pulses = this.spec.trig === 'pulses';
        throw new Error(acq.phase === 'before'
          ? `${this.where()}: ${d} ${pulses ? 'gave no start pulse' : 'never went high'} within ${settleMs} ms after the board finished (${acq.total} samples); check the wire from the board's trigger GPIO to the logic port`
          : `${this.where()}: ${d} ${pulses ? 'gave a start pulse but no end pulse' : 'went high but did not fall'} within ${settleMs} ms after the board finished`);
      }
      if (acq.winCount === 0) {
        throw new Error(`${this.where()}: the trigger window held no samples (shorter than 10 µs); raise repeat`);
      }
      return this.result(acq, report, opts.macs);
    } finally {
      clearInterval(watchdog);
      this.acq = null;
      await this.send([PPK2_OP.AverageStop]).catch(() => undefined);
      await this.quiet(50, 1000);
      this.busy = false;
    }
  }

  private result(acq: Acquisition, report: { counter: number; counterUnit: string; repeat: number; counterKind?: string }, macs?: number): EnergyResult {
    const dt = 1 / PPK2_SAMPLE_HZ;
    const v = this.spec.vddMv / 1000;
    const windowS = acq.winCount * dt;
    const notes = [
      this.spec.trig === 'pulses'
        ? `integrated ${acq.winCount} current samples x 10 µs x ${v} V between two falling edges of logic D${this.spec.bit}`
        : `integrated ${acq.winCount} current samples x 10 µs x ${v} V while logic D${this.spec.bit} was high`,
      'edge uncertainty: +-1 sample (10 µs) at each end; no spike filter applied',
    ];
    let estimate = false;
    if (this.meta.defaulted.length > 0) {
      estimate = true;
      notes.push(`calibration keys missing from metadata, nominal defaults used: ${this.meta.defaulted.join(', ')}`);
    }
    if (this.spec.mode === 'ampere') notes.push(`ampere meter: power uses the declared DUT voltage ${v} V`);
    if (acq.idleCount > 0) notes.push(`outside the window: ${formatSI((acq.idleSum / acq.idleCount) * v, 'W')} average over ${acq.idleCount} samples`);
    const cc = windowCrossCheck(windowS, report, report.repeat, this.board);
    if (cc) notes.push(cc);
    return makeResult({ source: this.describe(), energyJ: acq.winSum * dt * v, windowS, samples: acq.winCount, repeat: report.repeat, macs, estimate, notes });
  }

  async close(): Promise<void> {
    this.closing = true;
    await closeSerial(this.sp);
  }
}
