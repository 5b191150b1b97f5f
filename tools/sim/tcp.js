// tcp.js - a simulator's end of a TCP link: the instrument as a TCP server (as ser2net exports a real one), so a
// driver connects with tcp://host:port through the Transport layer and tests need no socat.
'use strict';
const net = require('net');

/**
 * Listens on `host` (an ephemeral port unless `port` is given) and serves one driver connection at a time (a
 * new one replaces the old, as a reopened serial port does). Bytes the simulator writes while no driver is
 * connected are kept and delivered on connect, as a pty's buffer keeps them.
 * @returns {Promise<{ url: string, link: object, close: () => Promise<void> }>} `link` is what `new XSim({ link })` takes
 */
function listenLink(host = '127.0.0.1', port = 0) {
  let sock = null;
  let held = [];
  let dataFn = () => undefined;
  let closed = false;
  const server = net.createServer((s) => {
    if (sock) sock.destroy();
    sock = s;
    s.setNoDelay(true);
    s.on('error', () => undefined); // the driver going away is its business
    s.on('data', (d) => dataFn(d));
    s.on('close', () => { if (sock === s) sock = null; });
    for (const b of held) s.write(b);
    held = [];
  });
  const link = {
    get isOpen() { return !closed; },
    /** Like SerialPort#write: (data, [encoding], [callback]); the callback runs once the socket took the bytes. */
    write(data, enc, cb) {
      const done = typeof enc === 'function' ? enc : cb;
      const buf = typeof data === 'string' ? Buffer.from(data, typeof enc === 'string' ? enc : 'utf8') : Buffer.from(data);
      if (closed) { if (done) setImmediate(done, new Error('link closed')); return; }
      if (sock) sock.write(buf, () => done && done());
      else { held.push(buf); if (done) setImmediate(done); }
    },
    onData(fn) { dataFn = fn; },
    close(cb) {
      closed = true;
      if (sock) sock.destroy();
      server.close(() => cb && cb());
    },
  };
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const a = server.address();
      resolve({ url: `tcp://${host}:${a.port}`, link, close: () => new Promise((r) => (closed ? r() : link.close(r))) });
    });
  });
}

module.exports = { listenLink };
