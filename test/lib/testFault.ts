// The TEST_FAULT firmware of a QEMU board (build/fw-<board>-testfault), built on first use, for the
// fault suites (test/qemu-fault*.test.ts).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { firmwarePath, qemuUnavailable, which } from '../../src/board/qemu';

const COMPILER = { 'qemu-m4': 'arm-none-eabi-gcc', 'qemu-rv32': 'riscv64-unknown-elf-gcc' } as const;

/** The ELF, and why the suite must skip (null when it can run). */
export function testFaultElf(board: keyof typeof COMPILER): { elf: string; why: string | null } {
  const elf = firmwarePath(board, 'firmware', '-testfault');
  const why = qemuUnavailable(board, firmwarePath(board));
  if (why) return { elf, why };
  if (fs.existsSync(elf)) return { elf, why: null };
  if (!which(COMPILER[board])) return { elf, why: `${COMPILER[board]} is not installed (the TEST_FAULT firmware cannot be built)` };
  const script = path.join(__dirname, '..', '..', 'scripts', 'build-firmware.js');
  const r = spawnSync(process.execPath, [script, '--board', board, '--test-fault'], { encoding: 'utf8' });
  return { elf, why: r.status === 0 && fs.existsSync(elf) ? null : `building the TEST_FAULT firmware failed: ${r.stdout}${r.stderr}` };
}
