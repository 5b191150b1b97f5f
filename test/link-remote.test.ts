// LinkBoard over the in-memory FakeBoard: layout, refusals before sending, resets mid-run, lossy links.

import t from 'tap';
import fc from 'fast-check';
import { LinkBoard } from '../src/board/link';
import { FakeBoard, TOY_KERNELS, toyCatalog } from './lib/fakeBoard';
import { layoutArena } from '../src/board/layout';
import { memoryPair } from '../src/transport/memory';
import { MsgType } from '../src/protocol/constants';
import type { RunRequest } from '../src/board/types';
import { fcSeed } from './lib/fcSeed';

const catalog = toyCatalog();

async function setup(boardOpts = {}, remoteOpts = {}, faults?: { seed: number; drop?: number; dup?: number; flip?: number }) {
  const [host, dev] = memoryPair(faults ? { faults } : {});
  const fake = new FakeBoard(dev, boardOpts);
  const sent: number[] = [];
  const write = host.write.bind(host);
  host.write = (d: Uint8Array) => {
    sent.push(d.length);
    return write(d);
  };
  const board = await LinkBoard.connect(host, { catalog, timeoutMs: 30, runTimeoutMs: 200, backoffMs: 1, ...remoteOpts });
  return { board, fake, host, sent };
}

function rnd(seed: number) {
  let s = seed >>> 0;
  return (n: number) => Uint8Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) >>> 0) >>> 24) & 0xff);
}

/** What the toy kernel computes, independently of the fake board. */
function expected(req: RunRequest): Uint8Array {
  const k = TOY_KERNELS.find((x) => x.name === req.kernel)!;
  return k.run(req.inputs.map((b) => Uint8Array.from(b)), req.shape, new Uint8Array(k.scratch(req.shape, req.cores ?? 1)));
}

function request(kernel: string, S: number, E: number, seed: number, cores = 1): RunRequest {
  const sizes = catalog.kernelSizes(kernel, { S, E, P: 1, H: 1 });
  const r = rnd(seed);
  return { kernel, shape: { S, E, P: 1, H: 1 }, rq: Array.from({ length: catalog.kernelInfo(kernel).nRq }, (): [number, number] => [1, 0]), inputs: sizes.inputs.map((n) => r(n)), cores };
}

t.test('connect fills BoardInfo from HELLO', async (t) => {
  const { board } = await setup({ name: 'fakey', nCores: 3, arenaBytes: 9000 });
  t.same(board.info, {
    name: 'fakey',
    cpu: 'TypeScript',
    clockHz: 1000000,
    counterKind: 'cycles',
    counterUnit: 'cycles (fake)',
    arenaBytes: 9000,
    maxFrame: 4096,
    nCores: 3,
    protocolVersion: 1,
    firmwareVersion: '0.0.0-fake',
    kernels: TOY_KERNELS.map((k) => ({ id: k.id, name: k.name })),
  });
  await board.close();
});

t.test('layout: 8-byte aligned inputs, output, scratch', async (t) => {
  const l = layoutArena([5, 14, 3], 9, 17);
  t.same(l.inputOffsets, [0, 8, 24]);
  t.equal(l.inputsEnd, 27);
  t.equal(l.outputOffset, 32);
  t.equal(l.scratchOffset, 48);
  t.equal(l.total, 65);
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 5000 }), { minLength: 1, maxLength: 10 }), fc.nat(5000), fc.nat(5000), (ins, out, scr) => {
      const l = layoutArena(ins, out, scr);
      const regions = [...ins.map((n, i) => [l.inputOffsets[i], n]), [l.outputOffset, out], [l.scratchOffset, scr]];
      const disjoint = regions.every(([a, n], i) => regions.every(([b, m], j) => i === j || n === 0 || m === 0 || a + n <= b || b + m <= a));
      return disjoint && regions.every(([o]) => o % 8 === 0) && l.total === l.scratchOffset + scr;
    }),
  );
});

t.test('runs toy kernels and returns verified results', async (t) => {
  const { board, fake } = await setup();
  for (const [kernel, S, E, cores] of [
    ['xor', 3, 5, 1],
    ['addb', 2, 7, 1],
    ['rev', 4, 9, 2],
  ] as const) {
    const req = request(kernel, S, E, S * E, cores);
    const r = await board.run(req);
    t.same(r.output, expected(req), `${kernel} output`);
    const out = S * E;
    t.equal(r.counter, 10 * out + 7, 'counter from the RUN reply');
    t.same(r.perCore, new Array(cores).fill(10 * out + 7));
    t.equal(r.counterKind, 'cycles');
    t.equal(r.scratchBytes, kernel === 'rev' ? S * E * cores : 0);
    const sizes = catalog.kernelSizes(kernel, req.shape);
    t.equal(r.arenaPeak, layoutArena(sizes.inputs, sizes.output, r.scratchBytes).total);
  }
  t.equal(fake.kernelRuns, 3);
  t.equal(board.runRetries, 0);
});

t.test('refusals happen before anything is sent', async (t) => {
  const { board, sent } = await setup({ arenaBytes: 4096, name: 'tiny' });
  const n = sent.length;
  const big = request('rev', 40, 40, 1);
  await t.rejects(board.run(big), { message: "run rev: shape: expected tensors that fit tiny's arena of 4096 bytes, found S=40 E=40 P=1 H=1 (4800 bytes)" });
  const bad = request('xor', 2, 2, 1);
  bad.inputs[1] = new Uint8Array(3);
  await t.rejects(board.run(bad), { message: 'run xor: inputs[1]: expected 4 bytes (B at S=2 E=2 P=1 H=1), found 3 bytes' });
  await t.rejects(board.run({ ...request('xor', 2, 2, 1), inputs: [new Uint8Array(4)] }), { message: 'run xor: inputs: expected 2 input buffers (A, B), found 1' });
  await t.rejects(board.run({ ...request('xor', 2, 2, 1), cores: 3 }), { message: "run xor: cores: expected an integer in 1..2 (tiny's cores), found 3" });
  await t.rejects(board.run({ ...request('addb', 2, 2, 1), rq: [] }), { message: 'run addb: rq: expected 1 [mul, div] pair, found 0 pairs' });
  await t.rejects(board.run({ ...request('addb', 2, 2, 1), rq: [[1, 32]] }), { message: 'run addb: rq[0][1]: expected a div in 0..31, found 32' });
  await t.rejects(board.run({ ...request('xor', 2, 2, 1), repeat: 0 }), { message: 'run xor: repeat: expected an integer in 1..4294967295 (a u32), found 0' });
  await t.rejects(board.run({ ...request('xor', 2, 2, 1), kernel: 'nope' }), { message: 'Unknown kernel "nope"' });
  t.equal(sent.length, n, 'no byte was written for any refused request');
});

t.test('board reset (BOOT) during RUN: re-HELLO, re-send, re-run', async (t) => {
  const { board, fake } = await setup();
  const req = request('xor', 8, 8, 7);
  fake.onRequest = (type) => {
    if (type === MsgType.RUN) {
      fake.onRequest = undefined;
      fake.boot();
    }
  };
  const r = await board.run(req);
  t.same(r.output, expected(req));
  t.equal(board.runRetries, 1);
  t.equal(fake.kernelRuns, 2, 'ran on the zeroed arena once (discarded), then on re-sent inputs');
});

t.test('reset whose BOOT is lost: the post-run input check refuses the output', async (t) => {
  const { board, fake } = await setup();
  const req = request('xor', 8, 8, 9);
  fake.onRequest = (type) => {
    if (type === MsgType.RUN) {
      fake.onRequest = undefined;
      fake.silentReset();
    }
  };
  const r = await board.run(req);
  t.same(r.output, expected(req), 'the wrong (all-zero-input) output was not accepted');
  t.equal(board.runRetries, 1);
});

t.test('a board that keeps resetting: bounded attempts, clear error', async (t) => {
  const { board, fake } = await setup({}, { runAttempts: 2 });
  fake.onRequest = (type) => {
    if (type === MsgType.RUN) fake.boot();
  };
  await t.rejects(board.run(request('xor', 2, 2, 1)), {
    message: /^xor S=2 E=2 P=1 H=1 on fake failed after 2 attempts: board reset \(BOOT received\) during RUN/,
  });
});

t.test('lossy in-memory link: every result is verified or the run fails', async (t) => {
  const { board, fake } = await setup({}, { retries: 8, runAttempts: 4 }, { seed: 42, drop: 0.001, dup: 0.001, flip: 0.001 });
  let ok = 0;
  let failed = 0;
  await fc.assert(
    fc.asyncProperty(fc.constantFrom('xor', 'addb', 'rev'), fc.integer({ min: 1, max: 24 }), fc.integer({ min: 1, max: 40 }), fc.nat(), async (k, S, E, seed) => {
      const req = request(k, S, E, seed, k === 'rev' ? 2 : 1);
      try {
        const r = await board.run(req);
        ok++;
        return Buffer.from(r.output).equals(Buffer.from(expected(req)));
      } catch (e) {
        failed++;
        if (process.env.LINK_DEBUG) console.error((e as Error).message);
        return true;
      }
    }),
    { numRuns: 40, seed: fcSeed(7) },
  );
  t.ok(ok >= 36, `${ok} verified, ${failed} failed (retries ${board.client.stats.resends}, kernel runs ${fake.kernelRuns})`);
});

t.test('host and firmware disagree on scratch: a clear error, not a retry loop', async (t) => {
  const small = toyCatalog();
  const { board } = await setup({}, { catalog: { ...small, scratchBytes: () => 4 } });
  const e = (await board.run(request('rev', 4, 4, 1)).catch((e) => e)) as Error;
  t.equal(e.message, 'rev S=4 E=4 P=1 H=1: the host laid out 4 scratch bytes but fake needs 16; its firmware (0.0.0-fake) and the host kernels differ: rebuild/reflash it');
  t.equal(board.runRetries, 0);
});
