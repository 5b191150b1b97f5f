// flash-plan.test.ts - the commands flash() runs for each tool, and its errors, without a board.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { elfMachine, flash, flashPlan } from '../src/flash';

// Minimal ELF headers: only the magic and e_machine matter to flash.
function fakeElf(machine: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'th-flash-'));
  const p = path.join(dir, 'tinyhil-x.elf');
  const h = Buffer.alloc(64);
  h.writeUInt32BE(0x7f454c46, 0);
  h.writeUInt16LE(machine, 18);
  fs.writeFileSync(p, h);
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return p;
}

t.test('openocd programs, verifies and resets with the board script', async (t) => {
  const elf = fakeElf(40);
  const h7 = flashPlan({ board: 'stm32h7', elf, with: 'openocd' });
  t.equal(h7.command, 'openocd');
  t.same(h7.args, ['-f', 'board/st_nucleo_h743zi.cfg', '-c', `program {${elf}} verify reset exit`]);
  const l4 = flashPlan({ board: 'stm32l4', elf, with: 'openocd' });
  t.same(l4.args.slice(0, 2), ['-f', 'board/st_nucleo_l4.cfg']);
  const own = flashPlan({ board: 'custom', elf, with: 'openocd', openocdConfig: ['interface/stlink.cfg', 'target/stm32h7x.cfg'] });
  t.same(own.args.slice(0, 4), ['-f', 'interface/stlink.cfg', '-f', 'target/stm32h7x.cfg']);
  t.throws(() => flashPlan({ board: 'custom', elf, with: 'openocd' }), /no OpenOCD config known for board "custom"; pass openocdConfig/);
});

t.test('st-flash writes the .bin made from the ELF at the flash base', async (t) => {
  const elf = fakeElf(40);
  const p = flashPlan({ board: 'stm32l4', elf, with: 'st-flash' });
  t.equal(p.command, 'st-flash');
  t.same(p.args, ['--reset', 'write', elf.replace(/\.elf$/, '.bin'), '0x8000000']);
  t.same(p.makeBin, { objcopy: 'arm-none-eabi-objcopy', elf, bin: elf.replace(/\.elf$/, '.bin') });
  t.throws(() => flashPlan({ board: 'qemu-rv32', elf: fakeElf(243), with: 'st-flash' }), /st-flash programs STM32 parts only/);
});

t.test('gdb: reset/halt, load, reset, detach, per server', async (t) => {
  const elf = fakeElf(40);
  const ex = (args: string[]) => args.filter((_, i) => args[i - 1] === '-ex');
  const oo = flashPlan({ board: 'stm32h7', elf, with: 'gdb', gdbRemote: 'localhost:3333', gdb: 'arm-none-eabi-gdb' });
  t.equal(oo.command, 'arm-none-eabi-gdb');
  t.same(ex(oo.args), ['set confirm off', 'set pagination off', 'target extended-remote localhost:3333', 'monitor reset halt', 'load', 'monitor reset run', 'detach']);
  const q = flashPlan({ board: 'qemu-m4', elf, with: 'gdb', gdbRemote: '127.0.0.1:1234', gdb: 'gdb-multiarch' });
  t.same(ex(q.args), ['set confirm off', 'set pagination off', 'target extended-remote 127.0.0.1:1234', 'load', 'monitor system_reset', 'detach']);
  t.equal(q.args[q.args.length - 1], elf);
  t.throws(() => flashPlan({ board: 'stm32h7', elf, with: 'gdb' }), /needs gdbRemote/);
  t.throws(() => flashPlan({ board: 'stm32h7', elf, with: 'gdb', gdbRemote: 'localhost' }), /gdbRemote must be host:port, got "localhost"/);
});

t.test('errors name what is missing', async (t) => {
  t.throws(() => flashPlan({ board: 'stm32h7', elf: '/nonexistent/x.elf', with: 'openocd' }), { message: 'flash: ELF not found: /nonexistent/x.elf' });
  t.throws(() => flashPlan({ board: 'no-such-board', with: 'openocd' }), /flash: no-such-board firmware not built: run npm run build:firmware -- --board no-such-board/);
  t.throws(() => flashPlan({ board: 'stm32h7', elf: fakeElf(40), with: 'jtag' as never }), /unknown tool "jtag"; use openocd, st-flash or gdb/);
  t.throws(() => elfMachine(fakeElf(62)), /ELF machine 62 is neither ARM \(40\) nor RISC-V \(243\)/);
  const savedPath = process.env.PATH;
  process.env.PATH = '/nonexistent';
  try {
    await t.rejects(flash({ board: 'stm32h7', elf: fakeElf(40), with: 'openocd' }), { message: 'flash: openocd is not installed (not on PATH)' });
  } finally {
    process.env.PATH = savedPath;
  }
});
