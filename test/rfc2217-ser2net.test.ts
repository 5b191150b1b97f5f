// rfc2217-ser2net.test.ts - bytes through Debian's ser2net (raw TCP and RFC 2217 accepters) to a socat pty.
import t from 'tap';
import * as fs from 'fs';
import * as net from 'net';
import * as tty from 'tty';
import { spawnSync } from 'child_process';
import { openRfc2217 } from '../src/transport/rfc2217';
import { ser2netMissing, startPtyPair, startSer2net } from '../tools/ser2net/ser2net';

const missing = ser2netMissing();
if (missing) {
  t.plan(0, `skipped: ${missing}`);
} else {
  main();
}

/** The far end of the pty pair, as a device under test would see its UART. */
function openFarEnd(path: string) {
  const fd = fs.openSync(path, fs.constants.O_RDWR | fs.constants.O_NOCTTY | fs.constants.O_NONBLOCK);
  const s = new tty.ReadStream(fd); // a net.Socket over the tty: readable and writable
  s.setRawMode(true);
  const got: Buffer[] = [];
  s.on('data', (d: Buffer) => got.push(d));
  return {
    write: (b: Uint8Array) => new Promise<void>((r) => s.write(b, () => r())),
    got: () => Buffer.concat(got),
    reset: () => { got.length = 0; },
    close: () => s.destroy(),
  };
}

/** The line speed the kernel holds for a tty, as `stty -F DEV speed` prints it. */
function sttySpeed(dev: string): string {
  return spawnSync('stty', ['-F', dev, 'speed'], { encoding: 'utf8' }).stdout.trim();
}

async function until(f: () => number, n: number, ms = 10000): Promise<void> {
  const end = Date.now() + ms;
  while (f() < n && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
}

/** 0..255, the Telnet-sensitive pairs, then pseudo-random bytes: everything must pass untouched. */
function pattern(seed: number, n: number): Buffer {
  const head = [...Array(256).keys(), 13, 0, 13, 10, 255, 255, 255, 0, 0, 255, 13, 255, 240, 255, 250];
  const b = Buffer.alloc(head.length + n);
  Buffer.from(head).copy(b);
  let x = seed >>> 0;
  for (let i = head.length; i < b.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

function main() {
  t.test('ser2net exports a pty; bytes pass both ways through raw TCP and RFC 2217', async (t) => {
    const pair = await startPtyPair();
    t.teardown(() => pair.stop());
    const s2n = await startSer2net(pair.a, 115200);
    t.teardown(() => s2n.stop());
    const far = openFarEnd(pair.b);
    t.teardown(() => far.close());

    await t.test('raw tcp accepter', async (t) => {
      const sock = net.connect(s2n.rawPort, '127.0.0.1');
      await new Promise<void>((r, j) => { sock.on('connect', () => r()); sock.on('error', j); });
      const got: Buffer[] = [];
      sock.on('data', (d) => got.push(d));
      await new Promise((r) => setTimeout(r, 300)); // ser2net opens the device after accepting
      const up = pattern(1, 20000);
      sock.write(up);
      await until(() => far.got().length, up.length);
      t.equal(far.got().length, up.length, 'all bytes reached the pty');
      t.ok(far.got().equals(up), 'host -> pty bytes identical');
      const down = pattern(2, 20000);
      await far.write(down);
      await until(() => Buffer.concat(got).length, down.length);
      t.ok(Buffer.concat(got).equals(down), 'pty -> host bytes identical');
      sock.destroy();
      await s2n.waitIdle();
      far.reset();
    });

    await t.test('rfc2217 accepter through openRfc2217', async (t) => {
      const tr = await openRfc2217(s2n.rfc2217Url, { baudRate: 115200 });
      t.equal(tr.description, s2n.rfc2217Url);
      const got: Buffer[] = [];
      tr.onData((d) => got.push(d));
      const up = pattern(3, 20000);
      await tr.write(up);
      await until(() => far.got().length, up.length);
      t.equal(far.got().length, up.length, 'all bytes reached the pty (0xFF unescaped by ser2net)');
      t.ok(far.got().equals(up), 'host -> pty bytes identical');
      const down = pattern(4, 20000);
      await far.write(down);
      await until(() => Buffer.concat(got).length, down.length);
      t.equal(Buffer.concat(got).length, down.length, 'no byte lost or added (IAC IAC collapsed)');
      t.ok(Buffer.concat(got).equals(down), 'pty -> host bytes identical');
      // A second connection sets another baud rate: ser2net applies it to the pty and acknowledges.
      t.equal(sttySpeed(pair.a), '115200', 'the pty runs at 115200');
      await tr.close();
      await s2n.waitIdle();
      const tr2 = await openRfc2217(s2n.rfc2217Url, { baudRate: 9600 });
      t.equal(sttySpeed(pair.a), '9600', 'ser2net applied SET-BAUDRATE 9600 to the pty');
      // While one session holds the device, ser2net refuses another with a line of text and closes.
      await t.rejects(openRfc2217(`rfc2217://127.0.0.1:${s2n.rawPort}`, { negotiationTimeoutMs: 5000 }), {
        message: `rfc2217://127.0.0.1:${s2n.rawPort}: server closed the connection during RFC 2217 negotiation; it said: "Port's device already in use"`,
      }, 'a busy device: the server\'s reason is in the error');
      await tr2.close();
      await s2n.waitIdle();
    });

    await t.test('the raw port is not an RFC 2217 server: clear error', async (t) => {
      await t.rejects(openRfc2217(`rfc2217://127.0.0.1:${s2n.rawPort}`, { negotiationTimeoutMs: 500 }), {
        message: `rfc2217://127.0.0.1:${s2n.rawPort}: RFC 2217 negotiation timed out after 500 ms waiting for: COM-PORT-OPTION (no DO 44), BINARY to server, BINARY from server, baud rate reply, data size reply, parity reply, stop size reply`,
      });
    });
  });
}
