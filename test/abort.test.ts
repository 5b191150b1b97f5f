// abort.test.ts - issue 14 on real boards: the repeat limit (HELLO max_repeat, REPEAT_LIMIT, refused
// by the host first), ABORT of a long RUN through board.abort() and board.close() on host-sim and the
// QEMU boards, the wire bytes of ABORT as docs/protocol.md spells them, and gelu qb <= 0.
import t from 'tap';
import { openBoard, type OpenedBoard } from '../src/board/open';
import { hostSimUnavailable } from '../src/board/hostsim';
import { qemuUnavailable } from '../src/board/qemu';
import { KERNELS } from '../src/golden';
import { generateInputs, tensorBytes } from '../src/gen';
import { ErrorCode, MsgType } from '../src/protocol/constants';
import { BoardError, RunAbortedError } from '../src/protocol/errors';
import { encodeFrame, runRequest } from '../src/protocol/frame';
import { CobsDecoder } from '../src/protocol/cobs';
import { HostBoard } from '../src/board/host';
import { runTimed } from '../src/native';
import type { RunRequest } from '../src/board/types';

const LIMIT = 1_000_000;

/** linear_qk of a given shape, repeated: with a big repeat it would keep the board busy for minutes. */
function qk(shape: { S: number; E: number; P: number; H: number }, repeat: number): RunRequest {
  const inputs = generateInputs('linear_qk', shape, 7).map(tensorBytes);
  return { kernel: 'linear_qk', shape, rq: KERNELS.linear_qk.defaultRq, inputs, repeat };
}

/** Starts a run, calls stop() `afterMs` after its RUN frame went out; returns the error and the ms from stop() to it. */
async function stopMidRun(b: OpenedBoard, req: RunRequest, afterMs: number, stop: () => Promise<void>) {
  let started = 0;
  const onSend = (type: number) => {
    if (type === MsgType.RUN && !started) started = Date.now();
  };
  b.client.on('send', onSend);
  const run = b.run(req).then(
    () => null,
    (e: unknown) => ({ err: e as Error, at: Date.now() }),
  );
  while (!started) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, afterMs));
  const t0 = Date.now();
  const stopped = stop();
  const got = await run;
  await stopped;
  b.client.off('send', onSend);
  return { err: got?.err, ms: got ? got.at - t0 : -1, stopDoneMs: Date.now() - t0 };
}

t.test('ABORT on the wire is the frame docs/protocol.md spells out', async (t) => {
  t.same([...encodeFrame(MsgType.ABORT, 0x1234)], [0x08, 0x08, 0x34, 0x12, 0x15, 0x0a, 0xc1, 0xb9, 0x00]);
  const e = new RunAbortedError(3, 'RUN linear_qk: aborted after 3 of 10 repeats');
  t.ok(e instanceof BoardError, 'a BoardError');
  t.same([e.code, e.detail, e.completed, e.codeName, e.requestName], [14, 3, 3, 'ABORTED', 'RUN']);
});

t.test('the host decoder ignores a COBS chunk that decodes to nothing, as the board does', async (t) => {
  const frames: number[][] = [];
  const drops: string[] = [];
  const d = new CobsDecoder(256, (f) => frames.push([...f]), (why) => drops.push(why));
  d.push(Uint8Array.of(0x01, 0x00, 0x00, 0x01, 0x00));
  t.same([frames, drops], [[], []], 'no frame, nothing dropped (no resend triggered)');
  d.push(Uint8Array.of(0x02, 0x00)); // code 2 wants one byte: malformed
  t.same(drops, ['malformed']);
  d.push(encodeFrame(MsgType.ABORT, 0x1234));
  t.same(frames, [[0x08, 0x34, 0x12, 0x15, 0x0a, 0xc1, 0xb9]]);
});

t.test('host board (in-process addon): abort() between repeats, gelu qb = 0 refused by the kernel library too', async (t) => {
  const b = new HostBoard();
  const shape = { S: 16, E: 32, P: 16, H: 2 };
  const run = b.run(qk(shape, LIMIT)).catch((e: unknown) => e as Error);
  await new Promise((r) => setTimeout(r, 300));
  const t0 = Date.now();
  await b.abort();
  const err = await run;
  const ms = Date.now() - t0;
  t.ok(err instanceof RunAbortedError, `${err?.message}`);
  t.ok((err as RunAbortedError).completed >= 1, `completed ${(err as RunAbortedError).completed}`);
  t.ok(ms < 1000, `stopped ${ms} ms after abort()`);
  const gshape = { S: 2, E: 4, P: 1, H: 1 };
  const inputs = [new Uint8Array(8)];
  const qb0 = 'run gelu: consts[0]: expected qb > 0 (gelu), found 0';
  t.equal((await b.run({ kernel: 'gelu', shape: gshape, rq: [[296, 20]], consts: [0, 1772, 1772], inputs }).catch((e: Error) => e) as Error).message, qb0);
  t.equal((await (async () => runTimed({ kernel: 'gelu', shape: gshape, rq: [[296, 20]], consts: [0, 1772, 1772], inputs }))().catch((e: Error) => e) as Error).message, qb0,
    'src/native.ts refuses qb = 0 before the addon (test/addon-errors.test.ts: the C library refuses it too)');
  const ok = await runTimed({ kernel: 'gelu', shape: gshape, rq: [[296, 20]], consts: [1, 1772, 1772], inputs });
  t.equal(ok.output.length, 8, 'qb = 1 runs');
});

const boards: Array<[string, string | null, { S: number; E: number; P: number; H: number }]> = [
  ['host-sim', hostSimUnavailable(), { S: 32, E: 64, P: 32, H: 4 }],
  ['qemu-m4', qemuUnavailable('qemu-m4'), { S: 8, E: 32, P: 16, H: 2 }],
  ['qemu-m7', qemuUnavailable('qemu-m7'), { S: 8, E: 32, P: 16, H: 2 }],
  ['qemu-rv32', qemuUnavailable('qemu-rv32'), { S: 8, E: 32, P: 16, H: 2 }],
];

for (const [name, why, shape] of boards) {
  t.test(name, { skip: why ?? false }, async (t) => {
    let b = await openBoard({ board: name });
    t.teardown(() => b.close());

    t.test('HELLO names the repeat limit; above it the host refuses before sending', async (t) => {
      t.equal(b.info.maxRepeat, LIMIT, `max_repeat ${LIMIT}`);
      const before = b.client.stats.requests;
      await t.rejects(b.run(qk(shape, LIMIT + 1)), { message: `run linear_qk: repeat: expected an integer in 1..${LIMIT} (${name}'s HELLO max_repeat), found ${LIMIT + 1}` });
      t.equal(b.client.stats.requests, before, 'nothing sent');
    });

    t.test('the board refuses it too (REPEAT_LIMIT, detail = the limit)', async (t) => {
      const p = { kernelId: 0, nCores: 1, split: 0, shape: { S: 1, E: 1, P: 1, H: 1 }, rq: [[1, 0]] as Array<[number, number]>, consts: [], repeat: 0xffffffff, inputOffsets: [0, 4, 8], outputOffset: 12, scratchOffset: 16, scratchBytes: 0 };
      t.ok(runRequest(p).length === 112);
      const e = await b.client.run(p).catch((x: unknown) => x as BoardError);
      t.ok(e instanceof BoardError);
      t.same([(e as BoardError).code, (e as BoardError).detail], [ErrorCode.REPEAT_LIMIT, LIMIT]);
      t.equal((e as BoardError).text, `RUN linear_qk: repeat 4294967295 above this board's limit of ${LIMIT} (HELLO max_repeat)`);
    });

    t.test('gelu with qb = 0: the host refuses, and so does the board (BAD_SHAPE)', async (t) => {
      const gshape = { S: 2, E: 4, P: 1, H: 1 };
      const inputs = generateInputs('gelu', gshape, 1).map(tensorBytes);
      await t.rejects(b.run({ kernel: 'gelu', shape: gshape, rq: [[296, 20]], consts: [0, 1772, 1772], inputs }), { message: 'run gelu: consts[0]: expected qb > 0 (gelu), found 0' });
      const p = { kernelId: KERNELS.gelu.id, nCores: 1, split: 0, shape: gshape, rq: [[296, 20]] as Array<[number, number]>, consts: [0, 1772, 1772], repeat: 1, inputOffsets: [0], outputOffset: 16, scratchOffset: 32, scratchBytes: 0 };
      const e = (await b.client.run(p).catch((x: unknown) => x)) as BoardError;
      t.same([e.code, e.detail, e.text], [ErrorCode.BAD_SHAPE, 0, 'RUN gelu: qb (consts[0]) = 0, must be > 0']);
    });

    t.test('board.abort() stops a RUN of a million repeats within a second', async (t) => {
      const { err, ms } = await stopMidRun(b, qk(shape, LIMIT), 1000, () => b.abort());
      t.ok(err instanceof RunAbortedError, `RunAbortedError (${err?.message})`);
      const done = (err as RunAbortedError).completed;
      t.ok(done >= 1 && done < LIMIT, `completed ${done} of ${LIMIT} repeats`);
      t.match(err!.message, new RegExp(`RUN linear_qk: aborted after ${done} of ${LIMIT} repeats`));
      t.ok(ms >= 0 && ms < 1000, `run() rejected ${ms} ms after abort()`);
      const r = await b.run(qk({ S: 2, E: 3, P: 2, H: 1 }, 1));
      t.equal(r.output.length, 4, 'the board runs again at once');
    });

    t.test('an abort() while the inputs are still being written: no RUN is sent', async (t) => {
      const sent: number[] = [];
      const onSend = (type: number) => sent.push(type);
      b.client.on('send', onSend);
      const run = b.run(qk(shape, LIMIT)).catch((e: unknown) => e as Error);
      await b.abort();
      const err = await run;
      b.client.off('send', onSend);
      t.ok(err instanceof RunAbortedError && err.completed === 0, `${err?.message}`);
      t.notOk(sent.includes(MsgType.RUN), 'no RUN frame went out');
    });

    t.test('board.close() mid-RUN aborts it and returns within a second', async (t) => {
      const { err, ms, stopDoneMs } = await stopMidRun(b, qk(shape, LIMIT), 500, () => b.close());
      t.ok(err instanceof RunAbortedError, `RunAbortedError (${err?.message})`);
      t.ok((err as RunAbortedError).completed >= 1, `completed ${(err as RunAbortedError).completed}`);
      t.ok(ms < 1000, `run() rejected ${ms} ms after close()`);
      t.ok(stopDoneMs < 3000, `close() done ${stopDoneMs} ms after it was called (the board process stopped too)`);
      b = await openBoard({ board: name }); // for the teardown
    });
  });
}
