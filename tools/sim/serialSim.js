// serialSim.js - what both instrument simulators share: the serial port on the device end of a pty
// pair (o.path), a TCP link (o.link, from tcp.js) or a Transport (o.transport, e.g. memoryPair()), and the queue of trigger windows (a window resolves once
// its samples have been streamed).
'use strict';
const { SerialPort } = require('serialport');

class SerialSim {
  /** Subclasses set this.o (with .path or .link), this.n (samples so far) and implement onData and stopStream. */
  async openPort(baudRate, decode) {
    if (this.o.transport) {
      // A src/transport Transport (e.g. one end of memoryPair()): write(bytes) -> Promise, close() -> Promise.
      const tr = this.o.transport;
      let open = true;
      tr.onClose(() => { open = false; });
      this.o.link = {
        get isOpen() { return open; },
        write(data, enc, cb) {
          const done = typeof enc === 'function' ? enc : cb;
          const buf = typeof data === 'string' ? Buffer.from(data, typeof enc === 'string' ? enc : 'utf8') : Buffer.from(data);
          tr.write(buf).then(() => done && done(), (e) => done && done(e));
        },
        onData(fn) { tr.onData(fn); },
        close(cb) { open = false; tr.close().then(() => cb && cb(), () => cb && cb()); },
      };
    }
    if (this.o.link) {
      // Same calls as a SerialPort: write(data, [enc], [cb]), isOpen, close(cb).
      this.port = this.o.link;
      this.port.onData((d) => this.onData(decode(d)));
      return this;
    }
    this.port = new SerialPort({ path: this.o.path, baudRate, autoOpen: false });
    await new Promise((res, rej) => this.port.open((e) => (e ? rej(e) : res())));
    this.port.on('error', () => undefined); // a read cancelled by close() is not the device's business
    this.port.on('data', (d) => this.onData(decode(d)));
    return this;
  }

  async close() {
    this.stopStream();
    for (const w of this.windows) w.resolve();
    this.windows = [];
    if (this.port && this.port.isOpen) await new Promise((r) => this.port.close(() => r()));
  }

  /** Queues a window of `samples` samples starting after the previous one (plus `gap`); resolves once streamed. */
  queueWindow(samples, gap) {
    return new Promise((resolve) => {
      const start = Math.max(this.n, ...this.windows.map((w) => w.end + gap)) + 1;
      this.windows.push({ start, end: start + samples, resolve });
    });
  }
}

module.exports = { SerialSim };
