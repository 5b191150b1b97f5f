// qemu-fault.test.ts - a deliberate fault on qemu-m4 (test firmware built with TH_TEST_FAULT, message
// 0x0B TEST_FAULT) comes back as a FAULT frame: the host reports the kernel, the PC (inside
// hal_test_fault, checked against the ELF's symbol table), CFSR and its decoded cause; the board
// resets and the next run is bit-exact again. The CLI prints the same line for the failing point.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startQemuBoard } from '../src/board/qemu';
import { openBoard } from '../src/board/open';
import { KERNELS, compare, runGolden } from '../src/golden';
import { generateInputs, tensorBytes } from '../src/gen';
import { BoardFaultError } from '../src/protocol/errors';
import { testFaultElf } from './lib/testFault';

const ROOT = path.resolve(__dirname, '..');
const { elf: ELF, why } = testFaultElf('qemu-m4');


/** Address of a linker symbol. */
function symbol(name: string): number {
  const r = spawnSync('arm-none-eabi-nm', [ELF], { encoding: 'utf8' });
  const m = new RegExp(`^([0-9a-f]+) \\w ${name}$`, 'm').exec(r.stdout);
  if (!m) throw new Error(`${name} not in ${ELF}`);
  return parseInt(m[1], 16);
}

/** [start, end) of a function in the ELF (Thumb bit cleared). */
function symbolRange(name: string): [number, number] {
  const r = spawnSync('arm-none-eabi-nm', ['-S', ELF], { encoding: 'utf8' });
  const m = new RegExp(`^([0-9a-f]+) ([0-9a-f]+) [tT] ${name}$`, 'm').exec(r.stdout);
  if (!m) throw new Error(`${name} not in ${ELF}`);
  const start = parseInt(m[1], 16) & ~1;
  return [start, start + parseInt(m[2], 16)];
}

const shape = { S: 8, E: 12, P: 5, H: 2 };
const inputs = generateInputs('linear_qk', shape, 5);
const rq = KERNELS.linear_qk.defaultRq;
const want = runGolden('linear_qk', { ...shape, rq }, inputs);

const CASES: Array<{ kind: number; cfsr: string; cause: RegExp; exc: string; inFunction: string | null }> = [
  { kind: 1, cfsr: '0x00008200', cause: /BusFault: precise data bus error at 0xF0000000/, exc: 'BusFault', inFunction: 'hal_test_fault' },
  { kind: 2, cfsr: '0x00010000', cause: /UsageFault: undefined instruction/, exc: 'UsageFault', inFunction: 'hal_test_fault' },
  { kind: 3, cfsr: '0x02000000', cause: /UsageFault: divide by zero/, exc: 'UsageFault', inFunction: 'hal_test_fault' },
  { kind: 4, cfsr: '0x00000092', cause: /MemManage: stacking error \(stack overflow into the guard region\); MemManage: data access violation at 0x2[0-9A-F]{7}/, exc: 'MemManage', inFunction: null },
];

t.test('deliberate faults on qemu-m4 are reported with PC and decoded cause', { skip: why ?? false }, async (t) => {
  const b = await openBoard({ board: 'qemu-m4', qemu: { elf: ELF } });
  t.teardown(() => b.close());
  for (const c of CASES) {
    await b.client.testFault(c.kind, true);
    const err = await b.run({ kernel: 'linear_qk', shape, rq, inputs: inputs.map(tensorBytes) }).catch((e: unknown) => e);
    t.ok(err instanceof BoardFaultError, `kind ${c.kind}: BoardFaultError (${(err as Error).message})`);
    const f = (err as BoardFaultError).fault;
    const msg = (err as Error).message;
    t.equal(f.kernel, 'linear_qk', 'names the running kernel');
    t.match(msg, new RegExp(`^qemu-m4 faulted in linear_qk: PC (0x[0-9A-F]{8}|unknown \\(stacking failed\\)), CFSR ${c.cfsr} \\(`));
    t.match(msg, c.cause);
    t.match(msg, new RegExp(`; ${c.exc}, LR 0x`));
    if (c.inFunction) {
      const [lo, hi] = symbolRange(c.inFunction);
      t.ok(f.pc >= lo && f.pc < hi, `PC 0x${f.pc.toString(16)} inside ${c.inFunction} [0x${lo.toString(16)}, 0x${hi.toString(16)})`);
    } else {
      t.equal(f.pc, 0, 'stacking failed: no PC');
      const lo = symbol('_sstack');
      t.ok(f.mmfar >= lo && f.mmfar < lo + 32, `MMFAR 0x${f.mmfar.toString(16)} in the 32-byte guard at _sstack 0x${lo.toString(16)}`);
    }
    // The board reset: the next run is fine again.
    const ok = await b.run({ kernel: 'linear_qk', shape, rq, inputs: inputs.map(tensorBytes) });
    t.equal(compare('linear_qk', shape, ok.output, want), null, `after kind ${c.kind}: bit-exact again`);
  }
  const now = await b.client.testFault(2, false).catch((e: unknown) => e);
  t.match((now as Error).message, /^qemu-m4 faulted outside any kernel: PC 0x[0-9A-F]{8}, CFSR 0x00010000 \(UsageFault: undefined instruction\)/);
  t.ok(b.info.stack && b.info.stack.bytes === 65504, `HELLO stack extension ${JSON.stringify(b.info.stack)}`);
});

t.test('the CLI prints the fault for the point', { skip: why ?? false }, async (t) => {
  const q = await startQemuBoard('qemu-m4', { elf: ELF });
  t.teardown(() => q.stop());
  const arm = await openBoard({ board: 'qemu-m4', port: q.port });
  await arm.client.testFault(3, true);
  await arm.close();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'th-fault-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const cfg = path.join(dir, 'c.yml');
  fs.writeFileSync(cfg, 'seed: 1\nS: [8]\nE: [12]\nP: [5]\nH: [2]\ntestToRun: [projQK]\nprojQK:\n  kernel: linear_qk\n');
  const r = spawnSync(process.execPath, [path.join(ROOT, 'run-hil.js'), '--board', 'qemu-m4', '--port', q.port, '--config', cfg, '-q'], { encoding: 'utf8', timeout: 120_000 });
  t.equal(r.status, 3, 'exit 3: a point failed with a board error');
  t.match(r.stdout, /✗ projQK \(linear_qk\) S=8 E=12 P=5 H=2: qemu-m4 faulted in linear_qk: PC 0x[0-9A-F]{8}, CFSR 0x02000000 \(UsageFault: divide by zero\)/);
});
