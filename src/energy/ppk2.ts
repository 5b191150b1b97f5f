// ppk2.ts - Nordic Power Profiler Kit II driver: binary opcodes, calibration from GetMetadata, 100 kS/s sample
// words decoded in a worker thread (ppk2Worker.ts); the measured window is marked on a logic-port bit wired to
// the board's trigger GPIO. Sources: Nordic pc-nrfconnect-ppk (src/device/serialDevice.ts, constants.ts,
// doc/docs/troubleshooting.md) and IRNAS ppk2-api-python (src/ppk2_api/ppk2_api.py); details in docs/energy.md.
import type { Transport } from '../transport';
import type { Ppk2Spec } from './spec';
import { PPK2_OP, PPK2_SAMPLE_HZ, parsePpk2Metadata, ppk2RegulatorBytes } from './ppk2Decode';
import type { Ppk2Metadata } from './ppk2Decode';
import { Ppk2Decoder } from './ppk2Decoder';
import type { Ppk2Summary } from './ppk2Stream';
import { closeSerial, openSerial, sleep, watchSerial, writeSerial } from './serial';
import type { InstrumentLink } from './serial';
import { formatSI, makeResult } from './types';
import type { CloseOptions, EnergyResult, EnergySource, EnergyWindow, MeasureOptions } from './types';
import { counterSeconds, windowCrossCheck } from './crosscheck';
import type { ModelBoard } from './model';

const OP_NAME: Record<number, string> = {
  [PPK2_OP.AverageStart]: 'AverageStart (0x06)', [PPK2_OP.AverageStop]: 'AverageStop (0x07)',
  [PPK2_OP.DeviceRunningSet]: 'DeviceRunningSet (0x0C)', [PPK2_OP.RegulatorSet]: 'RegulatorSet (0x0D)',
  [PPK2_OP.SetPowerMode]: 'SetPowerMode (0x11)', [PPK2_OP.GetMetadata]: 'GetMetadata (0x19)', [PPK2_OP.Reset]: 'Reset (0x20)',
};

/** One acquisition as the main thread sees it: bytes in, the worker's latest summary, the first fault. */
class Acquisition {
  bytes = 0;
  phase: Ppk2Summary['phase'] = 'before';
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
  private closing = false;
  private busy = false;
  private poweredTarget = false;
  private readonly decoder: Ppk2Decoder;

  private constructor(private readonly spec: Ppk2Spec, private readonly sp: InstrumentLink, private readonly board?: ModelBoard) {
    sp.t.onData((chunk) => this.onData(chunk));
    watchSerial(sp, this.where(), () => this.closing, (e) => this.acq?.fail(e));
    this.decoder = new Ppk2Decoder(
      (sum) => this.onChanged(sum),
      (e) => this.acq?.fail(new Error(`${this.where()}: ${e.message}`)),
    );
  }

  /**
   * Opens the PPK2 at `spec.port` (device path, pty, tcp://, rfc2217://; USB CDC ignores the line rate), or
   * over `transport` when given (a link opened by the caller, e.g. one end of memoryPair()).
   */
  static async open(spec: Ppk2Spec, board?: ModelBoard, transport?: Transport): Promise<Ppk2Source> {
    const sp = await openSerial('PPK2', spec.port, 115200, transport);
    const src = new Ppk2Source(spec, sp, board);
    try {
      await src.setup();
    } catch (e) {
      await src.close();
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
      acq.bytes += chunk.length;
      if (!acq.fault && acq.phase !== 'after') this.decoder.data(chunk);
      return;
    }
    if (this.textWake) {
      this.text += chunk.toString('latin1');
      const w = this.textWake;
      this.textWake = null;
      w();
    }
  }

  /** The worker saw the window open or close, or a fault. */
  private onChanged(sum: Ppk2Summary): void {
    const acq = this.acq;
    if (!acq) return;
    acq.phase = sum.phase;
    if (sum.fault) acq.fail(new Error(`${this.where()}: ${sum.fault}`));
    acq.poke();
  }

  private async setup(): Promise<void> {
    await this.decoder.ready();
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
    this.poweredTarget = this.spec.mode === 'source'; // ampere mode: the board has its own supply
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
      // Samples still in flight from an earlier acquisition would splice into this one: wait until they stop
      // (the link reads continuously, so nothing stays behind in the OS; bytes while no acquisition runs are dropped).
      await this.quiet(50, 1000);
      this.decoder.start({ cal: this.meta.cal, vddMv: this.spec.vddMv, bit: this.spec.bit, pulses: this.spec.trig === 'pulses', spikeFilter: this.spec.spikeFilter });
      this.acq = acq;
      await this.send([PPK2_OP.AverageStart]);
      acq.lastDataAt = Date.now();
      watchdog = setInterval(() => {
        if (Date.now() - acq.lastDataAt > this.spec.timeoutMs) {
          acq.fail(new Error(`${this.where()}: no samples for more than ${this.spec.timeoutMs} ms (last command ${this.lastCommand}, ${Math.floor(acq.bytes / 4)} samples received)`));
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
      const sum = await this.decoder.finish();
      if (sum.fault) throw new Error(`${this.where()}: ${sum.fault}`);
      if (sum.phase !== 'after') {
        const d = `trigger D${this.spec.bit}`;
        const pulses = this.spec.trig === 'pulses';
        throw new Error(sum.phase === 'before'
          ? `${this.where()}: ${d} ${pulses ? 'gave no start pulse' : 'never went high'} within ${settleMs} ms after the board finished (${sum.total} samples); check the wire from the board's trigger GPIO to the logic port`
          : `${this.where()}: ${d} ${pulses ? 'gave a start pulse but no end pulse' : 'went high but did not fall'} within ${settleMs} ms after the board finished`);
      }
      this.checkLoss(sum, report);
      if (sum.winCount === 0) {
        throw new Error(`${this.where()}: the trigger window held no samples (shorter than 10 µs); raise repeat`);
      }
      return this.result(sum, report, opts.macs);
    } finally {
      clearInterval(watchdog);
      this.acq = null;
      await this.send([PPK2_OP.AverageStop]).catch(() => undefined);
      await this.quiet(50, 1000);
      this.busy = false;
    }
  }

  /**
   * Real losses end the measurement; gaps of a few samples do not (Nordic's troubleshooting notes: "an
   * occasional gap that lasts a few microseconds probably does not effect the accuracy"). The rolling counter
   * cannot see a loss of a multiple of 64 samples, so the window is also held against the board's own counter:
   * the window can be longer (loop and GPIO overhead), never shorter.
   */
  private checkLoss(sum: Ppk2Summary, report: { counter: number; repeat: number; counterKind?: string }): void {
    const allowed = Math.round(this.spec.maxLossS * PPK2_SAMPLE_HZ);
    if (sum.lostInWindow > allowed) {
      const list = sum.gaps.slice(0, 5).map((g) => `${g.missing} at sample ${g.at}`).join(', ');
      throw new Error(`${this.where()}: lost samples: ${sum.lostInWindow} samples (${formatSI(sum.lostInWindow / PPK2_SAMPLE_HZ, 's')}) missing inside the window, more than maxloss ${formatSI(this.spec.maxLossS, 's')} (gaps: ${list}); the host or USB link dropped data (Nordic: avoid hubs, try another USB port or cable); measurement discarded`);
    }
    const minS = counterSeconds(report, report.repeat, this.board);
    if (minS !== null && sum.winCount + 2 < minS * PPK2_SAMPLE_HZ) {
      throw new Error(`${this.where()}: lost samples: the trigger window holds ${sum.winCount} samples but the board's counter says its runs took ${formatSI(minS, 's')} = ${Math.ceil(minS * PPK2_SAMPLE_HZ)} samples (a loss of a multiple of 64 samples escapes the rolling counter); measurement discarded`);
    }
  }

  private result(sum: Ppk2Summary, report: { counter: number; counterUnit: string; repeat: number; counterKind?: string }, macs?: number): EnergyResult {
    const dt = 1 / PPK2_SAMPLE_HZ;
    const v = this.spec.vddMv / 1000;
    const windowS = sum.winCount * dt;
    const notes = [
      this.spec.trig === 'pulses'
        ? `integrated ${sum.winCount} current samples x 10 µs x ${v} V between two falling edges of logic D${this.spec.bit}`
        : `integrated ${sum.winCount} current samples x 10 µs x ${v} V while logic D${this.spec.bit} was high`,
      'edge uncertainty: +-1 sample (10 µs) at each end',
      this.spec.spikeFilter
        ? `spike filter on (Nordic's: rolling average over 3 samples after each range switch): ${sum.filtered} samples replaced`
        : 'spike filter off: raw samples after range switches',
    ];
    let estimate = false;
    if (this.meta.defaulted.length > 0) {
      estimate = true;
      notes.push(`calibration keys missing from metadata, nominal defaults used: ${this.meta.defaulted.join(', ')}`);
    }
    if (this.meta.zeroed.length > 0) notes.push(`calibration gains stored as 0 read as 1 (uncalibrated), as Nordic's app does: ${this.meta.zeroed.join(', ')}`);
    if (sum.gaps.length > 0) {
      notes.push(`rolling-counter gaps: ${sum.gaps.length} (${sum.lostTotal} samples lost, ${sum.lostInWindow} inside the window, filled from their neighbours): ${sum.gaps.slice(0, 5).map((g) => `${g.missing} at sample ${g.at}`).join(', ')}`);
    }
    if (sum.glitches > 0) notes.push(`${sum.glitches} samples with a wrong rolling counter between in-sequence ones: kept (counter glitch, not a loss)`);
    if (sum.clamped > 0) notes.push(`${sum.clamped} samples reported range 5..7: read as range 4 (as IRNAS ppk2-api does)`);
    if (this.spec.mode === 'ampere') notes.push(`ampere meter: power uses the declared DUT voltage ${v} V`);
    if (sum.idleCount > 0) notes.push(`outside the window: ${formatSI((sum.idleSum / sum.idleCount) * v, 'W')} average over ${sum.idleCount} samples`);
    const cc = windowCrossCheck(windowS, report, report.repeat, this.board);
    if (cc) notes.push(cc);
    return makeResult({ source: this.describe(), energyJ: sum.winSum * dt * v, windowS, samples: sum.winCount, repeat: report.repeat, macs, estimate, notes });
  }

  /**
   * Leaves the PPK2 as found: sampling stopped and, when tinyhil switched the target's supply on, switched off
   * again (DeviceRunningSet 0, IRNAS toggle_DUT_power("OFF")), so a board is not left powered by a dead session.
   */
  async close(opts: CloseOptions = {}): Promise<void> {
    if (this.closing) return;
    if (this.sp.isOpen) {
      await this.send([PPK2_OP.AverageStop]).catch(() => undefined);
      if (this.poweredTarget && !opts.keepPower) await this.send([PPK2_OP.DeviceRunningSet, 0]).catch(() => undefined);
    }
    this.closing = true;
    this.decoder.close();
    await closeSerial(this.sp);
  }
}
