// Attached-board suite: runs on a real board when one is named, e.g.
//   HIL_BOARD=stm32h7 HIL_PORT=/dev/ttyACM0 npm test
// (HIL_PORT may also be tcp://host:port or rfc2217://host:port). Skips plainly otherwise.
import t from 'tap';
import fc from 'fast-check';
import { openBoard } from '../src/board/open';
import { KERNELS } from '../src/golden';
import { generateInputs } from '../src/gen';
import { run as nativeRun } from '../src/native';
import { calibrateBoard } from '../src/calibrate';

const board = process.env.HIL_BOARD;
const port = process.env.HIL_PORT;
const runs = Number(process.env.HIL_RUNS ?? 30);

if (!board || !port) {
  t.skip(`no attached board named: set HIL_BOARD (e.g. stm32h7) and HIL_PORT (e.g. /dev/ttyACM0) to run this suite`);
} else {
  // First: is the counter what we think it is (the loop of known length, calibrate command)?
  t.test(`${board} on ${port}: calibrate (counter against the loop of known length)`, async (t) => {
    const b = await openBoard({ board, port });
    t.teardown(() => b.close());
    const r = await calibrateBoard(b);
    for (const p of r.points) t.ok(p.ok, `n=${p.n}: d(n)-d(0) = ${p.diff} ${r.unit} (${p.perIter.toFixed(3)} per iteration)`);
    t.comment(`fixed overheads: counter read pair ${r.readOverhead}, RUN dispatch ${r.runOverhead} ${r.unit}`);
    if (b.info.clockSource) t.comment(`clock ${b.info.clockHz} Hz from ${b.info.clockSource}`);
  });

  t.test(`${board} on ${port}: hello and random shapes bit-exact`, async (t) => {
    const b = await openBoard({ board, port });
    t.teardown(() => b.close());
    t.equal(b.info.protocolVersion, 1);
    t.ok(b.info.arenaBytes > 0, `arena ${b.info.arenaBytes} bytes`);
    t.ok(['cycles', 'instructions', 'nanoseconds'].includes(b.info.counterKind), `counter ${b.info.counterUnit}`);
    t.same(b.info.kernels.map((k) => k.name).sort(), Object.keys(KERNELS).sort(), 'the firmware has every kernel');
    const dim = fc.integer({ min: 1, max: 24 });
    const cases = fc.sample(fc.record({ S: dim, E: dim, P: dim, H: fc.integer({ min: 1, max: 4 }), k: fc.constantFrom(...Object.keys(KERNELS)), seed: fc.nat() }), { numRuns: runs, seed: 1 });
    for (const c of cases) {
      const shape = { S: c.S, E: c.E, P: c.P, H: c.H, T: Math.max(1, c.S >> 1) };
      const k = KERNELS[c.k];
      const inputs = (generateInputs(c.k, shape, c.seed) as Array<Int8Array | Uint8Array | Int16Array>).map((a) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
      const req = { kernel: c.k, shape, rq: k.defaultRq, consts: k.defaultConsts ?? [], inputs, cores: Math.min(b.info.nCores, 2) };
      const r = await b.run(req);
      t.ok(Buffer.from(r.output).equals(nativeRun({ ...req, cores: 1 })), `${c.k} ${JSON.stringify(shape)}: bit-exact, ${r.counter} ${r.counterUnit}`);
    }
  });
}
