// The real host-sim behind a lossy relay (seeded drops, duplicates, bit flips) and killed mid-sweep:
// every result is bit-exact against the addon or reported failed — never a wrong output accepted.

import t from 'tap';
import { hostSimUnavailable, startHostSim } from '../src/board/hostsim';
import { openBoard } from '../src/board/open';
import { LinkBoard } from '../src/board/link';
import { FaultInjector, memoryPair, openTransport, relay } from '../src/transport';
import { MsgType } from '../src/protocol/constants';
import type { RunRequest, Shape } from '../src/board/types';
import { nativeUnavailable } from './lib/native';

const skip = hostSimUnavailable() ?? nativeUnavailable() ?? false;

function makeRequest(kernel: string, shape: Shape, seed: number): RunRequest {
  const native = require('../src/native') as typeof import('../src/native');
  const k = native.kernelInfo(kernel);
  let s = seed >>> 0;
  const next = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 24) & 0xff;
  const inputs = native.kernelSizes(kernel, shape).inputs.map((n) => Uint8Array.from({ length: n }, next));
  const rq: Array<[number, number]> = kernel === 'add' ? [[1, 0], [1, 0]] : Array.from({ length: k.nRq }, () => [385, 16] as [number, number]);
  return { kernel, shape, rq, inputs };
}

/** A fixed list of runs (a small sweep) over several kernels. */
function sweep(n: number): RunRequest[] {
  const kernels = ['linear_qk', 'linear_v', 'qk_softmax', 'mhsa', 'softmax', 'add', 'layernorm', 'mhsa_fwsa'];
  return Array.from({ length: n }, (_, i) => {
    const S = 4 + (i % 5) * 3;
    return makeRequest(kernels[i % kernels.length], { S, E: 8 + (i % 3) * 4, P: 4 + (i % 2) * 4, H: 1 + (i % 2) }, 1000 + i);
  });
}

t.test('lossy relay (~1% of bytes dropped, duplicated or flipped) to the real host-sim', { skip }, async (t) => {
  const native = require('../src/native') as typeof import('../src/native');
  const sim = await startHostSim({ arenaBytes: 1 << 20 });
  t.teardown(() => sim.stop());
  const pty = await openTransport(sim.port);
  const [client, far] = memoryPair();
  const faults = { seed: 12345, drop: 0.0033, dup: 0.0033, flip: 0.0034 };
  const toBoard = new FaultInjector(faults);
  const toHost = new FaultInjector({ ...faults, seed: 54321 });
  relay(far, pty, { aToB: toBoard, bToA: toHost });
  // Short frames survive a noisy line; timeouts short since host-sim answers in microseconds.
  const board = await LinkBoard.connect(client, { timeoutMs: 150, runTimeoutMs: 1000, retries: 10, backoffMs: 2, maxChunk: 48, runAttempts: 4 });
  t.teardown(() => board.close());

  const runs = sweep(24);
  let verified = 0;
  const failures: string[] = [];
  for (const req of runs) {
    const golden = native.run(req);
    try {
      const r = await board.run(req);
      t.ok(Buffer.from(r.output).equals(golden), `${req.kernel} ${JSON.stringify(req.shape)}: accepted output is bit-exact`);
      verified++;
    } catch (e) {
      failures.push((e as Error).message);
    }
  }
  const f = [toBoard.stats, toHost.stats];
  const injected = f.reduce((n, s) => n + s.dropped + s.duplicated + s.flipped, 0);
  const bytes = f.reduce((n, s) => n + s.bytes, 0);
  t.comment(`${verified}/${runs.length} verified, ${failures.length} reported failed; ${injected} faults in ${bytes} bytes (${((100 * injected) / bytes).toFixed(2)}%);`);
  t.comment(`client: ${JSON.stringify(board.client.stats)}, whole-run retries ${board.runRetries}`);
  for (const m of failures) t.comment(`failed: ${m}`);
  t.ok(injected > 100, 'faults were injected');
  t.ok(verified >= runs.length - 2, 'nearly every run got through');
});

t.test('host-sim killed and restarted mid-sweep: the run resynchronises and finishes', { skip }, async (t) => {
  const native = require('../src/native') as typeof import('../src/native');
  const board = await openBoard({ board: 'host-sim', hostSim: { arenaBytes: 1 << 20 }, timeoutMs: 1000, backoffMs: 5 });
  t.teardown(() => board.close());
  const firstPid = board.started!.pid!;
  const runs = sweep(10);
  let killed = false;
  let restarted: Promise<void> | null = null;
  board.client.on('send', (type: number) => {
    // Kill the board the moment the 5th run's RUN request goes out (mid-run, arena loaded).
    if (type === MsgType.RUN && !killed && doneRuns === 4) {
      killed = true;
      process.kill(firstPid, 'SIGKILL');
      restarted = board.restart!();
    }
  });
  let doneRuns = 0;
  const started = Date.now();
  for (const req of runs) {
    const r = await board.run(req);
    t.ok(Buffer.from(r.output).equals(native.run(req)), `${req.kernel} ${JSON.stringify(req.shape)} bit-exact`);
    doneRuns++;
  }
  await restarted;
  t.ok(killed, 'the host-sim was killed mid-run');
  t.not(board.started!.pid, firstPid, 'a new host-sim serves the board');
  t.ok(board.runRetries >= 1, `the interrupted run was redone (${board.runRetries} retries)`);
  t.ok(Date.now() - started < 15000, 'no 30 s RUN timeout was waited out (the restart nudges the client)');
  t.comment(`client: ${JSON.stringify(board.client.stats)}`);
});
