// qemu-calibrate.test.ts - `node run-hil.js calibrate --board B` on the three QEMU boards: the
// loop of known length counts exactly 2n instructions, and the fixed overheads are printed.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { qemuUnavailable } from '../src/board/qemu';

const ROOT = path.resolve(__dirname, '..');

for (const board of ['qemu-m4', 'qemu-m7', 'qemu-rv32']) {
  const why = qemuUnavailable(board);
  t.test(`calibrate ${board}`, { skip: why ?? false }, async (t) => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'run-hil.js'), 'calibrate', '--board', board], { encoding: 'utf8', timeout: 120_000 });
    t.equal(r.status, 0, `exit 0 (stderr: ${r.stderr.trim() || 'none'})`);
    const out = r.stdout;
    for (const n of [1, 2, 10, 1000, 100000]) {
      t.match(out, new RegExp(`n=${n}\\s+d\\(n\\)-d\\(0\\) = ${2 * n}\\s+expected ${2 * n}\\s+✓`), `n=${n}: exactly ${2 * n} instructions`);
    }
    t.match(out, /fixed overhead of a counter read pair: \d+ instructions \(d\(0\) = \d+, of which the empty loop call is 2\)/);
    t.match(out, /fixed overhead of a RUN around the kernel: \d+ instructions \(QEMU\)/);
    t.match(out, /stack: \d+ of 65504 bytes used so far/, 'stack high-water mark from HELLO');
    t.match(out, new RegExp(`calibrate ${board}: PASS`));
  });
}

t.test('calibrate on a board without the loop says so (host-sim)', async (t) => {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'run-hil.js'), 'calibrate', '--board', 'host-sim'], { encoding: 'utf8', timeout: 60_000 });
  t.equal(r.status, 3, 'exit 3: the board cannot');
  t.match(r.stdout, /calibrate host-sim: board refused CALIBRATE: UNKNOWN_TYPE \(detail 10\): CALIBRATE: host-sim has no calibration loop/);
});
