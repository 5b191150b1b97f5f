// A sweep over a noisy line finishes (issue 8): every kernel on odd shapes through tools/fault-relay.js
// flipping 1% and dropping/duplicating 0.2% of the bytes each way, then the board and the relay
// killed and restarted mid-sweep. Every point must end ✓ and no output that disagrees with the
// golden may ever be accepted.

import t, { Test } from 'tap';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { hostSimUnavailable, startHostSim, type HostSimHandle } from '../src/board/hostsim';
import { openBoard, type OpenedBoard } from '../src/board/open';
import type { RunRequest, RunResult } from '../src/board/types';
import { KERNELS } from '../src/golden';
import { MsgType } from '../src/protocol/constants';
import { parseConfig } from '../src/harness/config';
import { expandPoints, pointLabel, type TestPoint } from '../src/harness/points';
import { runOnBoards } from '../src/harness/run';
import type { PointResult } from '../src/harness/sweep';
import { nativeUnavailable } from './lib/native';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { injected, socatMissing, startRelay } = require('../tools/fault-relay-start');

const skip = socatMissing() || hostSimUnavailable() || nativeUnavailable() || false;
const NOISE = ['--flip', '0.01', '--drop', '0.002', '--dup', '0.002'];

/** Every kernel the registry knows, on odd shapes (S=1, odd E, P not a multiple of 4, H=1 and 3). */
function oddSweep(shapes: { S: number[]; E: number[]; P: number[]; H: number[] }, seed: number): TestPoint[] {
  const tests = Object.keys(KERNELS).map((k) => `  - ${k}`).join('\n');
  const defs = Object.keys(KERNELS).map((k) => `${k}:\n  kernel: ${k}${KERNELS[k].usesT ? '\n  T: [2]' : ''}`).join('\n');
  const yaml = `cores: 3\nseed: ${seed}\nS: ${JSON.stringify(shapes.S)}\nE: ${JSON.stringify(shapes.E)}\nP: ${JSON.stringify(shapes.P)}\nH: ${JSON.stringify(shapes.H)}\ntestToRun:\n${tests}\n${defs}\n`;
  return expandPoints(parseConfig(yaml, 'noisy sweep'));
}

/** Records every output the board layer accepted, to compare each with the golden afterwards. */
function recordAccepted(board: OpenedBoard): Array<{ req: RunRequest; out: Uint8Array }> {
  const seen: Array<{ req: RunRequest; out: Uint8Array }> = [];
  const run = board.run.bind(board);
  board.run = async (req: RunRequest): Promise<RunResult> => {
    const r = await run(req);
    seen.push({ req, out: r.output });
    return r;
  };
  return seen;
}

function checkAccepted(t: Test, seen: Array<{ req: RunRequest; out: Uint8Array }>): void {
  const native = require('../src/native') as typeof import('../src/native');
  const wrong = seen.filter(({ req, out }) => !Buffer.from(out).equals(Buffer.from(native.run({ ...req, cores: 1 }))));
  t.equal(wrong.length, 0, `no accepted output disagrees with the golden (${seen.length} accepted)`);
}

function checkAllVerified(t: Test, results: PointResult[], n: number): void {
  t.equal(results.length, n, `${n} results`);
  const bad = results.filter((r) => !r.bitExact);
  t.same(bad.map((r) => `${pointLabel(r.point)}: ${r.error ?? r.mismatch}`), [], 'every point ends ✓ (verified and bit-exact)');
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tinyhil-noisy-'));
t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));

t.test('every kernel on odd shapes through 1% flips + 0.2% drops + 0.2% dups', { skip }, async (t) => {
  const sim = await startHostSim({ arenaBytes: 1 << 20 });
  t.teardown(() => sim.stop());
  const relay = await startRelay(['--seed', '8', ...NOISE, '--board-port', sim.port, '--quiet']);
  let stopped = false;
  t.teardown(() => (stopped ? undefined : relay.stop()));
  const board = await openBoard({ board: 'host-sim', port: relay.port });
  t.teardown(() => board.close());
  const seen = recordAccepted(board);

  const points = oddSweep({ S: [1, 7], E: [5], P: [3], H: [1, 3] }, 11);
  const t0 = Date.now();
  const { results } = await runOnBoards([{ board, port: relay.port }], points, { quiet: true, log: (l) => t.comment(l) });
  const secs = (Date.now() - t0) / 1000;
  checkAllVerified(t, results, points.length);
  checkAccepted(t, seen);
  // Closed before the relay stops: a link left reopening the dead relay's pty path could open a pty
  // the kernel has given to another suite's board by then.
  await board.close();
  stopped = true;
  const stats = await relay.stop();
  const f = injected(stats);
  const c = board.client.stats;
  t.comment(`${points.length} points in ${secs.toFixed(1)} s; relay: ${f.faults} faults in ${f.bytes} bytes (${((100 * f.faults) / f.bytes).toFixed(2)}%)`);
  t.comment(`client: ${JSON.stringify(c)}; chunk now ${board.client.chunkLimit} B; whole-run retries ${board.runRetries}`);
  t.ok(stats.toBoard.flipped > 50 && stats.toHost.flipped > 20, 'bytes were flipped both ways');
  t.ok(stats.toBoard.dropped + stats.toHost.dropped > 5 && stats.toBoard.duplicated + stats.toHost.duplicated > 5, 'bytes were dropped and duplicated');
  t.ok(c.corrupt > 20 && c.resends > 20, 'the client saw and recovered from damaged frames');
});

t.test('board and relay killed and restarted mid-sweep on a noisy line', { skip }, async (t) => {
  // Stable names, as /dev/serial/by-id gives real boards: the relay reopens `boardLink`, the host `hostLink`.
  const boardLink = path.join(tmp, 'board');
  const hostLink = path.join(tmp, 'host');
  let sim: HostSimHandle = await startHostSim({ arenaBytes: 1 << 20 });
  const sims = [sim];
  t.teardown(async () => { for (const s of sims) await s.stop(); });
  const point = (target: string) => {
    fs.symlinkSync(target, `${boardLink}.new`);
    fs.renameSync(`${boardLink}.new`, boardLink);
  };
  point(sim.port);
  const relayArgs = ['--seed', '21', ...NOISE, '--board-port', boardLink, '--link', hostLink, '--quiet'];
  let relay = await startRelay(relayArgs);
  const relays = [relay];
  t.teardown(async () => { for (const r of relays) await r.stop(); });
  const board = await openBoard({ board: 'host-sim', port: hostLink });
  t.teardown(() => board.close());
  const seen = recordAccepted(board);

  const points = oddSweep({ S: [3], E: [5], P: [3], H: [1, 2] }, 12);
  let finished = 0;
  const events: string[] = [];
  const chaos: Array<Promise<void>> = [];
  const run = board.run.bind(board);
  board.run = async (req) => {
    const r = await run(req);
    finished++;
    return r;
  };
  let boardKilled = false;
  let relayKilled = false;
  board.client.on('send', (type: number) => {
    if (!boardKilled && type === MsgType.RUN && finished >= points.length / 3) {
      // The board dies with a RUN on its way (arena loaded); a new one starts on another pty a moment later.
      boardKilled = true;
      const old = sim;
      // The stable name goes with the board, as udev removes a by-id link on unplug: left in place,
      // it would name a pty number the kernel may hand to another suite's board (the relay then
      // reopened a qemu-m7 running in the other tap job and wrote into its link).
      fs.rmSync(boardLink, { force: true });
      process.kill(old.pid, 'SIGKILL');
      chaos.push((async () => {
        await old.exited;
        await new Promise((r) => setTimeout(r, 300));
        sim = await startHostSim({ arenaBytes: 1 << 20 });
        sims.push(sim);
        point(sim.port);
        events.push(`board restarted after ${finished} points`);
      })());
    }
    if (!relayKilled && type === MsgType.WRITE && finished >= (2 * points.length) / 3) {
      // The relay dies mid-WRITE: the host's pty hangs up (EBADF); a new relay serves the same link.
      relayKilled = true;
      chaos.push((async () => {
        await relay.stop();
        await new Promise((r) => setTimeout(r, 300));
        relay = await startRelay(relayArgs);
        relays.push(relay);
        events.push(`relay restarted after ${finished} points`);
      })());
    }
  });
  const { results } = await runOnBoards([{ board }], points, { quiet: true, log: (l) => t.comment(l) });
  await Promise.all(chaos);
  t.same(events.length, 2, `both restarts happened: ${events.join(', ')}`);
  checkAllVerified(t, results, points.length);
  checkAccepted(t, seen);
  t.ok(board.client.stats.reopens >= 1, `the host reopened its link (${board.client.stats.reopens})`);
  t.ok(board.runRetries >= 2, `interrupted points were run again (${board.runRetries} whole-run retries)`);
  t.comment(`client: ${JSON.stringify(board.client.stats)}`);
  // Nothing reopens a path of a process about to stop (see above): the board closes, the relay's
  // board link goes before the host-sims stop.
  await board.close();
  fs.rmSync(boardLink, { force: true });
});
