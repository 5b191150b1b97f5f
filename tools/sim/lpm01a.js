#!/usr/bin/env node
// lpm01a.js - simulator of the X-NUCLEO-LPM01A (PowerShield firmware) host protocol on a serial port/pty, written
// from the device's documented and recorded behaviour, not from our driver:
//  - command table, ranges and limits: the PowerShield help table (reproduced in mlcommons/tiny
//    benchmark/runner/power_manager/power_manager_lpm.py) and ST UM2243 (dynamic 100 nA..50 mA with
//    over-current protection from 59 mA; static up to 200 mA);
//  - `event N ris` lines even with `eventsrc d7 fal` (MLPerf's runner configures `fal` and parses only `ris`);
//  - one `TimeStamp` line per second of device time (MLPerf checks 1000 samples between them at 1 kHz), the
//    `TimeStamp:` separator may be ' ', '>' or '<' (MLPerf's regex);
//  - NUL bytes in the stream (MLPerf's serial_device.py drops '\0'), here before the sample after a TimeStamp;
//  - self-calibration after `volt` (a recorded session: 1.26 s from the ack to "Voltage configured") and a
//    self-test at power-up before the first answer;
//  - a shield left streaming by a crashed run, whose samples (and run-together lines like "33930-08", MLPerf
//    README) precede the ack of the next command;
//  - `end`, a summary and "Acquisition completed" after `stop`.
// Wording we could not find in a recording (banner, summary, over-current message, `volt get` answer) is marked
// INVENTED below; the driver must not depend on it. Every quirk is switchable (o.quirks); fault modes (o.fault)
// break the device on purpose.
'use strict';
const { SerialSim } = require('./serialSim');

const FREQS = { '100k': 100e3, '50k': 50e3, '20k': 20e3, '10k': 10e3, '5k': 5e3, '2k': 2e3, '1k': 1e3, '500': 500,
  '200': 200, '100': 100, '50': 50, '20': 20, '10': 10, '5': 5, '2': 2, '1': 1 };
const PROMPT = 'PowerShield > ';
const DYN_TRIP_A = 59e-3;   // UM2243 §10: dynamic-mode over-current protection operates from 59 mA
const STAT_MAX_A = 200e-3;  // UM2243 §9: static mode up to 200 mA

/** The realistic default: every quirk on. Tests switch single ones off to show each one matters. */
const QUIRKS = {
  voltCalibMs: 1260,     // self-calibration after `volt` (recorded 1.26 s); commands wait meanwhile
  cmdMs: 2,              // time to answer an ordinary command
  bootMs: 0,             // power-up self-test before the first answer (0: already up when opened)
  nul: true,             // '\0' before the sample after each TimeStamp line
  timestampS: 1,         // device seconds between TimeStamp lines
  timestampSep: ' ',     // ' ', '>' or '<' after "TimeStamp:"
  summary: true,         // INVENTED summary lines between `end` and "Acquisition completed"
  eventWord: 'ris',      // the shield prints `event N ris` whatever eventsrc says (MLPerf parses only `ris`)
  streamingAtOpen: false, // left streaming by an earlier, crashed session (not under host control)
  voltGet: 'inline',     // INVENTED `volt get` answer: 'inline' "ack volt get 3297m", 'line' a separate line, 'none'
  actualMv: null,        // supply the shield really sets (null: as commanded); used for energy and `volt get`
  version: '1.0.6',
  idleStop: 'completed', // INVENTED: `stop` when idle answers 'completed' ("Acquisition completed") or 'error'
  idleStopMs: 0,         // ... after this long, busy meanwhile
};

/** 6.409e-4 -> "6409-07": 4-digit mantissa x 10^±EE (the documented ascii_dec example), written independently. */
function encodeAscii(value) {
  if (!(value > 0)) return '0000-00';
  let exp = 3 - Math.floor(Math.log10(value)); // mantissa in [1000, 9999]
  let m = Math.round(value * 10 ** exp);
  if (m >= 10000) { exp -= 1; m = Math.round(value * 10 ** exp); }
  const e = -exp;
  return `${String(m).padStart(4, '0')}${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
}

class Lpm01aSim extends SerialSim {
  /**
   * @param {object} o
   * @param {string} o.path           the pty end the simulator owns
   * @param {number} [o.idleA]        current outside trigger windows (A), default 1 mA
   * @param {number} [o.activeA]      current inside trigger windows (A), default 12.5 mA
   * @param {number} [o.noise]        relative uniform noise on each sample (0: exact values)
   * @param {number} [o.seed]
   * @param {object} [o.quirks]       overrides of QUIRKS
   * @param {object} [o.fault]        { error: 'freq' } reject that command; { silentOn: 'start' } stop answering from
   *                                  that command on; { silentAfterSamples: n }; { dropAt: k, dropCount: n } omit n
   *                                  sample lines; { damageAt: k } cut line k; { strayAt: k } an extra event before
   *                                  sample k; { extraStartEvents: n } n events right after start (MLPerf's "extra
   *                                  activity at the beginning"); { dropEvent: n } lose event line n;
   *                                  { dropTimestamp: true } lose the samples AND never send TimeStamps
   */
  constructor(o) {
    super();
    this.o = { idleA: 1e-3, activeA: 12.5e-3, noise: 0, seed: 1, fault: {}, ...o };
    this.q = { ...QUIRKS, ...(o.quirks || {}) };
    this.fault = this.o.fault || {};
    this.cfg = { htc: false, volt: 3300, freq: 100, acqtime: 10, format: 'ascii_dec', output: 'current', eventsrc: null, pwr: 'off', acqmode: 'dyn' };
    this.running = false;
    this.silent = false;
    this.n = 0;           // samples produced since start (device time = n / freq)
    this.events = 0;
    this.windows = [];    // pending trigger windows: { start, end, resolve }
    this.rng = this.o.seed >>> 0 || 1;
    this.log = [];        // commands received, for tests
    this.buf = '';
    this.cmdQ = [];
    this.busyUntil = 0;
  }

  get actualMv() { return this.q.actualMv ?? this.cfg.volt; }

  async open() {
    await this.openPort(3686400, (d) => d.toString('latin1'));
    if (this.q.bootMs > 0) {
      this.busyUntil = Date.now() + this.q.bootMs; // self-test: input waits
      setTimeout(() => this.banner(), this.q.bootMs);
    }
    if (this.q.streamingAtOpen) {
      this.cfg.freq = 1000;
      this.startStream();
      this.send('33930-08\r\n'); // two samples run together, as the MLPerf README shows from a stale shield
    }
    return this;
  }

  banner() { // INVENTED wording: only its presence matters (lines before the first ack)
    this.send(`\r\n${PROMPT}PowerShield firmware ${this.q.version}\r\n${PROMPT}autotest ok\r\n`);
    this.pump();
  }

  /**
   * Marks exactly `samples` sample periods as the window, from the next sample: an event line at its start and at
   * its end; resolves once streamed (as a board returns when its runs are done). Needs a running acquisition.
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
      if (line) this.cmdQ.push(line);
    }
    this.pump();
  }

  /** Answers queued commands one at a time, each after the device's latency (longer while calibrating). */
  pump() {
    if (this.pumping || this.cmdQ.length === 0) return;
    this.pumping = true;
    const wait = Math.max(0, this.busyUntil - Date.now()) + this.q.cmdMs;
    setTimeout(() => {
      this.pumping = false;
      const line = this.cmdQ.shift();
      if (line !== undefined && this.port && this.port.isOpen) this.onCommand(line);
      this.pump();
    }, wait);
  }

  onCommand(line) {
    this.log.push(line);
    const [word, ...args] = line.split(/\s+/);
    if (this.fault.silentOn === word) this.silent = true;
    if (this.silent) return;
    if (this.fault.error === word) return this.error(line, `simulated failure of '${word}'`);
    if (word === 'stop') return this.onStop();
    if (this.running) return this.error(line, 'acquisition running, send stop first');
    if (!['htc', 'powershield', 'version', 'help', 'echo'].includes(word) && !this.cfg.htc) {
      return this.error(line, 'host has not taken control (send htc)');
    }
    const arg = args.join(' ');
    switch (word) {
      case 'htc': this.cfg.htc = true; return this.reply('ack htc');
      case 'hrc': this.cfg.htc = false; return this.reply('ack hrc');
      case 'powershield': return this.reply('ack powershield PowerShield present SIMULATOR');
      case 'version': return this.reply(`ack version ${this.q.version}`);
      case 'volt': {
        if (arg === 'get') {
          if (this.q.voltGet === 'none') return this.reply('ack volt get');
          if (this.q.voltGet === 'line') { this.reply('ack volt get'); return this.reply(`${(this.actualMv / 1000).toFixed(3)}`); }
          return this.reply(`ack volt get ${this.actualMv}m`);
        }
        const m = /^(\d+)m$/.exec(arg) || /^(\d+(?:\.\d+)?)$/.exec(arg);
        const mv = m ? (arg.endsWith('m') ? Number(m[1]) : Number(m[1]) * 1000) : NaN;
        if (!(mv >= 1800 && mv <= 3300)) return this.error(line, 'voltage out of range [1800m; 3300m]');
        this.cfg.volt = mv;
        this.reply(`ack ${line}`);
        // UM2269 `calib`: calibration after each change of supply voltage; nothing is answered meanwhile.
        this.busyUntil = Date.now() + this.q.voltCalibMs;
        setTimeout(() => this.reply('Voltage configured'), this.q.voltCalibMs);
        return undefined;
      }
      case 'freq':
        if (!(arg in FREQS)) return this.error(line, 'frequency not in list');
        this.cfg.freq = FREQS[arg];
        return this.reply(`ack ${line}`);
      case 'acqtime':
        this.cfg.acqtime = arg === 'inf' ? 0 : Number(arg);
        return this.reply(`ack ${line}`);
      case 'acqmode':
        if (arg !== 'dyn' && arg !== 'stat') return this.error(line, "expected 'dyn' or 'stat'");
        this.cfg.acqmode = arg;
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
      case 'trigsrc': case 'trigdelay': case 'funcmode': case 'lcd': case 'pwrend': case 'currthres':
        return this.reply(`ack ${line}`);
      case 'eventsrc':
        this.cfg.eventsrc = arg;
        return this.reply(`ack ${line}`);
      case 'pwr':
        this.cfg.pwr = args[0];
        return this.reply(`ack ${line}`);
      case 'start':
        if (this.cfg.format === 'ascii_dec' && this.cfg.acqtime === 0 && this.cfg.freq > 5e3) {
          return this.error(line, 'ascii_dec with infinite acquisition limited to 5 kHz');
        }
        if (this.cfg.output === 'energy' && this.cfg.freq > 10e3) return this.error(line, 'output energy limited to 10 kHz');
        this.reply('ack start');
        return this.startStream();
      default:
        return this.error(line, 'command not recognized');
    }
  }

  onStop() {
    if (!this.running && this.q.idleStop === 'error') {
      this.busyUntil = Date.now() + this.q.idleStopMs;
      setTimeout(() => this.error('stop', 'no acquisition running'), this.q.idleStopMs);
      return undefined;
    }
    this.reply('ack stop');
    if (!this.running) return this.reply('Acquisition completed');
    this.tick(); // everything sampled until now goes out first
    this.stopStream();
    this.send('end\r\n');
    if (this.q.summary) this.send(`${PROMPT}Summary: ${this.n} samples, ${(this.n / this.cfg.freq).toFixed(3)} s\r\n`); // INVENTED wording
    this.reply('Acquisition completed');
    return undefined;
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
    this.tripped = false;
    this.t0 = process.hrtime.bigint();
    this.timer = setInterval(() => this.tick(), 10);
  }

  stopStream() {
    this.running = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  event(out) {
    this.events++;
    if (this.fault.dropEvent === this.events) return;
    out.push(`event ${this.events} ${this.q.eventWord}`);
  }

  /** Emits every sample whose device time has passed, in one write. */
  tick() {
    if (!this.running) return;
    const f = this.cfg.freq;
    const due = Math.floor((Number(process.hrtime.bigint() - this.t0) / 1e9) * f);
    const out = [];
    const tsEvery = Math.max(1, Math.round(f * this.q.timestampS));
    const ft = this.fault;
    while (this.n < due) {
      const k = this.n; // index of the sample being produced
      if (ft.extraStartEvents && k === 0) for (let i = 0; i < ft.extraStartEvents; i++) this.event(out);
      if (ft.strayAt === k) this.event(out);
      const w = this.windows[0];
      if (w && k === w.start) this.event(out);
      if (w && k === w.end) {
        this.event(out);
        this.windows.shift();
        setImmediate(w.resolve);
      }
      const inside = this.windows[0] && k >= this.windows[0].start && k < this.windows[0].end;
      let a = inside ? this.o.activeA : this.o.idleA;
      if (this.o.noise) a *= 1 + this.o.noise * (2 * this.random() - 1);
      this.n++;
      if (!this.tripped && a > (this.cfg.acqmode === 'dyn' ? DYN_TRIP_A : STAT_MAX_A)) {
        this.tripped = true;
        out.push(`${PROMPT}error: over current detected, measurement range exceeded`); // INVENTED wording
      }
      if (ft.silentAfterSamples !== undefined && k >= ft.silentAfterSamples) this.silent = true; // windows still close
      const dropped = (ft.dropAt !== undefined && k >= ft.dropAt && k < ft.dropAt + (ft.dropCount || 1));
      const value = this.cfg.output === 'energy' ? a * (this.actualMv / 1000) / f : a;
      if (!dropped) {
        let s = ft.damageAt === k ? encodeAscii(value).slice(0, 3) : encodeAscii(value);
        if (this.q.nul && this.afterTs) s = `\0${s}`;
        this.afterTs = false;
        out.push(s);
      }
      if (this.n % tsEvery === 0 && !ft.dropTimestamp) {
        const ms = Math.round((this.n / f) * 1000);
        out.push(`TimeStamp:${this.q.timestampSep}${String(Math.floor(ms / 1000)).padStart(3, '0')}s ${String(ms % 1000).padStart(3, '0')}ms, buff 00%`);
        this.afterTs = true;
      }
    }
    if (out.length) this.send(out.join('\r\n') + '\r\n');
  }
}

module.exports = { Lpm01aSim, encodeAscii, QUIRKS };

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
    const quirks = arg('quirks') ? JSON.parse(arg('quirks')) : {};
    const sim = await new Lpm01aSim({ path: pty.device, fault, quirks, idleA: Number(arg('idle', 1e-3)), activeA: Number(arg('active', 12.5e-3)) }).open();
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
