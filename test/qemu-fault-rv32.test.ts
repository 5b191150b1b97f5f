// qemu-fault-rv32.test.ts - a deliberate fault on qemu-rv32 (test firmware built with TH_TEST_FAULT,
// message 0x0B TEST_FAULT) comes back as a FAULT frame with mcause, mepc and mtval decoded; the
// machine resets (QEMU virt's test finisher) and the next run is bit-exact again. With 4 harts the
// armed fault is raised on hart 3, a worker, while hart 0 waits for it.
// Division by zero does not trap on RISC-V: TEST_FAULT refuses that kind with the reason.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { openBoard } from '../src/board/open';
import { KERNELS, compare, runGolden } from '../src/golden';
import { generateInputs, tensorBytes } from '../src/gen';
import { BoardError, BoardFaultError } from '../src/protocol/errors';
import { testFaultElf } from './lib/testFault';

const { elf: ELF, why } = testFaultElf('qemu-rv32');
const NM = 'riscv64-unknown-elf-nm';


/** [start, end) of a symbol in the ELF (nm -S). */
function symbolRange(name: string): [number, number] {
  const r = spawnSync(NM, ['-S', ELF], { encoding: 'utf8' });
  const m = new RegExp(`^([0-9a-f]+) ([0-9a-f]+ )?\\w ${name}$`, 'm').exec(r.stdout);
  if (!m) throw new Error(`${name} not in ${ELF}`);
  const start = parseInt(m[1], 16);
  return [start, start + (m[2] ? parseInt(m[2], 16) : 0)];
}

const shape = { S: 9, E: 12, P: 5, H: 2 };
const inputs = generateInputs('linear_qk', shape, 7);
const rq = KERNELS.linear_qk.defaultRq;
const want = runGolden('linear_qk', { ...shape, rq }, inputs);
const hex = (v: number) => `0x${v.toString(16).toUpperCase().padStart(8, '0')}`;

for (const harts of [1, 4]) {
  t.test(`deliberate faults on qemu-rv32 (${harts} hart${harts > 1 ? 's' : ''}) are reported with PC and decoded mcause`, { skip: why ?? false }, async (t) => {
    const b = await openBoard({ board: 'qemu-rv32', qemu: { elf: ELF, harts } });
    const hart = harts - 1; // the last core takes the armed fault (firmware/core/th_run.c)
    t.teardown(() => b.close());
    const run = (cores = harts) => b.run({ kernel: 'linear_qk', shape, rq, inputs: inputs.map(tensorBytes), cores });
    t.same(compare('linear_qk', shape, (await run()).output, want), null, 'bit-exact before');

    // 1: a load from an unmapped address (load access fault, mtval = the address).
    await b.client.testFault(1, true);
    let err = await run().catch((e: unknown) => e);
    t.ok(err instanceof BoardFaultError, `kind 1: BoardFaultError (${(err as Error).message})`);
    let f = (err as BoardFaultError).fault;
    const [lo, hi] = symbolRange('hal_test_fault');
    t.match((err as Error).message, new RegExp(String.raw`^qemu-rv32 faulted in linear_qk: PC 0x[0-9A-F]{8}, mcause 0x00000005 \(load access fault at 0xF0000000\); hart ${hart}, RA 0x[0-9A-F]{8}, SP 0x[0-9A-F]{8}; the board resets$`));
    t.ok(f.pc >= lo && f.pc < hi, `PC ${hex(f.pc)} inside hal_test_fault [${hex(lo)}, ${hex(hi)})`);
    t.equal(f.arch, 'riscv');
    t.same(compare('linear_qk', shape, (await run()).output, want), null, 'after the reset: bit-exact again');

    // 2: an illegal instruction (unimp).
    await b.client.testFault(2, true);
    err = await run().catch((e: unknown) => e);
    t.match((err as Error).message, new RegExp(String.raw`^qemu-rv32 faulted in linear_qk: PC 0x[0-9A-F]{8}, mcause 0x00000002 \(illegal instruction( 0x[0-9A-F]{8})?\); hart ${hart},`));
    f = (err as BoardFaultError).fault;
    t.ok(f.pc >= lo && f.pc < hi, `PC ${hex(f.pc)} inside hal_test_fault`);
    t.same(compare('linear_qk', shape, (await run()).output, want), null, 'bit-exact again');

    // 4: runaway stack into the PMP guard at the bottom of the faulting hart's stack (store access
    // fault, mtval in the guard): _sstack for hart 0, _ehart_stacks - h * __hart_stack_size for hart h.
    await b.client.testFault(4, true);
    err = await run().catch((e: unknown) => e);
    t.match((err as Error).message, new RegExp(String.raw`^qemu-rv32 faulted in linear_qk: PC 0x[0-9A-F]{8}, mcause 0x00000007 \(store/AMO access fault at 0x[0-9A-F]{8}\); hart ${hart},`));
    f = (err as BoardFaultError).fault;
    const guard = hart === 0 ? symbolRange('_sstack')[0] : symbolRange('_ehart_stacks')[0] - hart * symbolRange('__hart_stack_size')[0];
    t.ok(f.mmfar >= guard && f.mmfar < guard + 32, `mtval ${hex(f.mmfar)} in the 32-byte guard of hart ${hart}'s stack at ${hex(guard)}`);
    t.same(compare('linear_qk', shape, (await run()).output, want), null, 'bit-exact again');

    // 3: refused, with the reason.
    const refused = await b.client.testFault(3, true).catch((e: unknown) => e);
    t.ok(refused instanceof BoardError, 'kind 3 refused');
    t.match((refused as Error).message, /TEST_FAULT: kind 3 cannot fault on RISC-V \(integer division by zero does not trap\)/);
    t.same(compare('linear_qk', shape, (await run()).output, want), null, 'nothing armed: bit-exact');
    t.ok(b.info.stack && b.info.stack.bytes === 65536 - 32 && b.info.stack.used > 0, `HELLO stack extension ${JSON.stringify(b.info.stack)}`);
  });
}
