// flash.ts - puts a firmware image on a board with OpenOCD, st-flash, or GDB against any remote stub
// (OpenOCD's, a J-Link server's, QEMU's -gdb). CLI-ready: flash({ board, elf, with }).
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { which } from './board/qemu';

export type FlashTool = 'openocd' | 'st-flash' | 'gdb';

/** What the GDB remote is: decides the reset commands around `load`. */
export type GdbServer = 'qemu' | 'openocd' | 'generic';

export interface FlashOptions {
  board: string;
  /** Image to write; default build/fw-<board>/tinyhil-<board>.elf. */
  elf?: string;
  with: FlashTool;
  /** host:port of the GDB remote (gdb only). */
  gdbRemote?: string;
  /** Default: 'qemu' for qemu-* boards, else 'openocd'. */
  gdbServer?: GdbServer;
  /** GDB executable; default gdb-multiarch, else arm-none-eabi-gdb / riscv64-unknown-elf-gdb. */
  gdb?: string;
  /** OpenOCD config file(s) instead of the board's default. */
  openocdConfig?: string[];
  /** Flash base address for st-flash (default 0x08000000). */
  address?: number;
  /** Kill the tool after this long (default 120 s). */
  timeoutMs?: number;
}

export interface FlashPlan {
  tool: FlashTool;
  command: string;
  args: string[];
  /** A .bin to make from the ELF before running (st-flash). */
  makeBin?: { objcopy: string; elf: string; bin: string };
}

export interface FlashResult extends FlashPlan {
  output: string;
}

const ROOT = path.resolve(__dirname, '..');

/** OpenOCD board scripts shipped with OpenOCD (tcl/board/). */
export const OPENOCD_BOARD_CFG: Record<string, string[]> = {
  stm32h7: ['board/st_nucleo_h743zi.cfg'],
  stm32l4: ['board/st_nucleo_l4.cfg'],
};

/** ELF machine: 'arm' (EM_ARM 40) or 'riscv' (EM_RISCV 243); throws on anything else. */
export function elfMachine(elf: string): 'arm' | 'riscv' {
  const fd = fs.openSync(elf, 'r');
  try {
    const h = Buffer.alloc(20);
    fs.readSync(fd, h, 0, 20, 0);
    if (h.readUInt32BE(0) !== 0x7f454c46) throw new Error(`${elf} is not an ELF file`);
    const m = h.readUInt16LE(18);
    if (m === 40) return 'arm';
    if (m === 243) return 'riscv';
    throw new Error(`${elf}: ELF machine ${m} is neither ARM (40) nor RISC-V (243)`);
  } finally {
    fs.closeSync(fd);
  }
}

function defaultElf(board: string): string {
  return path.join(ROOT, 'build', `fw-${board}`, `tinyhil-${board}.elf`);
}

/** Works out the command without running it (also what the tests check). */
export function flashPlan(opts: FlashOptions): FlashPlan {
  const { board } = opts;
  if (!board) throw new Error('flash: board is required');
  const elf = path.resolve(opts.elf ?? defaultElf(board));
  if (!fs.existsSync(elf)) {
    throw new Error(opts.elf ? `flash: ELF not found: ${elf}` : `flash: ${board} firmware not built: run npm run build:firmware -- --board ${board} (no ${elf})`);
  }
  switch (opts.with) {
    case 'openocd': {
      const cfg = opts.openocdConfig ?? OPENOCD_BOARD_CFG[board];
      if (!cfg) throw new Error(`flash: no OpenOCD config known for board "${board}"; pass openocdConfig (known: ${Object.keys(OPENOCD_BOARD_CFG).join(', ')})`);
      const args = cfg.flatMap((f) => ['-f', f]);
      // OpenOCD's Tcl parses the path: braces keep spaces intact.
      args.push('-c', `program {${elf}} verify reset exit`);
      return { tool: 'openocd', command: 'openocd', args };
    }
    case 'st-flash': {
      if (elfMachine(elf) !== 'arm') throw new Error(`flash: st-flash programs STM32 parts only, ${elf} is not an ARM image`);
      const bin = elf.replace(/\.elf$/, '') + '.bin';
      const address = opts.address ?? 0x08000000;
      return {
        tool: 'st-flash',
        command: 'st-flash',
        args: ['--reset', 'write', bin, `0x${address.toString(16)}`],
        makeBin: { objcopy: 'arm-none-eabi-objcopy', elf, bin },
      };
    }
    case 'gdb': {
      if (!opts.gdbRemote) throw new Error('flash: with "gdb" needs gdbRemote (host:port of the GDB server)');
      if (!/^[^\s:]+:\d+$/.test(opts.gdbRemote)) throw new Error(`flash: gdbRemote must be host:port, got "${opts.gdbRemote}"`);
      const machine = elfMachine(elf);
      const gdb =
        opts.gdb ?? ['gdb-multiarch', machine === 'arm' ? 'arm-none-eabi-gdb' : 'riscv64-unknown-elf-gdb'].find((g) => which(g)) ?? 'gdb-multiarch';
      const server = opts.gdbServer ?? (board.startsWith('qemu-') ? 'qemu' : 'openocd');
      const ex: string[] = ['set confirm off', 'set pagination off', `target extended-remote ${opts.gdbRemote}`];
      if (server === 'openocd') ex.push('monitor reset halt');
      ex.push('load');
      // After load the PC is the ELF entry; a reset also takes SP from the image (Cortex-M vector 0).
      if (server === 'qemu') ex.push('monitor system_reset');
      if (server === 'openocd') ex.push('monitor reset run');
      ex.push('detach');
      return { tool: 'gdb', command: gdb, args: ['-batch', '-nx', ...ex.flatMap((c) => ['-ex', c]), elf] };
    }
    default:
      throw new Error(`flash: unknown tool "${String((opts as { with: unknown }).with)}"; use openocd, st-flash or gdb`);
  }
}

function runTool(command: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    if (!which(command) && !path.isAbsolute(command)) {
      reject(new Error(`flash: ${command} is not installed (not on PATH)`));
      return;
    }
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`flash: cannot run ${command}: ${e.message}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`flash: ${command} ${signal ? `killed by ${signal}` : `exited with ${code}`}:\n${out.trim()}`));
    });
  });
}

export async function flash(opts: FlashOptions): Promise<FlashResult> {
  const plan = flashPlan(opts);
  if (plan.makeBin) {
    const { objcopy, elf, bin } = plan.makeBin;
    const fresh = fs.existsSync(bin) && fs.statSync(bin).mtimeMs >= fs.statSync(elf).mtimeMs;
    if (!fresh) {
      const r = spawnSync(objcopy, ['-O', 'binary', elf, bin], { encoding: 'utf8' });
      if (r.error || r.status !== 0) throw new Error(`flash: ${objcopy} -O binary ${elf} failed: ${r.error?.message ?? r.stderr}`);
    }
  }
  const output = await runTool(plan.command, plan.args, opts.timeoutMs ?? 120_000);
  // gdb -batch exits 0 even when a command failed; its messages say so.
  if (plan.tool === 'gdb' && /(Remote communication error|Connection refused|Load failed|Error erasing|^No symbol table)/m.test(output)) {
    throw new Error(`flash: gdb could not load ${path.basename(plan.args[plan.args.length - 1])}:\n${output.trim()}`);
  }
  return { ...plan, output };
}
