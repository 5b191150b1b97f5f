// pool-queue.test.ts - the multi-board work queue with fake boards: order, affinity, a board dying midway.
import t from 'tap';
import fc from 'fast-check';
import { runPool, BoardFailure, isBoardFailure } from '../src/pool';
import './lib/fcSeed';

interface FakeBoard { name: string; kind: string; delay: number; dieAt?: number; calls: number; busy: boolean; log: number[] }

const board = (name: string, kind: string, delay: number, dieAt?: number): FakeBoard =>
  ({ name, kind, delay, dieAt, calls: 0, busy: false, log: [] });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A fake run: checks the pool never overlaps two points on one board, dies on its dieAt-th call. */
function fakeRun(maxConcurrent: { now: number; max: number }) {
  return async (b: FakeBoard, p: number) => {
    if (b.busy) throw new Error(`${b.name} given two points at once`);
    b.busy = true;
    b.calls++;
    maxConcurrent.now++;
    maxConcurrent.max = Math.max(maxConcurrent.max, maxConcurrent.now);
    try {
      await sleep(b.delay);
      if (b.dieAt !== undefined && b.calls >= b.dieAt) throw new BoardFailure(`${b.name}: no answer after 3 retries`);
      b.log.push(p);
      return `${p}@${b.name}`;
    } finally {
      b.busy = false;
      maxConcurrent.now--;
    }
  };
}

t.test('points spread over boards, results in point order, streamed as they finish', async (t) => {
  const boards = [board('a', 'm4', 7), board('b', 'm4', 3), board('c', 'm4', 5)];
  const conc = { now: 0, max: 0 };
  const streamed: number[] = [];
  const points = Array.from({ length: 30 }, (_, i) => i);
  const r = await runPool(points, boards, fakeRun(conc), { onResult: (_r, p) => streamed.push(p) });
  t.same(r.map((x) => Number(x.split('@')[0])), points, 'final array in point order');
  t.same([...streamed].sort((x, y) => x - y), points, 'every point streamed once');
  t.not(streamed.join(), points.join(), 'streamed in finish order, not point order');
  t.equal(conc.max, 3, 'three boards busy at once');
  t.ok(boards.every((b) => b.log.length > 0), 'every board worked');
  t.ok(boards[1].log.length > boards[0].log.length, 'the faster board ran more points');
  for (const b of boards) t.same(b.log, [...b.log].sort((x, y) => x - y), `${b.name} took its points in order`);
});

t.test('a board dying midway is dropped and its point rerun elsewhere', async (t) => {
  const boards = [board('a', 'm4', 4), board('b', 'm4', 2, 3), board('c', 'm4', 6)];
  const dead: string[] = [];
  const points = Array.from({ length: 20 }, (_, i) => i);
  const r = await runPool(points, boards, fakeRun({ now: 0, max: 0 }), {
    onWorkerDead: (w, e) => dead.push(`${w.name}: ${e.message}`),
  });
  t.same(dead, ['b: b: no answer after 3 retries']);
  t.equal(boards[1].calls, 3, 'b never called again after it died');
  t.same(r.map((x) => Number(x.split('@')[0])), points);
  t.notOk(r.some((x) => x.endsWith('@b') && !boards[1].log.includes(Number(x.split('@')[0]))));
  t.same([...boards[0].log, ...boards[1].log, ...boards[2].log].sort((x, y) => x - y), points, 'each point finished exactly once');
});

t.test('canRun keeps points on boards that can run them', async (t) => {
  const boards = [board('m4', 'm4', 2), board('h7', 'h7', 2), board('h7b', 'h7', 3)];
  const points = Array.from({ length: 12 }, (_, i) => i); // even: m4 only, odd: h7 only
  const want = (p: number) => (p % 2 === 0 ? 'm4' : 'h7');
  const r = await runPool(points, boards, fakeRun({ now: 0, max: 0 }), { canRun: (w, p) => w.kind === want(p) });
  for (const [i, x] of r.entries()) {
    const name = x.split('@')[1];
    t.equal(boards.find((b) => b.name === name)!.kind, want(i), `point ${i} on ${name}`);
  }
});

t.test('retries exhausted: failed() gives the result, or the pool rejects with a clear message', async (t) => {
  const mk = () => [board('a', 'm4', 1, 1), board('b', 'm4', 1, 1), board('c', 'm4', 1, 1)];
  const r = await runPool([0, 1], mk(), fakeRun({ now: 0, max: 0 }), {
    maxRetries: 1,
    describeWorker: (w) => w.name,
    failed: (p, e) => `FAILED ${p}: ${e.message}`,
  });
  t.same(r, [
    'FAILED 0: point 0: gave up after 2 attempts; last error on c: c: no answer after 3 retries',
    'FAILED 1: point 1: every worker has failed; last error: b: no answer after 3 retries',
  ]);
  await t.rejects(runPool([0, 1], mk(), fakeRun({ now: 0, max: 0 }), { maxRetries: 1, describeWorker: (w) => w.name }), {
    message: 'point 0: gave up after 2 attempts; last error on c: c: no answer after 3 retries',
  });
});

t.test('a point only a dead board could run fails with the live boards named', async (t) => {
  const boards = [board('m4', 'm4', 1, 1), board('h7', 'h7', 1)];
  const r = await runPool([0, 1], boards, fakeRun({ now: 0, max: 0 }), {
    canRun: (w, p) => (p === 0 ? w.kind === 'm4' : true),
    describeWorker: (w) => w.name,
    describePoint: (p) => `mhsa S=${p}`,
    failed: (_p, e) => e.message,
  });
  t.same(r, ['mhsa S=0: no live worker can run it (h7); last error: m4: no answer after 3 retries', '1@h7']);
  t.same(await runPool([0], [], fakeRun({ now: 0, max: 0 }), { failed: (_p, e) => e.message }), ['point 0: no workers given']);
  t.same(await runPool([], [board('a', 'm4', 1)], fakeRun({ now: 0, max: 0 })), []);
});

t.test('an error that is not a board failure stops the pool after in-flight points settle', async (t) => {
  const boards = [board('a', 'm4', 20), board('b', 'm4', 5)]; // b fails while a is still busy
  let started = 0;
  const run = async (b: FakeBoard, p: number) => {
    started++;
    await sleep(b.delay);
    if (p === 1) throw new TypeError('cannot read shape of undefined');
    return p;
  };
  await t.rejects(runPool([0, 1, 2, 3, 4, 5], boards, run, { describeWorker: (w) => w.name }), {
    message: 'point 1 on b: cannot read shape of undefined',
  });
  t.equal(started, 2, 'no point started after the error');
  t.ok(isBoardFailure({ boardFailure: true }), 'a plain object flagged boardFailure counts');
  t.notOk(isBoardFailure(new Error('x')));
  await t.rejects(runPool([0], boards, run, { maxRetries: -1 }), { message: 'runPool: maxRetries -1 must be an integer >= 0' });
});

t.test('property: random boards, delays, deaths and affinities', async (t) => {
  const arb = fc.record({
    boards: fc.array(fc.record({ kind: fc.constantFrom('m4', 'h7'), delay: fc.integer({ min: 0, max: 3 }), dieAt: fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }) }), { minLength: 1, maxLength: 4 }),
    kinds: fc.array(fc.constantFrom('m4', 'h7', 'any'), { minLength: 0, maxLength: 15 }),
    maxRetries: fc.integer({ min: 0, max: 3 }),
  });
  await fc.assert(fc.asyncProperty(arb, async ({ boards: specs, kinds, maxRetries }) => {
    const boards = specs.map((s, i) => board(`b${i}`, s.kind, s.delay, s.dieAt));
    const points = kinds.map((_, i) => i);
    const fits = (w: FakeBoard, p: number) => kinds[p] === 'any' || kinds[p] === w.kind;
    const streamed = new Map<number, string>();
    const r = await runPool(points, boards, fakeRun({ now: 0, max: 0 }), {
      canRun: fits, maxRetries, failed: () => 'failed',
      onResult: (x, p) => { if (streamed.has(p)) throw new Error(`point ${p} streamed twice`); streamed.set(p, x); },
    });
    if (r.length !== points.length) throw new Error('length');
    for (const p of points) {
      const x = r[p];
      if (streamed.get(p) !== x) throw new Error(`point ${p}: streamed ${streamed.get(p)} but final ${x}`);
      if (x === 'failed') continue;
      const [pp, name] = x.split('@');
      const b = boards.find((bb) => bb.name === name)!;
      if (Number(pp) !== p || !fits(b, p)) throw new Error(`point ${p} ran on ${name} (${b.kind})`);
    }
    // A point fails only when every board that fits it died, or it used up its attempts.
    for (const p of points) {
      if (r[p] !== 'failed') continue;
      const fitting = boards.filter((b) => fits(b, p));
      const allDead = fitting.every((b) => b.dieAt !== undefined && b.calls >= b.dieAt);
      if (!allDead && fitting.length > maxRetries + 1) {
        // could still have failed by attempts: count dead fitting boards
        const deadCount = fitting.filter((b) => b.dieAt !== undefined && b.calls >= b.dieAt).length;
        if (deadCount < maxRetries + 1) throw new Error(`point ${p} failed with live fitting boards`);
      }
    }
    for (const b of boards) if (b.dieAt !== undefined && b.calls > b.dieAt) throw new Error(`${b.name} used after death`);
  }), { numRuns: 60 });
  t.pass('invariants held');
});
