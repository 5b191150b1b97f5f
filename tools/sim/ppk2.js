#!/usr/bin/env node
// ppk2.js - simulator of the Nordic Power Profiler Kit II serial protocol on a serial port/pty: binary opcodes,
// GetMetadata calibration text ending END, 100 kS/s little-endian sample words (14-bit ADC, range, 6-bit rolling
// counter, logic port) written in chunks that split words. Fault modes: lost samples (counter gap), silence,
// no metadata, custom metadata text.
'use strict';
const { SerialSim } = require('./serialSim');

const RATE = 100000;
const MULT = 1.8 / 163840;
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
// Opcode -> total command length in bytes (opcode included).
const LEN = { 0x01: 2, 0x02: 2, 0x03: 2, 0x04: 2, 0x05: 1, 0x06: 1, 0x07: 1, 0x08: 2, 0x09: 2, 0x0a: 1, 0x0c: 2, 0x0d: 3,
  0x0e: 2, 0x0f: 2, 0x11: 2, 0x12: 2, 0x15: 1, 0x16: 1, 0x19: 1, 0x20: 1, 0x25: 6 };

function metadataText(vddMv, mode) {
  const lines = ['Calibrated: 0'];
  for (const k of ['R', 'GS', 'GI', 'O']) CAL[k].forEach((v, i) => lines.push(`${k}${i}: ${v}`));
  lines.push(`VDD: ${vddMv}`, 'HW: 9173', `mode: ${mode}`);
  for (const k of ['S', 'I', 'UG']) CAL[k].forEach((v, i) => lines.push(`${k}${i}: ${v}`));
  lines.push('IA: 56', 'END', '');
  return lines.join('\n');
}

/** Inverse of the drivers' formula: the (range, 14-bit raw ADC) a PPK2 would report for `amps` at `vddMv`. */
function encodeCurrent(amps, vddMv) {
  for (let r = 0; r < 5; r++) {
    const c = CAL.S[r] * (vddMv / 1000) + CAL.I[r] - amps / CAL.UG[r];
    const gs = CAL.GS[r], gi = CAL.GI[r];
    const x = gs === 0 ? -c / gi : (-gi + Math.sqrt(gi * gi - 4 * gs * c)) / (2 * gs);
    const adc = (x * CAL.R[r]) / MULT + CAL.O[r];
    const raw = Math.round(adc / 4);
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
   * @param {object} [o.fault]       { dropAt: k, dropCount: n } skip n samples from k (counter keeps counting);
   *                                 { silentAfterSamples: n }; { noMetadata: true }; { metadata: 'text' }
   */
  constructor(o) {
    super();
    this.o = { idleA: 1e-3, activeA: 12.5e-3, bit: 0, pulses: false, pulseSamples: 3, fault: {}, ...o };
    this.fault = this.o.fault || {};
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
  }

  open() {
    return this.openPort(115200, (d) => d);
  }

  /** Drives the logic bit high for exactly `samples` samples from the next one; resolves once streamed. */
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
      case 0x19:
        if (this.fault.noMetadata) return;
        return this.write(Buffer.from(this.fault.metadata ?? metadataText(this.vddMv, this.mode), 'latin1'));
      case 0x11: this.mode = cmd[1]; return;
      case 0x0d: this.vddMv = (cmd[1] << 8) | cmd[2]; return;
      case 0x0c: this.dutOn = cmd[1] === 1; return;
      case 0x06: return this.startStream();
      case 0x07: return this.stopStream();
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
    this.t0 = process.hrtime.bigint();
    this.timer = setInterval(() => this.tick(), 10);
  }

  stopStream() {
    this.running = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.outQ = [];
  }

  tick() {
    const due = Math.floor((Number(process.hrtime.bigint() - this.t0) / 1e9) * RATE);
    const count = due - this.n;
    if (count <= 0) return;
    const out = Buffer.alloc(count * 4);
    let o = 0;
    const ft = this.fault;
    const idle = encodeCurrent(this.o.idleA, this.vddMv);
    const active = encodeCurrent(this.o.activeA, this.vddMv);
    const bit = 1 << this.o.bit, P = this.o.pulseSamples;
    while (this.n < due) {
      const k = this.n++;
      // In pulse mode a window stays queued until its end pulse is out.
      while (this.windows.length && k >= this.windows[0].end + (this.o.pulses ? P : 0)) setImmediate(this.windows.shift().resolve);
      const w = this.windows[0];
      const inside = w !== undefined && k >= w.start && k < w.end;
      const inPulse = w !== undefined && ((k >= w.start && k < w.start + P) || (k >= w.end && k < w.end + P));
      if (ft.silentAfterSamples !== undefined && k >= ft.silentAfterSamples) this.silent = true;
      if (ft.dropAt !== undefined && k >= ft.dropAt && k < ft.dropAt + (ft.dropCount || 1)) continue;
      const e = inside ? active : idle;
      const logic = this.o.pulses ? (inPulse ? 0 : bit) : (inside ? bit : 0);
      const word = (e.raw | (e.range << 14) | ((k & 0x3f) << 18) | (logic << 24)) >>> 0;
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

module.exports = { Ppk2Sim, encodeCurrent, metadataText, CAL };

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
    const sim = await new Ppk2Sim({ path: pty.device, fault, bit: Number(arg('bit', 0)), idleA: Number(arg('idle', 1e-3)), activeA: Number(arg('active', 12.5e-3)) }).open();
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
