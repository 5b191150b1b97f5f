// rfc2217-codec.test.ts - Telnet codec and RFC 2217 negotiation against an in-test fake server.
import t from 'tap';
import * as net from 'net';
import fc from 'fast-check';
import {
  escapeIac, subnegotiation, TelnetDecoder, openRfc2217, parseRfc2217Url,
  IAC, DO, DONT, WILL, WONT, SB, SE, OPT_BINARY, OPT_ECHO, OPT_SGA, OPT_COM_PORT,
} from '../src/transport/rfc2217';
import type { Transport } from '../src/transport/types';
import './lib/fcSeed';

type Ev = ['cmd', number, number] | ['sb', number, number[]];

function decodeAll(chunks: Uint8Array[]): { data: number[]; events: Ev[] } {
  const events: Ev[] = [];
  const dec = new TelnetDecoder({
    command: (v, o) => events.push(['cmd', v, o]),
    subnegotiation: (o, p) => events.push(['sb', o, [...p]]),
  });
  const data: number[] = [];
  for (const c of chunks) data.push(...dec.push(c));
  return { data, events };
}

function splitAt(buf: Buffer, cuts: number[]): Buffer[] {
  const pts = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of pts) { out.push(buf.subarray(prev, p)); prev = p; }
  out.push(buf.subarray(prev));
  return out;
}

t.test('escapeIac doubles every 0xFF and nothing else', async (t) => {
  t.same([...escapeIac(Uint8Array.of(1, 255, 0, 255, 255, 13))], [1, 255, 255, 0, 255, 255, 255, 255, 13]);
  t.same([...escapeIac(new Uint8Array(0))], []);
  t.same([...subnegotiation(44, Uint8Array.of(1, 0, 0, 0xff, 0xff))], [255, 250, 44, 1, 0, 0, 255, 255, 255, 255, 255, 240]);
});

t.test('a 0xFF data byte split across chunks decodes to one 0xFF', async (t) => {
  const r = decodeAll([Uint8Array.of(0x41, IAC), Uint8Array.of(IAC, 0x42)]);
  t.same(r.data, [0x41, 0xff, 0x42]);
  t.same(r.events, []);
  const r2 = decodeAll([Uint8Array.of(IAC), Uint8Array.of(IAC), Uint8Array.of(IAC), Uint8Array.of(IAC)]);
  t.same(r2.data, [0xff, 0xff]);
});

t.test('a subnegotiation split at every position gives the same event and data', async (t) => {
  const wire = Buffer.from([7, IAC, SB, OPT_COM_PORT, 101, 0, 1, IAC, IAC, 0, IAC, SE, 8, IAC, WILL, OPT_BINARY, 9]);
  const whole = decodeAll([wire]);
  t.same(whole.data, [7, 8, 9]);
  t.same(whole.events, [['sb', 44, [101, 0, 1, 255, 0]], ['cmd', WILL, 0]]);
  for (let i = 0; i <= wire.length; i++) {
    for (let j = i; j <= wire.length; j++) {
      const r = decodeAll([wire.subarray(0, i), wire.subarray(i, j), wire.subarray(j)]);
      t.same(r, whole, `cuts at ${i},${j}`, { diagnostic: false });
    }
  }
});

t.test('NOP/GA/DM and a stray SE are dropped; an IAC command inside SB aborts it', async (t) => {
  const r = decodeAll([Buffer.from([1, IAC, 241, 2, IAC, 249, 3, IAC, 242, IAC, SE, 4])]);
  t.same(r.data, [1, 2, 3, 4]);
  const r2 = decodeAll([Buffer.from([IAC, SB, 44, 1, 2, IAC, DO, OPT_SGA, 5])]);
  t.same(r2.events, [['cmd', DO, OPT_SGA]]);
  t.same(r2.data, [5]);
});

t.test('property: escaped data with interleaved commands, cut anywhere, decodes exactly', async (t) => {
  const piece = fc.oneof(
    fc.uint8Array({ maxLength: 20 }).map((d) => ({ d: [...d], wire: escapeIac(d), ev: [] as Ev[] })),
    fc.tuple(fc.constantFrom(DO, DONT, WILL, WONT), fc.integer({ min: 0, max: 255 }))
      .map(([v, o]) => ({ d: [] as number[], wire: Buffer.from([IAC, v, o]), ev: [['cmd', v, o]] as Ev[] })),
    fc.tuple(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 8 }))
      .map(([o, p]) => ({ d: [] as number[], wire: subnegotiation(o, p), ev: [['sb', o, [...p]]] as Ev[] })),
  );
  fc.assert(fc.property(fc.array(piece, { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 6 }), (pieces, cuts) => {
    const wire = Buffer.concat(pieces.map((p) => p.wire));
    const r = decodeAll(splitAt(wire, cuts));
    t.same(r.data, pieces.flatMap((p) => p.d), '', { diagnostic: false });
    t.same(r.events, pieces.flatMap((p) => p.ev), '', { diagnostic: false });
  }), { numRuns: 300 });
});

t.test('URL parsing names the bad URL', async (t) => {
  t.same(parseRfc2217Url('rfc2217://lab-pi.local:2217'), { host: 'lab-pi.local', port: 2217 });
  t.same(parseRfc2217Url('rfc2217://[::1]:7000'), { host: '::1', port: 7000 });
  t.throws(() => parseRfc2217Url('tcp://a:1'), { message: 'rfc2217 URL "tcp://a:1": expected rfc2217://host:port with port 1..65535' });
  t.throws(() => parseRfc2217Url('rfc2217://a:70000'), { message: 'rfc2217 URL "rfc2217://a:70000": expected rfc2217://host:port with port 1..65535' });
  await t.rejects(openRfc2217('rfc2217://127.0.0.1:1', { baudRate: 0 }), { message: 'rfc2217://127.0.0.1:1: baudRate 0 is not an integer in 1..4294967295' });
});

// --- fake server --------------------------------------------------------------------------

interface FakeOpts {
  greeting?: number[];             // what the server sends on connect
  refuseComPort?: boolean;
  silentSettings?: boolean;        // never answer SET-* (timeout case)
  baudReply?: number;              // answer SET-BAUDRATE with this value
  dribble?: boolean;               // send every reply one byte per TCP write
}

/** ser2net-like server: its greeting is the one ser2net 4.3 sends (captured on this machine). */
async function fakeServer(o: FakeOpts) {
  const received: Buffer[] = [];
  const socks: net.Socket[] = [];
  const server = net.createServer((sock) => {
    socks.push(sock);
    sock.setNoDelay(true);
    const send = (bytes: number[] | Buffer) => {
      const b = Buffer.from(bytes);
      if (o.dribble) for (const x of b) sock.write(Buffer.of(x));
      else sock.write(b);
    };
    send(o.greeting ?? [IAC, WILL, OPT_SGA, IAC, DO, OPT_SGA, IAC, WILL, OPT_ECHO, IAC, DONT, OPT_ECHO,
      IAC, DO, OPT_BINARY, IAC, WILL, OPT_BINARY, IAC, DO, OPT_COM_PORT]);
    const dec = new TelnetDecoder({
      command: (v, opt) => {
        if (v === WILL && opt === OPT_COM_PORT && o.refuseComPort) send([IAC, DONT, OPT_COM_PORT]);
      },
      subnegotiation: (opt, p) => {
        if (opt !== OPT_COM_PORT || o.silentSettings) return;
        let val = p.subarray(1);
        if (p[0] === 1 && o.baudReply !== undefined) { val = Buffer.alloc(4); val.writeUInt32BE(o.baudReply); }
        send(subnegotiation(OPT_COM_PORT, Buffer.concat([Buffer.of(p[0] + 100), val])));
      },
    });
    sock.on('data', (c) => { received.push(c); app.push(...dec.push(c)); });
    sock.on('error', () => {});
  });
  const app: number[] = [];
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `rfc2217://127.0.0.1:${port}`,
    received: () => Buffer.concat(received),
    app,
    send: (b: number[]) => { for (const s of socks) s.write(Buffer.from(b)); },
    sendSplit: (parts: number[][]) => (async () => {
      for (const p of parts) { for (const s of socks) s.write(Buffer.from(p)); await new Promise((r) => setTimeout(r, 15)); }
    })(),
    close: () => { for (const s of socks) s.destroy(); return new Promise<void>((r) => server.close(() => r())); },
  };
}

function collect(tr: Transport) {
  const got: number[] = [];
  tr.onData((c) => got.push(...c));
  return {
    got,
    until: async (n: number) => {
      for (let i = 0; i < 200 && got.length < n; i++) await new Promise((r) => setTimeout(r, 10));
      return got;
    },
  };
}

t.test('negotiates with a ser2net-like server whose replies arrive one byte per segment', async (t) => {
  const srv = await fakeServer({ dribble: true });
  t.teardown(srv.close);
  const tr = await openRfc2217(srv.url, { baudRate: 0x0001ffff }); // baud bytes hold an 0xFF: escaped in SB
  const wire = srv.received();
  // Our requests first, then the answers to what we had not asked, never a repeat (no loop).
  const want = Buffer.from([
    IAC, WILL, OPT_BINARY, IAC, DO, OPT_BINARY, IAC, WILL, OPT_SGA, IAC, DO, OPT_SGA, IAC, WILL, OPT_COM_PORT,
    IAC, DO, OPT_ECHO,
    ...subnegotiation(OPT_COM_PORT, Buffer.from([1, 0, 1, 0xff, 0xff])),
    ...subnegotiation(OPT_COM_PORT, Buffer.from([2, 8])),
    ...subnegotiation(OPT_COM_PORT, Buffer.from([3, 1])),
    ...subnegotiation(OPT_COM_PORT, Buffer.from([4, 1])),
  ]);
  t.same([...wire], [...want], 'exact negotiation bytes from the client');
  t.equal(tr.description, srv.url);

  const rx = collect(tr);
  // Data from the server: 0xFF split across segments, and an unsolicited notify in the middle.
  await srv.sendSplit([[0x00, 0x0d, IAC], [IAC, 0x0a, IAC, SB, OPT_COM_PORT], [107, 0x30, IAC], [SE, 0xfe, IAC, IAC]]);
  t.same(await rx.until(6), [0x00, 0x0d, 0xff, 0x0a, 0xfe, 0xff]);

  await tr.write(Uint8Array.of(0xff, 0x00, 0x0d, 0x0a, 0xff, 0xff, 0x01));
  for (let i = 0; i < 100 && srv.app.length < 7; i++) await new Promise((r) => setTimeout(r, 10));
  t.same(srv.app, [0xff, 0x00, 0x0d, 0x0a, 0xff, 0xff, 0x01], 'server decodes exactly what was written');
  t.same([...srv.received().subarray(wire.length)], [0xff, 0xff, 0x00, 0x0d, 0x0a, 0xff, 0xff, 0xff, 0xff, 0x01], 'escaped on the wire');

  let closedWith: unknown = 'not called';
  tr.onClose((e) => { closedWith = e; });
  await tr.close();
  t.equal(closedWith, undefined, 'onClose called without error on a clean close');
  await t.rejects(tr.write(Uint8Array.of(1)), { message: `${srv.url}: write after the connection closed` });
});

t.test('data the server sends during negotiation is kept for the first listener', async (t) => {
  const srv = await fakeServer({ greeting: [0x55, IAC, DO, OPT_BINARY, IAC, WILL, OPT_BINARY, IAC, DO, OPT_COM_PORT, 0x66] });
  t.teardown(srv.close);
  const tr = await openRfc2217(srv.url);
  const rx = collect(tr);
  t.same(await rx.until(2), [0x55, 0x66]);
  await tr.close();
});

t.test('server that refuses COM-PORT-OPTION fails with a clear error', async (t) => {
  const srv = await fakeServer({ greeting: [IAC, DO, OPT_BINARY, IAC, WILL, OPT_BINARY], refuseComPort: true });
  t.teardown(srv.close);
  await t.rejects(openRfc2217(srv.url), {
    message: `${srv.url}: server refused COM-PORT-OPTION (44): not an RFC 2217 port (a plain telnet or raw accepter?)`,
  });
});

t.test('server that refuses BINARY fails', async (t) => {
  const srv = await fakeServer({ greeting: [IAC, DONT, OPT_BINARY, IAC, DO, OPT_COM_PORT] });
  t.teardown(srv.close);
  await t.rejects(openRfc2217(srv.url), { message: `${srv.url}: server refused BINARY transmission (we WILL BINARY, it said DONT)` });
});

t.test('silent settings time out naming what is missing', async (t) => {
  const srv = await fakeServer({ silentSettings: true });
  t.teardown(srv.close);
  await t.rejects(openRfc2217(srv.url, { negotiationTimeoutMs: 300 }), {
    message: `${srv.url}: RFC 2217 negotiation timed out after 300 ms waiting for: baud rate reply, data size reply, parity reply, stop size reply`,
  });
});

t.test('a server that sets another baud rate is an error', async (t) => {
  const srv = await fakeServer({ baudReply: 9600 });
  t.teardown(srv.close);
  await t.rejects(openRfc2217(srv.url, { baudRate: 115200 }), { message: `${srv.url}: server set baud rate 9600, asked for 115200` });
});

t.test('unsupported options are refused once, without loops', async (t) => {
  const srv = await fakeServer({ greeting: [IAC, DO, 24, IAC, WILL, 31, IAC, DO, OPT_BINARY, IAC, WILL, OPT_BINARY, IAC, DO, OPT_COM_PORT] });
  t.teardown(srv.close);
  const tr = await openRfc2217(srv.url);
  const w = [...srv.received()];
  const idx = (seq: number[]) => w.findIndex((_, i) => seq.every((b, k) => w[i + k] === b));
  t.ok(idx([IAC, WONT, 24]) >= 0, 'WONT TERMINAL-TYPE');
  t.ok(idx([IAC, DONT, 31]) >= 0, 'DONT NAWS');
  t.equal(w.filter((b, i) => b === IAC && w[i + 1] === WILL && w[i + 2] === OPT_BINARY).length, 1, 'WILL BINARY once');
  await tr.close();
});

t.test('the peer closing the socket reports onClose; connect failure names the URL', async (t) => {
  const srv = await fakeServer({});
  const tr = await openRfc2217(srv.url);
  const closed = new Promise<unknown>((r) => tr.onClose((e) => r(e)));
  await srv.close();
  t.equal(await closed, undefined);
  const err = await openRfc2217(srv.url).then(() => null, (e: Error) => e);
  t.match(err?.message, new RegExp(`^${srv.url}: connect failed: connect ECONNREFUSED`));
});
