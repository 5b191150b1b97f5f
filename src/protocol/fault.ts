// fault.ts - what a FAULT frame (0xC1) says, in words: the Cortex-M fault status registers decoded
// (ARMv7-M Architecture Reference Manual DDI 0403E, B3.2.15 CFSR, B3.2.16 HFSR), or RISC-V mcause
// and mtval (RISC-V Privileged Architecture 20211203, 3.1.15 table 3.6, 3.1.16).
import type { FaultInfo } from './frame';

const hex = (v: number): string => `0x${(v >>> 0).toString(16).toUpperCase().padStart(8, '0')}`;

const EXCEPTIONS: Record<number, string> = { 3: 'HardFault', 4: 'MemManage', 5: 'BusFault', 6: 'UsageFault' };

/** CFSR/HFSR bits in words, most specific first; addresses where the registers hold them. */
export function decodeFault(f: Pick<FaultInfo, 'cfsr' | 'hfsr' | 'mmfar' | 'bfar'>): string {
  const c = f.cfsr >>> 0;
  const out: string[] = [];
  const bit = (n: number): boolean => ((c >>> n) & 1) === 1;
  // MemManage (MMFSR, bits 0-7)
  if (bit(4)) out.push('MemManage: stacking error (stack overflow into the guard region)');
  if (bit(3)) out.push('MemManage: unstacking error');
  if (bit(0)) out.push('MemManage: instruction access violation');
  if (bit(1)) out.push(`MemManage: data access violation${bit(7) ? ` at ${hex(f.mmfar)}` : ''}`);
  if (bit(5)) out.push('MemManage: FP lazy state preservation');
  // BusFault (BFSR, bits 8-15)
  if (bit(12)) out.push('BusFault: stacking error (stack pointer outside memory)');
  if (bit(11)) out.push('BusFault: unstacking error');
  if (bit(8)) out.push('BusFault: instruction bus error');
  if (bit(9)) out.push(`BusFault: precise data bus error${bit(15) ? ` at ${hex(f.bfar)}` : ''}`);
  if (bit(10)) out.push('BusFault: imprecise data bus error');
  if (bit(13)) out.push('BusFault: FP lazy state preservation');
  // UsageFault (UFSR, bits 16-31)
  if (bit(16)) out.push('UsageFault: undefined instruction');
  if (bit(17)) out.push('UsageFault: invalid state (EPSR.T clear, e.g. a branch to an even address)');
  if (bit(18)) out.push('UsageFault: invalid EXC_RETURN');
  if (bit(19)) out.push('UsageFault: coprocessor access (FPU off?)');
  if (bit(24)) out.push('UsageFault: unaligned access');
  if (bit(25)) out.push('UsageFault: divide by zero');
  const h = f.hfsr >>> 0;
  if (h & (1 << 1)) out.push('HardFault: vector table read error');
  if (h & (1 << 30) && out.length === 0) out.push('HardFault: escalated fault (FORCED) with no cause recorded');
  if (h & (1 << 31)) out.push('HardFault: debug event');
  return out.length ? out.join('; ') : 'no cause recorded in CFSR/HFSR';
}

// mcause exception codes; those whose mtval is the faulting address say so.
const RISCV_CAUSES: Record<number, [string, boolean]> = {
  0: ['instruction address misaligned', true], 1: ['instruction access fault', true], 2: ['illegal instruction', false],
  3: ['breakpoint', false], 4: ['load address misaligned', true], 5: ['load access fault', true],
  6: ['store/AMO address misaligned', true], 7: ['store/AMO access fault', true], 8: ['environment call from U-mode', false],
  9: ['environment call from S-mode', false], 11: ['environment call from M-mode', false], 12: ['instruction page fault', true],
  13: ['load page fault', true], 15: ['store/AMO page fault', true],
};

/** RISC-V mcause (the frame's CFSR field) and mtval (MMFAR) in words. */
export function decodeRiscvCause(mcause: number, mtval: number): string {
  const code = mcause & 0x7fffffff;
  if (mcause >>> 31) return `interrupt ${code} taken (the firmware enables none)`;
  const c = RISCV_CAUSES[code];
  if (!c) return `exception code ${code}`;
  if (c[1]) return `${c[0]} at ${hex(mtval)}`;
  return code === 2 && mtval ? `${c[0]} ${hex(mtval)}` : c[0];
}

/** The line users read: `board faulted in <kernel>: PC 0x…, CFSR 0x… (<decoded cause>)`. */
export function faultMessage(f: FaultInfo, board?: string): string {
  const where = f.kernel ? `in ${f.kernel}` : 'outside any kernel';
  if (f.arch === 'riscv') {
    return `${board ?? 'board'} faulted ${where}: PC ${hex(f.pc)}, mcause ${hex(f.cfsr)} (${decodeRiscvCause(f.cfsr, f.mmfar)}); hart ${f.hfsr}, RA ${hex(f.lr)}, SP ${hex(f.sp)}; the board resets`;
  }
  const exc = EXCEPTIONS[f.exception] ?? `exception ${f.exception}`;
  const pc = f.pc === 0 && (f.cfsr & ((1 << 4) | (1 << 12))) ? 'PC unknown (stacking failed)' : `PC ${hex(f.pc)}`;
  return `${board ?? 'board'} faulted ${where}: ${pc}, CFSR ${hex(f.cfsr)} (${decodeFault(f)}); ${exc}, LR ${hex(f.lr)}, HFSR ${hex(f.hfsr)}, SP ${hex(f.sp)}; the board resets`;
}
