// Transports: open errors, raw TCP, ptys (socat), in-memory pairs with seeded faults, switching, port listing.

import t from 'tap';
import * as net from 'node:net';
import { spawn, spawnSync } from 'node:child_process';
import { openTransport, memoryPair, FaultInjector, SwitchTransport } from '../src/transport';
import { BaseTransport } from '../src/transport/base';
import { FakeBoard, toyCatalog } from './lib/fakeBoard';
import { LinkBoard } from '../src/board/link';
import { guessBoard } from '../src/board/ports';
import { openBoard } from '../src/board/open';

/** A server-side socket as a Transport, for a FakeBoard behind a TCP listener. */
class SocketTransport extends BaseTransport {
  readonly description = 'server socket';
  constructor(private s: net.Socket) {
    super();
    s.on('data', (d) => this.emitData(d));
    s.on('close', () => this.emitClose());
    s.on('error', (e) => this.emitClose(e));
  }
  write(d: Uint8Array) {
    return new Promise<void>((r) => this.s.write(d, () => r()));
  }
  async close() {
    this.s.destroy();
  }
}

t.test('open errors name the URL and the cause', async (t) => {
  await t.rejects(openTransport('/dev/ttyACM9'), { message: 'Cannot open /dev/ttyACM9: No such file or directory' });
  await t.rejects(openTransport('tcp://127.0.0.1:1'), { message: 'Cannot open tcp://127.0.0.1:1: Connection refused' });
  await t.rejects(openTransport('tcp://localhost'), { message: 'Cannot open tcp://localhost: expected tcp://host:port' });
  await t.rejects(openTransport('tcp://localhost:70000'), { message: 'Cannot open tcp://localhost:70000: port 70000 outside 1..65535' });
  await t.rejects(openTransport('ftp://x:1'), { message: /^Cannot open ftp:\/\/x:1: unknown scheme "ftp"/ });
  await t.rejects(openTransport('memory'), { message: /use memoryPair\(\)/ });
  await t.rejects(openTransport(''), { message: 'Cannot open "": empty port' });
  // rfc2217:// goes to src/transport/rfc2217.ts; a refused connection still names the URL.
  await t.rejects(openTransport('rfc2217://127.0.0.1:1'), { message: /rfc2217:\/\/127\.0\.0\.1:1/ });
  await t.rejects(openBoard({ board: 'stm32h7' }), { message: 'Board stm32h7 needs a port (--port /dev/ttyACM0, tcp://host:port or rfc2217://host:port)' });
});

t.test('raw TCP link to a board (as ser2net serves it)', async (t) => {
  const server = net.createServer((s) => new FakeBoard(new SocketTransport(s), { name: 'tcp-fake' }));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `tcp://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  const tr = await openTransport(url);
  t.equal(tr.description, url);
  const board = await LinkBoard.connect(tr, { catalog: toyCatalog() });
  t.equal(board.info.name, 'tcp-fake');
  const a = Uint8Array.from({ length: 3000 }, (_, i) => i & 0xff);
  const b = Uint8Array.from({ length: 3000 }, (_, i) => (i * 3) & 0xff);
  const r = await board.run({ kernel: 'xor', shape: { S: 30, E: 100, P: 1, H: 1 }, rq: [], inputs: [a, b] });
  t.same(r.output, a.map((x, i) => x ^ b[i]));
  await board.close();
  server.close();
});

const haveSocat = spawnSync('socat', ['-V']).status === 0;
t.test('pty link (socat pair) with serialport', { skip: haveSocat ? false : 'socat is not installed' }, async (t) => {
  const socat = spawn('socat', ['-d', '-d', 'pty,raw,echo=0', 'pty,raw,echo=0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  t.teardown(() => socat.kill());
  const ptys = await new Promise<string[]>((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error(`socat gave no ptys: ${err}`)), 5000);
    socat.stderr!.on('data', (d) => {
      err += d;
      const m = [...err.matchAll(/PTY is (\S+)/g)].map((x) => x[1]);
      if (m.length === 2) {
        clearTimeout(timer);
        resolve(m);
      }
    });
  });
  const dev = await openTransport(ptys[1]);
  new FakeBoard(dev, { name: 'pty-fake', boot: false });
  const board = await LinkBoard.connect(await openTransport(ptys[0]), { catalog: toyCatalog() });
  t.equal(board.info.name, 'pty-fake');
  // Bytes a tty would mangle (XON/XOFF, CR/LF, 0x7F, 0xFF) must pass untouched.
  const a = Uint8Array.from({ length: 512 }, (_, i) => [0x11, 0x13, 0x0d, 0x0a, 0x7f, 0xff, 0x03, 0x1a][i % 8]);
  const b = Uint8Array.from({ length: 512 }, (_, i) => i & 0xff);
  const r = await board.run({ kernel: 'xor', shape: { S: 8, E: 64, P: 1, H: 1 }, rq: [], inputs: [a, b] });
  t.same(r.output, a.map((x, i) => x ^ b[i]));
  await board.close();
  await dev.close();
});

t.test('memoryPair faults are seeded and counted', async (t) => {
  const run = (seed: number) => {
    const f = new FaultInjector({ seed, drop: 0.01, dup: 0.01, flip: 0.01 });
    const out = f.apply(Uint8Array.from({ length: 100000 }, (_, i) => i & 0xff));
    return { out: out.toString('hex'), stats: f.stats };
  };
  const a = run(1);
  t.same(run(1), a, 'same seed, same faults');
  t.not(run(2).out, a.out, 'other seed, other faults');
  for (const k of ['dropped', 'duplicated', 'flipped'] as const) {
    t.ok(a.stats[k] > 800 && a.stats[k] < 1200, `${k} ≈ 1% (${a.stats[k]})`);
  }
  const [x, y] = memoryPair({ faults: { seed: 3, flip: 1 } });
  const got: Buffer[] = [];
  y.onData((c) => got.push(c));
  await x.write(Uint8Array.of(0, 0, 0, 0));
  await new Promise((r) => setImmediate(r));
  t.ok(got[0].every((b) => b !== 0 && (b & (b - 1)) === 0), 'every byte had one bit flipped');
});

t.test('SwitchTransport: swaps links, drops writes while detached, survives a link closing', async (t) => {
  const sw = new SwitchTransport('switch');
  const got: string[] = [];
  sw.onData((c) => got.push(c.toString()));
  await sw.write(Buffer.from('lost')); // nothing attached: dropped, no error
  const [a1, b1] = memoryPair();
  sw.attach(a1);
  const seen1: string[] = [];
  b1.onData((c) => seen1.push(c.toString()));
  await sw.write(Buffer.from('one'));
  await b1.write(Buffer.from('r1'));
  await new Promise((r) => setImmediate(r));
  await b1.close(); // the far end dies
  await new Promise((r) => setImmediate(r));
  t.equal(sw.attached, null, 'detached when the link closed');
  t.equal(sw.closed, false, 'the switch itself stays open');
  const [a2, b2] = memoryPair();
  sw.attach(a2);
  const seen2: string[] = [];
  b2.onData((c) => seen2.push(c.toString()));
  await sw.write(Buffer.from('two'));
  await b2.write(Buffer.from('r2'));
  await new Promise((r) => setImmediate(r));
  t.same(seen1, ['one']);
  t.same(seen2, ['two']);
  t.same(got, ['r1', 'r2']);
  await sw.close();
  t.equal(sw.closed, true);
});

t.test('listPorts and the ST-LINK guess', async (t) => {
  t.match(guessBoard('0483', '374B'), /ST-LINK\/V2-1.*NUCLEO-L476RG/);
  t.match(guessBoard('0483', '374e'), /ST-LINK\/V3E.*NUCLEO-H743ZI2/);
  t.match(guessBoard('0483', '3752'), /ST-LINK\/V2-1/);
  t.equal(guessBoard('dead', 'beef'), undefined);
});

t.test('startHostSim errors are plain', async (t) => {
  const { startHostSim } = await import('../src/board/hostsim');
  await t.rejects(startHostSim({ binary: '/nonexistent/tinyhil-host-sim' }), {
    message: 'tinyhil-host-sim not found at /nonexistent/tinyhil-host-sim: run `npm install`',
  });
  await t.rejects(startHostSim({ binary: '/bin/false' }), { message: /^\/bin\/false (--exit-with-parent)? ?exited \(1\) before serving$/ });
});

t.test('openBoard on a tcp:// port', async (t) => {
  const server = net.createServer((s) => new FakeBoard(new SocketTransport(s), { name: 'lab-fake' }));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = `tcp://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  const b = await openBoard({ board: 'stm32l4', port, catalog: toyCatalog() });
  t.equal(b.info.name, 'stm32l4', 'the name asked for');
  t.equal(b.info.firmwareVersion, '0.0.0-fake');
  t.equal(b.restart, undefined, 'not started here, cannot be restarted');
  await b.close();
  server.close();
});
