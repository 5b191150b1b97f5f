// qemu-cluster.test.ts - qemu-rv32 with several harts (QEMU virt -smp N) as the emulated cluster:
// every kernel on random shapes gives, with 1..8 harts, the golden model's bytes (so the same bytes
// as one core); the per-core work, barrier waits and critical path add up (work + wait = critical
// for every core); HELLO reports the harts QEMU started, and a RUN asking for more is refused.
import t from 'tap';
import fc from 'fast-check';
import { qemuUnavailable } from '../src/board/qemu';
import { openBoard } from '../src/board/open';
import { KERNELS, KERNEL_BY_ID, compare, runGolden } from '../src/golden';
import { count } from '../src/golden/registry';
import { generateInputs, tensorBytes } from '../src/gen';
import { BoardError } from '../src/protocol/errors';
import { ErrorCode } from '../src/protocol/constants';

const SHAPE_BYTES = 12 * 1024;
const SHAPES_PER_KERNEL = Number(process.env.CLUSTER_SHAPES ?? 2);
const DSIZE = { i8: 1, u8: 1, i16: 2 } as const;

interface Point { S: number; E: number; P: number; H: number; T: number; split: 'heads' | 'rows'; seed: number }

function bytesOf(kernel: string, p: Point): number {
  const k = KERNELS[kernel];
  const ins = k.inputs.reduce((a, s) => a + count(s.dims(p)) * DSIZE[s.dtype], 0);
  return ins + count(k.output.dims(p)) + k.scratch(p, 8);
}

const dim = fc.integer({ min: 1, max: 24 });
const pointArb = (kernel: string): fc.Arbitrary<Point> =>
  fc
    .record({
      S: dim, E: dim, P: dim, H: fc.integer({ min: 1, max: 12 }),
      t: fc.double({ min: 0, max: 1, noNaN: true }),
      split: fc.constantFrom('heads' as const, 'rows' as const),
      seed: fc.integer({ min: 0, max: 0xffffffff }),
    })
    .map(({ t: tf, ...r }) => ({ ...r, T: 1 + Math.floor(tf * (r.S - 1)) }))
    .filter((p) => bytesOf(kernel, p) <= SHAPE_BYTES);

const why = qemuUnavailable('qemu-rv32');

t.test('qemu-rv32 with 8 harts: every kernel, 1..8 cores, same bytes as the golden model', { skip: why ?? false }, async (t) => {
  const b = await openBoard({ board: 'qemu-rv32', runTimeoutMs: 120_000, qemu: { harts: 8 } });
  t.teardown(() => b.close());
  t.equal(b.info.nCores, 8, 'HELLO: 8 cores');
  const seed = Number(process.env.CLUSTER_SEED ?? Date.now() % 2 ** 31);
  t.comment(`fast-check seed ${seed} (CLUSTER_SEED to replay)`);
  let runs = 0;
  for (const k of KERNEL_BY_ID) {
    const points = fc.sample(pointArb(k.name), { numRuns: SHAPES_PER_KERNEL, seed: seed + k.id });
    for (const p of points) {
      const shape = { S: p.S, E: p.E, P: p.P, H: p.H, ...(k.usesT ? { T: p.T } : {}) };
      const inputs = generateInputs(k.name, shape, p.seed);
      const rq = k.defaultRq;
      const consts = k.defaultConsts ?? [];
      const want = runGolden(k.name, { ...shape, split: p.split, rq, consts }, inputs);
      const label = `${k.name} S=${p.S} E=${p.E} P=${p.P} H=${p.H}${k.usesT ? ` T=${p.T}` : ''} ${p.split} seed ${p.seed}`;
      for (let cores = 1; cores <= 8; cores++) {
        const res = await b.run({ kernel: k.name, shape, split: p.split, rq, consts, inputs: inputs.map(tensorBytes), cores });
        const mism = compare(k.name, shape, res.output, want);
        if (mism) t.fail(`${label}, ${cores} cores: ${mism}`);
        if (res.perCore.length !== cores || res.perCoreWait?.length !== cores || res.criticalPath === undefined) {
          t.fail(`${label}, ${cores} cores: reply has ${res.perCore.length} counters, ${res.perCoreWait?.length} waits, critical ${res.criticalPath}`);
          continue;
        }
        const bad = res.perCore.findIndex((w, i) => w + res.perCoreWait![i] !== res.criticalPath);
        if (bad >= 0) t.fail(`${label}, ${cores} cores: core ${bad} work ${res.perCore[bad]} + wait ${res.perCoreWait[bad]} != critical ${res.criticalPath}`);
        if (Math.max(...res.perCore) > res.criticalPath || res.criticalPath <= 0) t.fail(`${label}: critical path ${res.criticalPath} below a core's work ${res.perCore}`);
        // The harts take turns (TH_CL_TURNS), so the run's counter holds every hart's instructions.
        const sum = res.perCore.reduce((a, c) => a + c, 0);
        if (res.counter < sum) t.fail(`${label}, ${cores} cores: counter ${res.counter} < sum of the cores' work ${sum}`);
        runs++;
      }
    }
  }
  t.equal(runs, KERNEL_BY_ID.length * SHAPES_PER_KERNEL * 8, `${runs} runs bit-exact with consistent counters`);
});

t.test('qemu-rv32 -smp 3: HELLO says 3 cores; 4 are refused; 1 core has no waits', { skip: why ?? false }, async (t) => {
  const b = await openBoard({ board: 'qemu-rv32', qemu: { harts: 3 } });
  t.teardown(() => b.close());
  t.equal(b.info.nCores, 3);
  const shape = { S: 9, E: 8, P: 5, H: 3 };
  const inputs = generateInputs('linear_qk', shape, 3).map(tensorBytes);
  const rq = KERNELS.linear_qk.defaultRq;
  // The host refuses first; the firmware too, when asked directly.
  const hostErr = await b.run({ kernel: 'linear_qk', shape, rq, inputs, cores: 4 }).catch((e: unknown) => e);
  t.match((hostErr as Error).message, "run linear_qk: cores: expected an integer in 1..3 (qemu-rv32's cores), found 4");
  const err = await b.client
    .run({ kernelId: KERNELS.linear_qk.id, nCores: 4, split: 0, shape, rq, consts: [], repeat: 1, inputOffsets: [0, 4096, 8192], outputOffset: 12288, scratchOffset: 0, scratchBytes: 0 })
    .catch((e: unknown) => e);
  t.ok(err instanceof BoardError && err.code === ErrorCode.BAD_CORES, `firmware: BAD_CORES for 4 cores: ${(err as Error).message}`);
  t.match((err as Error).message, /n_cores 4 outside 1\.\.3/);
  const one = await b.run({ kernel: 'linear_qk', shape, rq, inputs, cores: 1 });
  t.same(one.perCoreWait, [0], 'one core waits for nobody');
  t.equal(one.criticalPath, one.perCore[0], 'one core: critical path = its work');
  const three = await b.run({ kernel: 'linear_qk', shape, rq, inputs, cores: 3 });
  t.same(three.output, one.output, '3 cores, same bytes');
  // H=3 heads over 3 cores: one head each; the work differs only by call paths and alignment (< 1%).
  const [lo, hi] = [Math.min(...three.perCore), Math.max(...three.perCore)];
  t.ok(hi - lo <= hi / 100, `near-equal work per core: ${three.perCore}`);
  t.ok(three.criticalPath! < one.criticalPath!, `critical path ${three.criticalPath} < ${one.criticalPath}`);
});
