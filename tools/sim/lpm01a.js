#!/usr/bin/env node
// lpm01a.js - simulator of the X-NUCLEO-LPM01A (PowerShield firmware) ASCII host protocol on a serial port/pty:
// commands answered `ack ...`/`error ...`, ascii_dec current samples in device time, `TimeStamp` lines every
// 100 ms, `event N ris` marks around trigger windows, `end` + `Acquisition completed` on stop. Fault modes:
// error replies, dropped sample lines, damaged lines, silence.
'use strict';
const { SerialSim } = require('./serialSim');

const FREQS = { '100k': 100e3, '50k': 50e3, '20k': 20e3, '10k': 10e3, '5k': 5e3, '2k': 2e3, '1k': 1e3, '500': 500,
  '200': 200, '100': 100, '50': 50, '20': 20, '10': 10, '5': 5, '2': 2, '1': 1 };
const PROMPT = 'PowerShield > ';

/** 6.409e-4 -> "6409-07": 4-digit mantissa x 10^±EE, the ascii_dec sample format. */
function encodeAscii(amps) {
  if (!(amps > 0)) return '0000-00';
  let exp = 3 - Math.floor(Math.log10(amps)); // mantissa in [1000, 9999]
  let m = Math.round(amps * 10 ** exp);
  if (m >= 10000) { exp -= 1; m = Math.round(amps * 10 ** exp); }
  const e = -exp;
  return `${String(m).padStart(4, '0')}${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
}

class Lpm01aSim extends SerialSim {
  /**
   * @param {object} o
   * @param {string} o.path         the pty end (or device) the simulator owns
   * @param {number} [o.idleA]      current outside trigger windows (A), default 1 mA
   * @param {number} [o.activeA]    current inside trigger windows (A), default 12.5 mA
   * @param {number} [o.noise]      relative uniform noise on each sample (0: exact values)
   * @param {number} [o.seed]
   * @param {object} [o.fault]      { error: 'freq' } reject that command word; { silentOn: 'start' } stop answering
   *                                from that command on; { silentAfterSamples: n } stream stops after n samples;
   *                                { dropAt: k, dropCount: n } omit n sample lines from sample k; { damageAt: k } cut line k
   */
  constructor(o) {
    super();
    this.o = { idleA: 1e-3, activeA: 12.5e-3, noise: 0, seed: 1, fault: {}, ...o };
    this.fault = this.o.fault || {};
    this.cfg = { htc: false, volt: 3300, freq: 100, acqtime: 10, format: 'ascii_dec', output: 'current', eventsrc: null, pwr: 'off' };
    this.running = false;
    this.silent = false;
    this.n = 0;           // samples generated since start (device time = n / freq)
    this.events = 0;
    this.windows = [];    // pending trigger windows: { start, end, resolve }
    this.rng = this.o.seed >>> 0 || 1;
    this.log = [];        // commands received, for tests
    this.buf = '';
  }

  open() {
    return this.openPort(3686400, (d) => d.toString('latin1'));
  }

  /**
   * Raises the trigger for exactly `samples` sample periods starting at the next sample; resolves when the
   * window has been streamed (as a board returns when its runs are done). Needs a running acquisition.
   */
  trigger(samples) {
    return this.queueWindow(samples, 0);
  }

  send(text) {
    if (this.silent || !this.port || !this.port.isOpen) return;
    this.port.write(text, 'latin1');
  }

  reply(line) { this.send(`${PROMPT}${line}\r\n`); }

  onData(text) {
    this.buf += text;
    let i;
    while ((i = this.buf.search(/\r?\n/)) >= 0) {
      const line = this.buf.slice(0, i).trim();
      this.buf = this.buf.slice(this.buf[i] === '\r' ? i + 2 : i + 1);
      if (line) this.onCommand(line);
    }
  }

  onCommand(line) {
    this.log.push(line);
    const [word, ...args] = line.split(/\s+/);
    if (this.fault.silentOn === word) this.silent = true;
    if (this.silent) return;
    if (this.fault.error === word) return this.error(line, `simulated failure of '${word}'`);
    if (word !== 'htc' && word !== 'powershield' && word !== 'version' && !this.cfg.htc) {
      return this.error(line, 'host has not taken control (send htc)');
    }
    const arg = args.join(' ');
    switch (word) {
      case 'htc': this.cfg.htc = true; return this.reply(`ack htc`);
      case 'hrc': this.cfg.htc = false; return this.reply(`ack hrc`);
      case 'powershield': return this.reply('ack powershield PowerShield present SIMULATOR');
      case 'version': return this.reply('ack version 1.0.5');
      case 'volt': {
        const m = /^(\d+)m$/.exec(arg) || /^(\d+(?:\.\d+)?)$/.exec(arg);
        const mv = m ? (arg.endsWith('m') ? Number(m[1]) : Number(m[1]) * 1000) : NaN;
        if (!(mv >= 1800 && mv <= 3300)) return this.error(line, 'voltage out of range [1800m; 3300m]');
        this.cfg.volt = mv;
        return this.reply(`ack ${line}`);
      }
      case 'freq':
        if (!(arg in FREQS)) return this.error(line, 'frequency not in list');
        this.cfg.freq = FREQS[arg];
        return this.reply(`ack ${line}`);
      case 'acqtime':
        this.cfg.acqtime = arg === 'inf' ? 0 : Number(arg);
        return this.reply(`ack ${line}`);
      case 'format':
        if (arg !== 'ascii_dec' && arg !== 'bin_hexa') return this.error(line, 'unknown format');
        if (arg === 'bin_hexa') return this.error(line, 'bin_hexa not simulated');
        this.cfg.format = arg;
        return this.reply(`ack ${line}`);
      case 'output':
        if (arg !== 'current' && arg !== 'energy') return this.error(line, 'unknown output');
        this.cfg.output = arg;
        return this.reply(`ack ${line}`);
      case 'trigsrc': case 'trigdelay': case 'acqmode': case 'funcmode': case 'lcd': case 'pwrend': case 'currthres':
        return this.reply(`ack ${line}`);
      case 'eventsrc':
        this.cfg.eventsrc = arg;
        return this.reply(`ack ${line}`);
      case 'pwr':
        this.cfg.pwr = args[0];
        return this.reply(`ack ${line}`);
      case 'start':
        if (this.running) return this.error(line, 'acquisition already running');
        if (this.cfg.format === 'ascii_dec' && this.cfg.acqtime === 0 && this.cfg.freq > 5e3) {
          return this.error(line, 'ascii_dec with infinite acquisition limited to 5 kHz');
        }
        this.reply('ack start');
        return this.startStream();
      case 'stop':
        this.reply('ack stop');
        if (!this.running) return this.reply('Acquisition completed');
        this.stopStream();
        this.send('end\r\n');
        return this.reply('Acquisition completed');
      default:
        return this.error(line, 'command not recognized');
    }
  }

  error(line, detail) {
    this.reply(`error ${line}`);
    this.reply(`Error detail: ${detail}`);
  }

  random() { // xorshift32: reproducible noise
    let x = this.rng;
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    this.rng = x;
    return x / 0x100000000;
  }

  startStream() {
    this.running = true;
    this.n = 0;
    this.events = 0;
    this.t0 = process.hrtime.bigint();
    this.timer = setInterval(() => this.tick(), 10);
  }

  stopStream() {
    this.running = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Emits every sample whose device time has passed, in one write. */
  tick() {
    const f = this.cfg.freq;
    const due = Math.floor((Number(process.hrtime.bigint() - this.t0) / 1e9) * f);
    const out = [];
    const tsEvery = Math.max(1, Math.round(f / 10)); // one TimeStamp each 100 ms of device time
    while (this.n < due) {
      const k = this.n; // index of the sample being produced
      const w = this.windows[0];
      if (w && k === w.start) out.push(`event ${++this.events} ris`);
      if (w && k === w.end) {
        out.push(`event ${++this.events} ris`);
        this.windows.shift();
        setImmediate(w.resolve);
      }
      const inside = this.windows[0] && k >= this.windows[0].start && k < this.windows[0].end;
      let a = inside ? this.o.activeA : this.o.idleA;
      if (this.o.noise) a *= 1 + this.o.noise * (2 * this.random() - 1);
      this.n++;
      const ft = this.fault;
      if (ft.silentAfterSamples !== undefined && k >= ft.silentAfterSamples) this.silent = true; // windows still close
      if (ft.dropAt !== undefined && k >= ft.dropAt && k < ft.dropAt + (ft.dropCount || 1)) continue;
      out.push(ft.damageAt === k ? encodeAscii(a).slice(0, 3) : encodeAscii(a));
      if (this.n % tsEvery === 0) {
        const ms = Math.round((this.n / f) * 1000);
        out.push(`TimeStamp: ${String(Math.floor(ms / 1000)).padStart(3, '0')}s ${String(ms % 1000).padStart(3, '0')}ms, buff 00%`);
      }
    }
    if (out.length) this.send(out.join('\r\n') + '\r\n');
  }
}

module.exports = { Lpm01aSim, encodeAscii };

// Standalone: make a pty pair, serve the simulator on one end, print the other for a driver, and raise a
// trigger window of --window-ms every --period-ms while an acquisition runs.
if (require.main === module) {
  const { openPtyPair } = require('./pty');
  const arg = (name, dflt) => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? process.argv[i + 1] : dflt;
  };
  (async () => {
    const pty = await openPtyPair();
    const fault = arg('fault') ? JSON.parse(arg('fault')) : {};
    const sim = await new Lpm01aSim({ path: pty.device, fault, idleA: Number(arg('idle', 1e-3)), activeA: Number(arg('active', 12.5e-3)) }).open();
    const windowMs = Number(arg('window-ms', 50));
    const periodMs = Number(arg('period-ms', 500));
    console.log(`LPM01A simulator: connect the driver to ${pty.host}  (e.g. --energy lpm01a:${pty.host})`);
    console.log(`idle ${sim.o.idleA} A, active ${sim.o.activeA} A; a ${windowMs} ms trigger window every ${periodMs} ms while acquiring`);
    setInterval(() => { if (sim.running && sim.windows.length === 0) sim.trigger(Math.round((windowMs / 1000) * sim.cfg.freq)); }, periodMs);
    const quit = async () => { await sim.close(); await pty.close(); process.exit(0); };
    process.on('SIGINT', quit);
    process.on('SIGTERM', quit);
  })().catch((e) => { console.error(e.message); process.exit(1); });
}
