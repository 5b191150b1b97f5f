// ProtocolClient against the in-memory FakeBoard: retries, duplicates, garbage, BOOT mid-request, seq wrap.

import t from 'tap';
import { ProtocolClient } from '../src/protocol/client';
import { BoardError, BoardResetError, LinkClosedError, LinkTimeoutError } from '../src/protocol/errors';
import { MsgType } from '../src/protocol/constants';
import { buildHello, encodeFrame, parseRunRequest, runRequest, RunParams } from '../src/protocol/frame';
import { cobsDecode } from '../src/protocol/cobs';
import { FakeBoard } from './lib/fakeBoard';
import { memoryPair, MemoryTransport } from '../src/transport/memory';
import { crc32 } from '../src/protocol/crc32';

function setup(clientOpts = {}, boardOpts = {}) {
  const [host, dev] = memoryPair();
  const board = new FakeBoard(dev, boardOpts);
  const client = new ProtocolClient(host, { timeoutMs: 40, backoffMs: 2, ...clientOpts });
  return { host, dev, board, client };
}

/** Splits wire bytes at 0x00 delimiters into non-empty COBS blocks. */
function blocks(wire: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  for (let i = 0; i <= wire.length; i++) {
    if (i === wire.length || wire[i] === 0) {
      if (i > start) out.push(wire.subarray(start, i));
      start = i + 1;
    }
  }
  return out;
}

/** Records what the board receives, by wrapping the board side's delivery. */
function tap(dev: MemoryTransport): Buffer[] {
  const seen: Buffer[] = [];
  const deliver = dev.deliver.bind(dev);
  dev.deliver = (c: Buffer) => {
    seen.push(c);
    deliver(c);
  };
  return seen;
}

const xorRun = (n: number, at = 0): RunParams => ({
  kernelId: 0,
  nCores: 1,
  split: 0,
  shape: { S: 1, E: n, P: 1, H: 1 },
  rq: [],
  consts: [],
  repeat: 1,
  inputOffsets: [at, at + n],
  outputOffset: at + 2 * n,
  scratchOffset: at + 3 * n,
  scratchBytes: 0,
});

t.test('BOOT at start emits reset; HELLO negotiates the frame size', async (t) => {
  const { client, board } = setup({ hostMaxFrame: 1024 });
  const infos: unknown[] = [];
  client.on('reset', (i) => infos.push(i));
  await new Promise((r) => setTimeout(r, 10));
  t.equal(infos.length, 1, 'BOOT seen');
  t.match(infos[0], { board: 'fake', maxFrame: 256 });
  t.equal(client.maxFrame, 256);
  const h = await client.hello();
  t.equal(h.maxFrame, 1024, 'min(host 1024, board 4096)');
  t.equal(client.maxFrame, 1024);
  t.same(h.kernels.map((k) => k.name), ['xor', 'addb', 'rev']);
  t.equal(board.handled, 1);
});

t.test('write/read/crc chunk to the negotiated frame and verify', async (t) => {
  const { client, board } = setup({ hostMaxFrame: 300 });
  await client.hello();
  const data = Uint8Array.from({ length: 3001 }, (_, i) => (i * 7 + 3) & 0xff);
  await client.write(100, data);
  t.same(board.arena.subarray(100, 3101), data, 'arena holds the bytes');
  // 300 - 7 - 4 = 289 data bytes per WRITE: 11 frames, then one CRC.
  t.equal(board.handled, 1 + 11 + 1);
  t.same(await client.read(100, 3001), data);
  t.equal(board.handled, 1 + 12 + 11, 'READ takes 293 bytes per frame');
  t.equal(await client.crc(100, 3001), crc32(data));
});

t.test('lost request: timeout, 0x00 flush, same frame resent', async (t) => {
  // 300 ms a try: the resend's reply must not time out too on a loaded host (the count is asserted).
  const { client, board, dev } = setup({ timeoutMs: 300, minTimeoutMs: 300 });
  await client.hello();
  const seen = tap(dev);
  board.dropRequests = 1;
  const crc = await client.crc(0, 16);
  t.equal(crc, crc32(new Uint8Array(16)));
  t.equal(client.stats.timeouts, 1);
  t.equal(client.stats.resends, 1);
  const wire = Buffer.concat(seen);
  const frames = blocks(wire).map((b) => b.toString('hex'));
  t.equal(frames.length, 2, 'two copies of the request');
  t.equal(frames[0], frames[1], 'byte-identical (same seq)');
  const first = frames[0].length / 2 + 1;
  t.same([wire[first - 1], wire[first]], [0, 0], 'resend preceded by a flush 0x00');
  t.equal(wire.length, 2 * first + 1);
});

t.test('lost RUN reply: resend answered from the reply cache, kernel runs once', async (t) => {
  const { client, board } = setup();
  await client.hello();
  await client.write(0, Uint8Array.from([1, 2, 3, 4, 0xf0, 0x0f, 0xff, 0]));
  board.dropReplies = 1;
  const r = await client.run(xorRun(4), 40);
  t.equal(board.kernelRuns, 1, 'not run twice');
  t.equal(board.cached, 1, 'cached reply served');
  t.equal(r.outputBytes, 4);
  t.same(await client.read(8, 4), Uint8Array.from([0xf1, 0x0d, 0xfc, 4]));
  t.same(await client.counters(), r, 'COUNTERS returns the last RUN reply');
});

t.test('corrupted reply: resent at once, no timeout needed', async (t) => {
  const { client, board } = setup({ timeoutMs: 5000 });
  await client.hello();
  board.corruptReplies = 1;
  const t0 = Date.now();
  await client.crc(0, 8);
  t.ok(Date.now() - t0 < 1000, 'did not wait for the 5 s timeout');
  t.equal(client.stats.timeouts, 0);
  t.equal(client.stats.resends, 1);
  t.ok(client.stats.corrupt >= 1);
  t.equal(board.cached, 1, 'the board answered the resend from its cache');
});

t.test('BAD_CRC from the board (request corrupted on the way): resend', async (t) => {
  const { client, host, board } = setup({ timeoutMs: 5000 });
  await client.hello();
  const write = host.write.bind(host);
  let first = true;
  host.write = (d: Uint8Array) => {
    if (first && d.length > 4) {
      first = false;
      const c = Uint8Array.from(d);
      c[3] ^= 0x01;
      if (c[3] === 0) c[3] = 0x42;
      return write(c);
    }
    return write(d);
  };
  t.equal(await client.crc(0, 8), crc32(new Uint8Array(8)));
  t.equal(client.stats.resends, 1);
  t.equal(client.stats.timeouts, 0);
  t.equal(board.handled, 2, 'HELLO, then the CRC request once');
});

t.test('garbage, stale replies and duplicates are ignored', async (t) => {
  const { client, host } = setup({ timeoutMs: 5000, minTimeoutMs: 5000 }); // no resend on a loaded host
  await client.hello();
  const ignored = client.stats.ignored;
  // Garbage without delimiters, a malformed block, a valid frame with a stale seq, a duplicated stale reply.
  host.deliver(Buffer.from('hello world, this is line noise \r\n'));
  host.deliver(Buffer.from([0x05, 0x11, 0x00]));
  const stale = Buffer.from(encodeFrame(MsgType.CRC | 0x80, 999, Uint8Array.of(1, 2, 3, 4)));
  host.deliver(Buffer.concat([stale, stale]));
  await new Promise((r) => setTimeout(r, 5));
  t.equal(client.stats.ignored - ignored, 2, 'stale replies ignored');
  const before = client.stats.resends;
  t.equal(await client.crc(0, 4), crc32(new Uint8Array(4)));
  t.equal(client.stats.resends, before, 'idle garbage costs no resend');
});

t.test('BOOT mid-request fails it with BoardResetError and emits reset', async (t) => {
  const { client, board } = setup({ timeoutMs: 2000 });
  await client.hello();
  const resets: unknown[] = [];
  client.on('reset', (i) => resets.push(i));
  board.onRequest = (type) => {
    if (type === MsgType.RUN) {
      board.onRequest = undefined;
      board.dropRequests = 0;
      board.boot(); // the board "crashes" on this RUN and restarts
    }
  };
  // The RUN itself is still answered after boot() by the fake; BOOT arrives first.
  await t.rejects(client.run(xorRun(4)), BoardResetError);
  t.equal(resets.length, 1);
  t.equal(client.maxFrame, 256, 'back to the default frame until HELLO');
  t.equal(client.resetCount, 2, 'the BOOT at start and this one');
  await client.hello();
  t.equal(client.maxFrame, 4096);
});

t.test('retries exhausted: LinkTimeoutError names the request and the link', async (t) => {
  const { client, board } = setup({ retries: 2, timeoutMs: 20 });
  await client.hello();
  board.dropRequests = 100;
  await t.rejects(client.read(0, 4), { name: 'LinkTimeoutError', message: 'no valid reply to READ from memory:a after 3 tries' });
  t.type(await client.read(0, 4).catch((e) => e), LinkTimeoutError);
});

t.test('board errors are thrown as BoardError with code, request and detail', async (t) => {
  const { client } = setup();
  await client.hello();
  const e = (await client.read(65530, 10).catch((e) => e)) as BoardError;
  t.type(e, BoardError);
  t.equal(e.codeName, 'OUT_OF_ARENA');
  t.equal(e.requestName, 'READ');
  t.equal(e.detail, 65540);
  const p = xorRun(4);
  p.outputOffset = 6;
  const o = (await client.run(p).catch((e) => e)) as BoardError;
  t.equal(o.codeName, 'OVERLAP');
  t.equal(o.detail, 4, 'the overlapped region\'s offset');
  t.throws(() => runRequest({ ...p, rq: new Array(7).fill([1, 0]) }), /rq has 7 pairs, max 6/);
  t.same(parseRunRequest(runRequest(p)).outputOffset, 6);
});

t.test('sequence numbers run 1..65535 then wrap to 1; requests never overlap', async (t) => {
  const { client, dev } = setup({ timeoutMs: 5000, minTimeoutMs: 5000 }); // no resend on a loaded host
  await client.hello();
  (client as unknown as { seq: number }).seq = 65533;
  const seen = tap(dev);
  const all = await Promise.all(Array.from({ length: 4 }, (_, i) => client.crc(i, 1)));
  t.equal(all.length, 4);
  const seqs = blocks(Buffer.concat(seen)).map((b) => {
    const f = cobsDecode(b)!;
    return f[1] | (f[2] << 8);
  });
  t.same(seqs, [65534, 65535, 1, 2]);
});

t.test('closing the link fails pending and later requests', async (t) => {
  const { client, board, host } = setup({ timeoutMs: 5000 });
  await client.hello();
  board.dropRequests = 1;
  const p = client.crc(0, 4);
  setTimeout(() => void host.close(), 10);
  await t.rejects(p, LinkClosedError);
  await t.rejects(client.crc(0, 4), /link to memory:a closed/);
});

t.test('BOOT payload parses even when its HELLO reply carries kernels', async (t) => {
  const [host, dev] = memoryPair();
  const client = new ProtocolClient(host);
  const got = new Promise((r) => client.on('reset', r));
  const h = new FakeBoard(dev, { boot: false }).hello(256);
  await dev.write(Buffer.concat([Buffer.of(0), encodeFrame(MsgType.BOOT, 0, buildHello(h))]));
  t.same(await got, h);
});

t.test('a board back at max_frame 256 (BOOT lost): TOO_LARGE of our own frame thrown after 3, not resent for the whole budget', async (t) => {
  const { client, board } = setup({ timeoutMs: 500, minTimeoutMs: 500, budgetMs: 20000 });
  await client.hello();
  board.silentReset();
  const t0 = Date.now();
  const e = (await client.write(0, new Uint8Array(1000)).catch((x) => x)) as BoardError;
  t.type(e, BoardError);
  t.equal(e.codeName, 'TOO_LARGE');
  t.equal(e.detail, 1000 + 4 + 7, 'the board measured our own frame');
  t.equal(client.stats.resends, 2, 'three tries, then thrown');
  t.ok(Date.now() - t0 < 2000, 'did not wait out the 20 s budget');
});

t.test('frames that keep failing shrink the chunk (the frame in flight is split); clean frames grow it back', async (t) => {
  const { client, board } = setup({ hostMaxFrame: 4096, timeoutMs: 100 });
  t.equal(client.chunkLimit, 256 - 7, 'full frames before HELLO');
  await client.hello();
  const data = Uint8Array.from({ length: 6000 }, (_, i) => (i * 13 + 1) & 0xff);
  // Every request longer than 600 wire bytes is lost: only frames of ≲ 590 data bytes get through.
  const host = client.transport as MemoryTransport;
  const write = host.write.bind(host);
  host.write = (d: Uint8Array) => (d.length > 600 ? Promise.resolve() : write(d));
  await client.write(0, data);
  t.same(board.arena.subarray(0, 6000), data, 'every byte arrived');
  // AIMD: it hovers at the largest frame that gets through (≤ 590 B), at most one 25% step above.
  t.ok(client.chunkLimit <= 590 * 1.25, `chunk shrank to what the line carries (${client.chunkLimit} B)`);
  t.ok(client.stats.timeouts >= 1 && client.stats.timeouts < 40, `a few lost frames (${client.stats.timeouts})`);
  host.write = write;
  const small = client.chunkLimit;
  await client.write(0, data);
  await client.write(0, data);
  t.ok(client.chunkLimit > small, `a clean line grows it back (${small} -> ${client.chunkLimit} B)`);
  t.same(await client.read(0, 6000), data);
});

t.test('a reopened link fails the request in flight with LinkReopenedError and emits reopen', async (t) => {
  const { client, board, host } = setup({ timeoutMs: 5000 });
  await client.hello();
  let reopen: (() => void) | undefined;
  (host as unknown as { onReopen: (l: () => void) => void }).onReopen = (l) => (reopen = l);
  // The client subscribed in its constructor: subscribe a second client-like listener by hand.
  const c2 = new ProtocolClient(host, { timeoutMs: 5000 });
  await c2.hello();
  const reopened = new Promise((r) => c2.on('reopen', r));
  board.dropRequests = 1;
  const p = c2.crc(0, 4);
  setTimeout(() => reopen!(), 20);
  await t.rejects(p, { name: 'LinkReopenedError', message: 'link to memory:a was reopened during CRC; the board may have restarted' });
  await reopened;
  t.equal(c2.stats.reopens, 1);
  t.equal(c2.maxFrame, 256, 'a new board may answer: back to the default frame until HELLO');
  t.equal(client.stats.reopens, 0);
});
