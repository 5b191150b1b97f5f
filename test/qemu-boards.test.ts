// qemu-boards.test.ts - every QEMU board end to end: boot, HELLO fields, kernels on random shapes
// bit-exact against the TypeScript golden model, and counters that behave like instruction counts.
//
// Link speed under QEMU is ~20-60 KB/s, so shapes are drawn with S, E, P, H in 1..48 and kept
// when a run's tensors stay under SHAPE_BYTES; RUNS_PER_BOARD random points per board. Each point
// draws its own rq pairs (mul in -4096..4096, div in 1..24), so the ISA paths' fast requantisation
// (a 32-bit multiplier when |mul| < 2^(div-1)) and their exact 64-bit fallback both run.
import t from 'tap';
import fc from 'fast-check';
import { QEMU_BOARDS, qemuUnavailable, type QemuBoardName } from '../src/board/qemu';
import { openBoard } from '../src/board/open';
import { KERNELS, KERNEL_BY_ID, compare, runGolden, shapeLabel } from '../src/golden';
import { count } from '../src/golden/registry';
import { generateInputs, tensorBytes } from '../src/gen';
import './lib/fcSeed';

const RUNS_PER_BOARD = Number(process.env.QEMU_RUNS ?? 24);
const SHAPE_BYTES = 24 * 1024;
const DSIZE = { i8: 1, u8: 1, i16: 2 } as const;

const CPU: Record<QemuBoardName, RegExp> = { 'qemu-m4': /Cortex-M4/, 'qemu-m7': /Cortex-M7/, 'qemu-rv32': /RV32IMC/ };
const CLOCK: Record<QemuBoardName, number> = { 'qemu-m4': 25_000_000, 'qemu-m7': 25_000_000, 'qemu-rv32': 0 };

interface Point { kernel: string; S: number; E: number; P: number; H: number; T: number; split: 'heads' | 'rows'; seed: number; rqs: Array<[number, number]> }

function bytesOf(p: Point): number {
  const k = KERNELS[p.kernel];
  const shape = { S: p.S, E: p.E, P: p.P, H: p.H, T: p.T };
  const ins = k.inputs.reduce((a, s) => a + count(s.dims(shape)) * DSIZE[s.dtype], 0);
  return ins + count(k.output.dims(shape)) + k.scratch(shape, 1);
}

const dim = fc.integer({ min: 1, max: 48 });
const pointArb: fc.Arbitrary<Point> = fc
  .record({
    kernel: fc.constantFrom(...KERNEL_BY_ID.map((k) => k.name)),
    S: dim, E: dim, P: dim, H: dim,
    t: fc.double({ min: 0, max: 1, noNaN: true }),
    split: fc.constantFrom('heads' as const, 'rows' as const),
    seed: fc.integer({ min: 0, max: 0xffffffff }),
    rqs: fc.array(fc.tuple(fc.integer({ min: -4096, max: 4096 }), fc.integer({ min: 1, max: 24 })), { minLength: 6, maxLength: 6 }),
  })
  .map(({ t: tf, ...r }) => ({ ...r, T: 1 + Math.floor(tf * (r.S - 1)) }))
  .filter((p) => bytesOf(p) <= SHAPE_BYTES);

for (const board of Object.keys(QEMU_BOARDS) as QemuBoardName[]) {
  const why = qemuUnavailable(board);
  t.test(board, { skip: why ?? false }, async (t) => {
    const b = await openBoard({ board, runTimeoutMs: 120_000 });
    t.teardown(() => b.close());
    const info = b.info;

    t.test('HELLO describes the board', async (t) => {
      t.equal(info.name, board);
      t.match(info.cpu, CPU[board]);
      t.equal(info.clockHz, CLOCK[board]);
      t.equal(info.counterKind, 'instructions');
      t.equal(info.counterUnit, 'instructions (QEMU)');
      t.equal(info.nCores, 1);
      t.equal(info.protocolVersion, 1);
      t.equal(info.arenaBytes, 16 * 1024 * 1024, '16 MiB arena');
      t.ok(info.maxFrame >= 256, `max frame ${info.maxFrame}`);
      t.same(info.kernels, KERNEL_BY_ID.map((k) => ({ id: k.id, name: k.name })), 'every kernel, same ids as the host');
    });

    t.test('kernels on random shapes are bit-exact against the golden model', async (t) => {
      let runs = 0;
      await fc.assert(
        fc.asyncProperty(pointArb, async (p) => {
          const k = KERNELS[p.kernel];
          const shape = { S: p.S, E: p.E, P: p.P, H: p.H, ...(k.usesT ? { T: p.T } : {}) };
          const inputs = generateInputs(p.kernel, shape, p.seed);
          const rq = p.rqs.slice(0, k.nRq);
          const consts = k.defaultConsts ?? [];
          const res = await b.run({ kernel: p.kernel, shape, split: p.split, rq, consts, inputs: inputs.map(tensorBytes) });
          const want = runGolden(p.kernel, { ...shape, split: p.split, rq, consts }, inputs);
          const mism = compare(p.kernel, shape, res.output, want);
          if (mism) throw new Error(`${board}, seed ${p.seed}, split ${p.split}, rq ${JSON.stringify(rq)}: ${mism}`);
          // An instruction count: at least one instruction per two MACs (SMLAD does two), and not absurdly many.
          const macs = k.macs(shape);
          if (!(res.counter > 0 && res.counter >= macs / 2)) throw new Error(`${p.kernel} ${shapeLabel(p.kernel, shape)}: ${res.counter} instructions for ${macs} MACs`);
          // The core's counter brackets hal_parallel, whose own counter brackets the kernel alone.
          const gap = res.counter - res.perCore[0];
          if (res.perCore.length !== 1 || gap < 0 || gap > 1000) {
            throw new Error(`per-core counter ${res.perCore} vs the run's ${res.counter}: the dispatch overhead (memset, loop, two counter reads) should be 0..1000 instructions`);
          }
          runs++;
        }),
        { numRuns: RUNS_PER_BOARD, seed: Number(process.env.QEMU_SEED ?? Date.now() % 2 ** 31), endOnFailure: true },
      );
      t.equal(runs, RUNS_PER_BOARD, `${runs} random points bit-exact`);
    });

    t.test('the counter is deterministic and per run', async (t) => {
      // Under -icount the same kernel on the same data retires the same instructions; repeat = 3
      // reports total / 3, which differs from one run only by the repeat loop's few instructions.
      const shape = { S: 16, E: 24, P: 8, H: 2 };
      const inputs = generateInputs('linear_qk', shape, 7).map(tensorBytes);
      const rq = KERNELS.linear_qk.defaultRq;
      const one = await b.run({ kernel: 'linear_qk', shape, rq, inputs });
      const again = await b.run({ kernel: 'linear_qk', shape, rq, inputs });
      const three = await b.run({ kernel: 'linear_qk', shape, rq, inputs, repeat: 3 });
      const slack = board === 'qemu-rv32' ? 0 : 16; // a SysTick interrupt may fall inside on the MPS2 boards
      t.ok(Math.abs(again.counter - one.counter) <= slack, `same run twice: ${one.counter} and ${again.counter}`);
      t.ok(Math.abs(three.counter - one.counter) <= 64, `repeat 3 per run ${three.counter} vs single ${one.counter}`);
      t.same(three.output, one.output, 'repeat does not change the output');
    });
  });
}
