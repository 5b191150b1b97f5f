#!/usr/bin/env node
// ppk2.js - simulator of the Nordic Power Profiler Kit II serial protocol on a serial port/pty, written from the
// device's documented behaviour (pc-nrfconnect-ppk src/constants.ts, src/device/serialDevice.ts,
// doc/docs/troubleshooting.md; IRNAS ppk2-api-python), not from our driver:
//  - opcodes with no replies except GetMetadata (text `key: value` lines ending END), AverageStart/Stop;
//  - 100 kS/s little-endian words: bits 0-13 ADC/4, 14-16 range, 18-23 rolling counter, 24-31 logic port,
//    written in pieces that split words (USB reads do);
//  - the sample ENCODER below inverts the published current formula on its own (solving the quadratic for
//    x, then adc = x·R/mult + O), with auto-ranging on the calibrated ranges: it shares no code with the
//    driver's decoder;
//  - switching transients right after a range change (the reason both references run a spike filter),
//    occasional rolling-counter glitches, and real gaps ("occasional gaps of a few µs", Nordic's notes);
//  - metadata with stored zeros (Nordic falls back to defaults on 0; IRNAS: "wrong calibration values on some
//    PPK2s"), ranges 5..7 on the wire (IRNAS clamps to 4), and a device still streaming when opened.
// Shapes we could not find documented (transient amplitude, glitch pattern) are marked INVENTED. Each quirk is
// switchable (o.quirks); fault modes (o.fault) break the device on purpose.
'use strict';
const { SerialSim } = require('./serialSim');

const RATE = 100000;
const VREF_OVER_COUNTS = 1.8 / 163840; // volts per ADC count after the x4 (both references: adc_mult)
// Calibration of the shape a real PPK2 reports (non-trivial on purpose: a driver that ignores it is caught).
const CAL = {
  R: [1003.3741, 101.5423, 10.3839, 0.9774, 0.0501],
  GS: [0, 112.7549, 18.6065, 2.1839, 0.0779],
  GI: [1, 0.9676, 0.9775, 0.9845, 0.9819],
  O: [112.7234, 75.6868, 65.5578, 57.4352, 84.6557],
  S: [4.8e-8, 5.96e-7, 5.962e-6, 5.9046e-5, 1.332383e-3],
  I: [-4.3e-8, -1.554e-6, 1.4116e-5, -3.3726e-4, -1.041597e-2],
  UG: [1, 1, 1, 1, 1],
};
// What a stored 0 means to the host apps (Nordic: `meta[key] || default`): R, GS, GI, UG fall back.
const FALLBACK = { R: [1031.64, 101.65, 10.15, 0.94, 0.043], GS: [1, 1, 1, 1, 1], GI: [1, 1, 1, 1, 1], UG: [1, 1, 1, 1, 1] };
// Opcode -> command length in bytes (opcode included), from Nordic's constants.ts and IRNAS's command tuples.
const LEN = { 0x01: 2, 0x02: 2, 0x03: 2, 0x04: 2, 0x05: 1, 0x06: 1, 0x07: 1, 0x08: 2, 0x09: 2, 0x0a: 1, 0x0c: 2, 0x0d: 3,
  0x0e: 2, 0x0f: 2, 0x11: 2, 0x12: 2, 0x15: 1, 0x16: 1, 0x19: 1, 0x20: 1, 0x25: 6 };

const QUIRKS = {
  transients: true,        // INVENTED shape: +60 %, +20 % on the first two samples after a range switch
  glitchEvery: 0,          // every N samples one word has a wrong counter (data intact); 0: never
  gapEvery: 0,             // every N samples `gapLen` samples are lost (counter keeps counting); 0: never
  gapLen: 1,
  metadataMs: 15,          // GetMetadata answered after this, in two pieces (IRNAS polls until END is in)
  streamingAtOpen: false,  // left streaming by an earlier session
  zeroKeys: [],            // metadata keys stored as 0 (e.g. 'GS1', 'UG2'): the host must fall back
  rangeAs: null,           // { from: 4, to: 7 }: samples of range `from` carry range `to` on the wire
};

function metadataText(vddMv, mode, zeroKeys = []) {
  const v = (k, i) => (zeroKeys.includes(`${k}${i}`) ? 0 : CAL[k][i]);
  const lines = ['Calibrated: 0'];
  for (const k of ['R', 'GS', 'GI', 'O']) CAL[k].forEach((_, i) => lines.push(`${k}${i}: ${v(k, i)}`));
  lines.push(`VDD: ${vddMv}`, 'HW: 9173', `mode: ${mode}`);
  for (const k of ['S', 'I', 'UG']) CAL[k].forEach((_, i) => lines.push(`${k}${i}: ${v(k, i)}`));
  lines.push('IA: 56', 'END', '');
  return lines.join('\n');
}

/** The calibration a host applies to this metadata: stored zeros of R/GS/GI/UG replaced by the fallback. */
function effectiveCal(zeroKeys = []) {
  const cal = {};
  for (const k of Object.keys(CAL)) {
    cal[k] = CAL[k].map((c, i) => ((zeroKeys.includes(`${k}${i}`) || c === 0) && FALLBACK[k] ? FALLBACK[k][i] : c));
  }
  return cal;
}

/**
 * ENCODER: the 14-bit ADC word a PPK2 on `range` reports for `amps`. The published formula
 * I = UG(x(GS·x + GI) + S·V + I) is a quadratic in x; x = (-GI + sqrt(GI² - 4·GS·c)) / (2·GS) with
 * c = S·V + I - I/UG (x = -c/GI when GS = 0); then adc = x·R/mult + O and the word holds adc/4.
 */
function encodeOnRange(amps, vddMv, r, cal = CAL) {
  const c = cal.S[r] * (vddMv / 1000) + cal.I[r] - amps / cal.UG[r];
  const gs = cal.GS[r], gi = cal.GI[r];
  const x = gs === 0 ? -c / gi : (-gi + Math.sqrt(gi * gi - 4 * gs * c)) / (2 * gs);
  return Math.round(((x * cal.R[r]) / VREF_OVER_COUNTS + cal.O[r]) / 4);
}

/** Auto-ranging: the most sensitive range whose ADC stays under 90 % of full scale. */
function encodeCurrent(amps, vddMv, cal = CAL) {
  for (let r = 0; r < 5; r++) {
    const raw = encodeOnRange(amps, vddMv, r, cal);
    if (raw >= 0 && raw <= 0x3fff * 0.9) return { range: r, raw };
  }
  return { range: 4, raw: 0x3fff };
}

class Ppk2Sim extends SerialSim {
  /**
   * @param {object} o
   * @param {string} o.path          pty end the simulator owns
   * @param {number} [o.idleA]       current outside trigger windows (A), default 1 mA
   * @param {number} [o.activeA]     current inside windows (A), default 12.5 mA
   * @param {number} [o.bit]         logic channel driven by trigger windows (0..7), default 0
   * @param {boolean} [o.pulses]     trigger as MLPerf-style pulses: idle high, a low pulse of `pulseSamples` (3)
   *                                 at the window's start and another at its end; default: high during the window
   * @param {object} [o.quirks]      overrides of QUIRKS
   * @param {object} [o.fault]       { dropAt: k, dropCount: n } lose n samples from k (counter keeps counting);
   *                                 { silentAfterSamples: n }; { noMetadata: true }; { metadata: 'text' };
   *                                 { garbleCountersAt: k } counters of 6 samples from k are noise
   */
  constructor(o) {
    super();
    this.o = { idleA: 1e-3, activeA: 12.5e-3, bit: 0, pulses: false, pulseSamples: 3, fault: {}, ...o };
    this.q = { ...QUIRKS, ...(o.quirks || {}) };
    this.fault = this.o.fault || {};
    this.cal = effectiveCal(this.q.zeroKeys);
    this.vddMv = 3000;
    this.mode = 0;
    this.dutOn = false;
    this.running = false;
    this.n = 0;
    this.windows = [];
    this.cmds = [];       // [opcode, ...args] received, for tests
    this.pending = Buffer.alloc(0);
    this.split = 1;
    this.outQ = [];
    this.writing = false;
    this.prevRange = -1;
    this.sinceSwitch = 99;
    this.gaps = 0;        // samples lost on purpose, for tests
    this.glitches = 0;
  }

  async open() {
    await this.openPort(115200, (d) => d);
    if (this.q.streamingAtOpen) this.startStream();
    return this;
  }

  /** Drives the logic bit for exactly `samples` samples from the next one; resolves once streamed. */
  trigger(samples) {
    return this.queueWindow(samples, this.o.pulseSamples);
  }

  onData(d) {
    let buf = Buffer.concat([this.pending, d]);
    while (buf.length > 0) {
      const len = LEN[buf[0]] || 1;
      if (buf.length < len) break;
      this.onCommand([...buf.subarray(0, len)]);
      buf = buf.subarray(len);
    }
    this.pending = Buffer.from(buf);
  }

  onCommand(cmd) {
    this.cmds.push(cmd);
    switch (cmd[0]) {
      case 0x19: {
        if (this.fault.noMetadata) return;
        const text = Buffer.from(this.fault.metadata ?? metadataText(this.vddMv, this.mode, this.q.zeroKeys), 'latin1');
        const cut = Math.floor(text.length / 2);
        setTimeout(() => { this.write(text.subarray(0, cut)); setTimeout(() => this.write(text.subarray(cut)), 5); }, this.q.metadataMs);
        return;
      }
      case 0x11: this.mode = cmd[1]; return;
      case 0x0d: this.vddMv = (cmd[1] << 8) | cmd[2]; return;
      case 0x0c: this.dutOn = cmd[1] === 1; return;
      case 0x06: return this.startStream();
      case 0x07: return this.stopStream();
      case 0x20: this.stopStream(); this.dutOn = false; return;
      default: return;
    }
  }

  /**
   * Queues bytes and hands them to the port one piece at a time, so that AverageStop can drop what was not
   * sent yet (a real PPK2 stops at once; a deep Node write queue would deliver stale samples long after).
   */
  write(buf) {
    if (!this.port || !this.port.isOpen || this.silent) return;
    this.outQ.push(Buffer.from(buf));
    this.pump();
  }

  pump() {
    if (this.writing || this.outQ.length === 0 || !this.port.isOpen) return;
    this.writing = true;
    this.port.write(this.outQ.shift(), () => {
      this.writing = false;
      this.pump();
    });
  }

  startStream() {
    if (this.running) return;
    this.running = true;
    this.n = 0;
    // Windows queued before the stream (re)started belong to this stream: start them at its first samples.
    let at = 1;
    for (const w of this.windows) { const len = w.end - w.start; w.start = at; w.end = at + len; at = w.end + this.o.pulseSamples; }
    this.prevRange = -1;
    this.t0 = process.hrtime.bigint();
    this.timer = setInterval(() => this.tick(), 10);
  }

  stopStream() {
    this.running = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.outQ = [];
  }

  /** The word for sample k carrying `amps`, with the device's switching transient. */
  word(k, amps, logic) {
    let { range, raw } = encodeCurrent(amps, this.vddMv, this.cal);
    if (range !== this.prevRange) { this.sinceSwitch = 0; this.prevRange = range; } else this.sinceSwitch++;
    if (this.q.transients && this.sinceSwitch < 2 && k > 0) {
      raw = Math.min(0x3fff, encodeOnRange(amps * (this.sinceSwitch === 0 ? 1.6 : 1.2), this.vddMv, range, this.cal));
    }
    let wireRange = range;
    if (this.q.rangeAs && range === this.q.rangeAs.from) wireRange = this.q.rangeAs.to;
    let counter = k & 0x3f;
    const ft = this.fault;
    if (ft.garbleCountersAt !== undefined && k >= ft.garbleCountersAt && k < ft.garbleCountersAt + 6) counter = (k * 37 + 11) & 0x3f;
    else if (this.q.glitchEvery && k % this.q.glitchEvery === this.q.glitchEvery - 1) { counter ^= 0x15; this.glitches++; }
    return (raw | (wireRange << 14) | (counter << 18) | (logic << 24)) >>> 0;
  }

  tick() {
    const due = Math.floor((Number(process.hrtime.bigint() - this.t0) / 1e9) * RATE);
    const count = due - this.n;
    if (count <= 0) return;
    const out = Buffer.alloc(count * 4);
    let o = 0;
    const ft = this.fault;
    const bit = 1 << this.o.bit, P = this.o.pulseSamples;
    while (this.n < due) {
      const k = this.n++;
      // In pulse mode a window stays queued until its end pulse is out.
      while (this.windows.length && k >= this.windows[0].end + (this.o.pulses ? P : 0)) setImmediate(this.windows.shift().resolve);
      const w = this.windows[0];
      const inside = w !== undefined && k >= w.start && k < w.end;
      const inPulse = w !== undefined && ((k >= w.start && k < w.start + P) || (k >= w.end && k < w.end + P));
      if (ft.silentAfterSamples !== undefined && k >= ft.silentAfterSamples) this.silent = true;
      const amps = inside ? this.o.activeA : this.o.idleA;
      const logic = this.o.pulses ? (inPulse ? 0 : bit) : (inside ? bit : 0);
      const word = this.word(k, amps, logic);
      const lost = (ft.dropAt !== undefined && k >= ft.dropAt && k < ft.dropAt + (ft.dropCount || 1))
        || (this.q.gapEvery > 0 && k % this.q.gapEvery >= this.q.gapEvery - this.q.gapLen);
      if (lost) { this.gaps++; continue; }
      out.writeUInt32LE(word, o);
      o += 4;
    }
    // Write in pieces whose boundaries fall inside words, as USB reads do.
    const data = out.subarray(0, o);
    for (let i = 0; i < data.length; ) {
      const step = Math.min(data.length - i, 997 + 2 * (this.split++ % 5));
      this.write(data.subarray(i, i + step));
      i += step;
    }
  }
}

module.exports = { Ppk2Sim, encodeCurrent, encodeOnRange, metadataText, effectiveCal, CAL, QUIRKS, VREF_OVER_COUNTS };

// Standalone: serve the simulator on a pty and print the path for a driver; a trigger window of --window-ms
// every --period-ms while sampling.
if (require.main === module) {
  const { openPtyPair } = require('./pty');
  const arg = (name, dflt) => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? process.argv[i + 1] : dflt;
  };
  (async () => {
    const pty = await openPtyPair();
    const fault = arg('fault') ? JSON.parse(arg('fault')) : {};
    const quirks = arg('quirks') ? JSON.parse(arg('quirks')) : {};
    const sim = await new Ppk2Sim({ path: pty.device, fault, quirks, bit: Number(arg('bit', 0)), idleA: Number(arg('idle', 1e-3)), activeA: Number(arg('active', 12.5e-3)) }).open();
    const windowMs = Number(arg('window-ms', 50));
    const periodMs = Number(arg('period-ms', 500));
    console.log(`PPK2 simulator: connect the driver to ${pty.host}  (e.g. --energy ppk2:${pty.host})`);
    console.log(`idle ${sim.o.idleA} A, active ${sim.o.activeA} A on logic D${sim.o.bit}; ${windowMs} ms window every ${periodMs} ms while sampling`);
    setInterval(() => { if (sim.running && sim.windows.length === 0) sim.trigger(Math.round((windowMs / 1000) * RATE)); }, periodMs);
    const quit = async () => { await sim.close(); await pty.close(); process.exit(0); };
    process.on('SIGINT', quit);
    process.on('SIGTERM', quit);
  })().catch((e) => { console.error(e.message); process.exit(1); });
}
