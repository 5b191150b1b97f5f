// rebuild-qemu.test.ts - bench/rebuild.js's qemu-m4 flow (the reference harness's way: the point's
// inputs baked into point.h, the qemu-m4 firmware rebuilt from clean, booted on QEMU): the bytes the
// firmware prints equal the addon's output exactly (one mhsa point of the example sweep, one core).
import t from 'tap';
import path from 'node:path';
import { qemuUnavailable } from '../src/board/qemu';
import { loadConfig } from '../src/harness/config';
import { expandPoints } from '../src/harness/points';
import { KERNELS } from '../src/golden';
import { generateInputs } from '../src/gen';
import * as native from '../src/native';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { rebuildSweepQemuM4 } = require('../bench/rebuild') as {
  rebuildSweepQemuM4(points: unknown[], o: unknown): Promise<{ ok: number; total: number; outputs: (Buffer | null)[]; skipped?: string }>;
};

const why = qemuUnavailable('qemu-m4');
t.test('qemu-m4 point firmware: output bytes equal the golden', { skip: why ?? false, timeout: 600_000 }, async (t) => {
  const points = expandPoints(loadConfig(path.join(__dirname, '..', 'examples', 'testConfig.yml')));
  const p = { ...points.find((q) => q.kernel === 'mhsa')!, cores: 1 };
  const bytes = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const expected: Uint8Array[] = [];
  const r = await rebuildSweepQemuM4([p], {
    KERNELS, generateInputs, kernelId: (k: string) => native.kernelInfo(k).id,
    golden: (q: typeof p, ins: ArrayBufferView[]) => {
      const g = native.run({ kernel: q.kernel, shape: q.shape, split: q.split, rq: q.rq, consts: q.consts, inputs: ins.map(bytes), cores: 1 });
      expected.push(g);
      return g;
    },
  });
  t.equal(r.skipped, undefined);
  t.equal(r.total, 1);
  t.equal(r.ok, 1, 'the firmware output matched the golden');
  t.equal(r.outputs[0]!.length, native.kernelSizes(p.kernel, p.shape).output);
  t.same(Buffer.from(r.outputs[0]!), Buffer.from(expected[0]!));
});
