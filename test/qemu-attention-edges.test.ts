// qemu-attention-edges.test.ts - the edges of the ISA attention paths on every QEMU board, bit-exact
// against the golden model: softmax rows of every length 1..100 (the DSP rows take words of 4 and
// 16 scores, a tail word overlapping the row's last full one, a pair table for the sum), qk_softmax
// with scores spread over the whole int8 range (small rq: the softmax tables see every distance),
// mhsa_dft at tile sizes that leave odd last tiles (the DSP path regroups a core's rows into tiles
// of a multiple of 6 and lets an odd last tile take one row along; tiles of 12 rows or more run the
// scores and A.V on the 3x2 path, with odd P and S there) and mhsa_fwsa with E <= P (all
// heads through the M buffer) and E > P. Each point draws its own rq pairs from a seeded stream.
import t from 'tap';
import { QEMU_BOARDS, qemuUnavailable, type QemuBoardName } from '../src/board/qemu';
import { openBoard } from '../src/board/open';
import { KERNELS, compare, runGolden } from '../src/golden';
import { generateInputs, tensorBytes } from '../src/gen';

interface Point { kernel: string; S: number; E: number; P: number; H: number; T?: number; rq?: Array<[number, number]> }

/** A small deterministic stream (LCG) for the rq pairs and seeds. */
function stream(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return (s >>> 8) % n;
  };
}

function points(): Point[] {
  const rnd = stream(11);
  const rqs = (n: number): Array<[number, number]> => Array.from({ length: n }, () => [rnd(8193) - 4096, 1 + rnd(24)] as [number, number]);
  const out: Point[] = [];
  for (let n = 1; n <= 100; n++) out.push({ kernel: 'softmax', S: 2, E: n, P: 1, H: 1 });
  for (const S of [33, 36, 47, 64, 81]) out.push({ kernel: 'qk_softmax', S, E: 1, P: 9, H: 2, rq: [[1 + rnd(64), 12]] });
  for (const [S, T, P] of [[81, 8, 8], [37, 5, 8], [40, 7, 8], [13, 13, 8], [25, 1, 8], [31, 6, 8], [2, 1, 8],
    [81, 12, 8], [50, 18, 7], [47, 47, 5], [64, 24, 9], [81, 81, 8], [29, 14, 3]]) {
    out.push({ kernel: 'mhsa_dft', S, E: 12, P, H: 2, T, rq: rqs(6) });
  }
  for (const [S, E, P] of [[30, 8, 16], [17, 12, 12], [5, 30, 30], [20, 16, 8]]) out.push({ kernel: 'mhsa_fwsa', S, E, P, H: 3, rq: rqs(5) });
  return out;
}

for (const board of Object.keys(QEMU_BOARDS) as QemuBoardName[]) {
  const why = qemuUnavailable(board);
  t.test(board, { skip: why ?? false }, async (t) => {
    const b = await openBoard({ board, runTimeoutMs: 120_000 });
    t.teardown(() => b.close());
    const rnd = stream(7);
    let runs = 0;
    for (const p of points()) {
      const k = KERNELS[p.kernel];
      const shape = k.usesT ? { S: p.S, E: p.E, P: p.P, H: p.H, T: p.T } : { S: p.S, E: p.E, P: p.P, H: p.H };
      const rq = p.rq ?? k.defaultRq;
      const inputs = generateInputs(p.kernel, shape, rnd(2 ** 31));
      const res = await b.run({ kernel: p.kernel, shape, rq, inputs: inputs.map(tensorBytes) });
      const bad = compare(p.kernel, shape, res.output, runGolden(p.kernel, { ...shape, rq }, inputs));
      if (bad) t.fail(`${board} ${p.kernel} ${JSON.stringify(shape)} rq ${JSON.stringify(rq)}: ${bad}`);
      runs++;
    }
    t.equal(runs, points().length, `${runs} points bit-exact`);
  });
}
