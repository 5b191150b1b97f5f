// LinkBoard against the real host-sim over a pty: every kernel bit-exact vs the addon, refusals, counters.

import t from 'tap';
import fc from 'fast-check';
import { hostSimUnavailable } from '../src/board/hostsim';
import { openBoard, OpenedBoard } from '../src/board/open';
import { BoardError } from '../src/protocol/errors';
import { startHostSim } from '../src/board/hostsim';
import { openTransport } from '../src/transport';
import { CobsDecoder } from '../src/protocol/cobs';
import { crc32 } from '../src/protocol/crc32';
import { MsgType } from '../src/protocol/constants';
import { encodeFrame, helloRequest, parseFrame, runRequest, writeRequest } from '../src/protocol/frame';
import type { RunRequest, Shape } from '../src/board/types';
import { fcSeed } from './lib/fcSeed';
import { KERNEL_NAMES } from '../src/golden/registry';
import { nativeUnavailable } from './lib/native';

const skip = hostSimUnavailable() ?? nativeUnavailable() ?? false;

/** A request with seeded inputs and the kernel's default rq/consts (docs/kernels.md). */
function makeRequest(kernel: string, shape: Shape, seed: number, cores = 1, split: 'heads' | 'rows' = 'heads'): RunRequest {
  const native = require('../src/native') as typeof import('../src/native');
  const k = native.kernelInfo(kernel);
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let x = s;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return (x ^ (x >>> 14)) >>> 0;
  };
  const inputs = native.kernelSizes(kernel, shape).inputs.map((n) => Uint8Array.from({ length: n }, () => next() >>> 24));
  const rq: Array<[number, number]> =
    kernel === 'gelu' ? [[296, 20]] : kernel === 'add' ? [[1, 0], [1, 0]] : Array.from({ length: k.nRq }, () => [385, 16] as [number, number]);
  return { kernel, shape, rq, consts: kernel === 'gelu' ? [40, 1772, 1772] : [], inputs, cores, split };
}

const KERNELS = KERNEL_NAMES; // every kernel of the table (src/golden/kernels.ts)

t.test('host-sim over a pty', { skip }, async (t) => {
  const native = require('../src/native') as typeof import('../src/native');
  const board: OpenedBoard = await openBoard({ board: 'host-sim', hostSim: { arenaBytes: 1 << 20 }, timeoutMs: 2000 });
  t.teardown(() => board.close());

  t.test('HELLO', async (t) => {
    t.match(board.info, { name: 'host-sim', counterKind: 'nanoseconds', counterUnit: 'ns (host)', arenaBytes: 1 << 20, maxFrame: 4096, protocolVersion: 1 });
    t.same(board.info.kernels.map((k) => k.name), KERNELS);
    t.ok(board.info.nCores >= 1);
  });

  t.test('every kernel, random shapes and cores: bit-exact against the addon', async (t) => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...KERNELS),
        fc.record({ S: fc.integer({ min: 1, max: 12 }), E: fc.integer({ min: 1, max: 20 }), P: fc.integer({ min: 1, max: 9 }), H: fc.integer({ min: 1, max: 3 }) }),
        fc.integer({ min: 1, max: 4 }),
        fc.constantFrom<'heads' | 'rows'>('heads', 'rows'),
        fc.nat(),
        fc.nat(),
        async (kernel, shape0, cores, split, seed, tpick) => {
          const shape = kernel === 'mhsa_dft' ? { ...shape0, T: 1 + (tpick % shape0.S) } : shape0;
          const req = makeRequest(kernel, shape, seed, Math.min(cores, board.info.nCores), split);
          const r = await board.run(req);
          runs++;
          const golden = native.run(req);
          if (!Buffer.from(r.output).equals(golden)) throw new Error(`${kernel} ${JSON.stringify(shape)} cores ${cores} differs from the addon`);
          return r.perCore.length === req.cores && r.counter >= 0 && r.counterKind === 'nanoseconds';
        },
      ),
      { numRuns: 150, seed: fcSeed(2024) },
    );
    t.equal(runs, 150, '150 runs, all bit-exact');
    t.equal(board.runRetries, 0);
  });

  t.test('a shape too big for the arena is refused before anything is sent', async (t) => {
    const shape = { S: 512, E: 64, P: 64, H: 8 };
    const inputs = native.kernelSizes('mhsa', shape).inputs.map((n) => new Uint8Array(n));
    const before = board.client.stats.requests;
    await t.rejects(board.run({ kernel: 'mhsa', shape, rq: new Array(6).fill([385, 16]), inputs }), {
      message: "run mhsa: shape: expected tensors that fit host-sim's arena of 1048576 bytes, found S=512 E=64 P=64 H=8 (3345536 bytes)",
    });
    t.equal(board.client.stats.requests, before, 'no request sent');
  });

  t.test('a bad rq: the host refuses it, and so does the board with BAD_RQ (not retried)', async (t) => {
    const req = makeRequest('linear_qk', { S: 2, E: 3, P: 4, H: 1 }, 1);
    const { layout, kernelId } = board.plan(req);
    const before = board.client.stats.requests;
    await t.rejects(board.run({ ...req, rq: [[385, 40]] }), { message: 'run linear_qk: rq[0][1]: expected a div in 0..31, found 40' });
    t.equal(board.client.stats.requests, before, 'no request sent');
    const p = { kernelId, nCores: 1, split: 0, shape: { ...req.shape, T: 0 }, rq: [[385, 40]] as Array<[number, number]>, consts: [], repeat: 1,
      inputOffsets: layout.inputOffsets, outputOffset: layout.outputOffset, scratchOffset: layout.scratchOffset, scratchBytes: layout.scratchBytes };
    const e = (await board.client.run(p).catch((e) => e)) as BoardError;
    t.type(e, BoardError);
    t.equal(e.codeName, 'BAD_RQ');
    t.equal(e.requestName, 'RUN');
    t.equal(e.detail, 40);
    t.equal(board.runRetries, 0);
  });

  t.test('repeat and COUNTERS', async (t) => {
    const req = { ...makeRequest('softmax', { S: 8, E: 16, P: 1, H: 1 }, 5), repeat: 4 };
    const r = await board.run(req);
    t.same(Buffer.from(r.output), native.run(req));
    const c = await board.counters();
    t.equal(c.repeat, 4);
    t.equal(c.counter, r.counter, 'COUNTERS repeats the last RUN reply');
    t.equal(c.outputBytes, 128);
  });
});

t.test('raw frames to host-sim: COBS/CRC interop on random data, lost-reply recovery', { skip: hostSimUnavailable() ?? false }, async (t) => {
  const sim = await startHostSim({ arenaBytes: 1 << 16 });
  const link = await openTransport(sim.port);
  t.teardown(async () => {
    await link.close();
    await sim.stop();
  });
  const replies: Uint8Array[] = [];
  let wake: (() => void) | null = null;
  const dec = new CobsDecoder(8192, (f) => {
    replies.push(f);
    wake?.();
  });
  link.onData((c) => dec.push(c));
  const reply = async () => {
    while (!replies.length) await new Promise<void>((r) => (wake = r));
    const p = parseFrame(replies.shift()!);
    if (!p.ok) throw new Error('bad reply frame');
    return p.frame;
  };
  let seq = 0;
  const ask = async (type: number, payload: Uint8Array) => {
    await link.write(encodeFrame(type, ++seq, payload));
    let f = await reply();
    while (f.type === MsgType.BOOT) f = await reply();
    return f;
  };
  t.equal((await ask(MsgType.HELLO, helloRequest(4096))).type, 0x81);
  // Random lengths and contents, long non-zero runs included (COBS 0xFF blocks), written then read back.
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 4085 }), fc.integer({ min: 250, max: 4085 }).map((n) => new Uint8Array(n).fill(0xa5))),
      fc.nat(60000),
      async (data, at) => {
        const off = at % (65536 - data.length);
        const w = await ask(MsgType.WRITE, writeRequest(off, data));
        if (w.type !== 0x82) return false;
        const c = await ask(MsgType.CRC, new Uint8Array(new Uint32Array([off, data.length]).buffer));
        const r = await ask(MsgType.READ, new Uint8Array(new Uint32Array([off, Math.min(data.length, 4089)]).buffer));
        return new DataView(c.payload.buffer).getUint32(0, true) === crc32(data) && Buffer.from(r.payload).equals(Buffer.from(data.subarray(0, 4089)));
      },
    ),
    { numRuns: 60, seed: fcSeed(99) },
  );
  // The same RUN frame twice: the second reply is the cached bytes (same ns counter), not a second run.
  const native = require('../src/native') as typeof import('../src/native');
  const shape = { S: 16, E: 32, P: 8, H: 2 };
  const sizes = native.kernelSizes('mhsa', shape);
  let at = 0;
  const offsets = sizes.inputs.map((n) => {
    const o = at;
    at = Math.ceil((at + n) / 8) * 8;
    return o;
  });
  const frame = encodeFrame(
    MsgType.RUN,
    ++seq,
    runRequest({
      kernelId: 7,
      nCores: 1,
      split: 0,
      shape,
      rq: new Array(6).fill([385, 16]),
      consts: [],
      repeat: 1,
      inputOffsets: offsets,
      outputOffset: at,
      scratchOffset: at + sizes.output + 8,
      scratchBytes: native.scratchBytes('mhsa', shape, 1),
    }),
  );
  await link.write(frame);
  const first = await reply();
  await link.write(Buffer.concat([Buffer.of(0), frame]));
  const second = await reply();
  t.equal(first.type, 0x85, 'RUN ok');
  t.same(second, first, 'byte-identical reply: served from the cache, kernel not run twice');
});
