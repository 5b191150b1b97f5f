/* start.S - RV32 machine-mode entry: global pointer, stack, trap vector, zero .bss, main().
 * Every hart enters here (QEMU virt's reset vector jumps to the image on all harts); hart 0 runs
 * the firmware, the others take a stack of their own and call th_rv_secondary(hartid), which a
 * board provides when it uses them (qemu-rv32: firmware/boards/qemu-rv32/hal_virt.c). */
  .equ TH_HART_STACK, 16384
  .equ TH_HARTS, 8 /* TH_MAX_CORES */
  .global __hart_stack_size, __harts
  .set __hart_stack_size, TH_HART_STACK /* sections.ld reserves (TH_HARTS - 1) of these */
  .set __harts, TH_HARTS
  .section .text.start, "ax"
  .global _start
_start:
  .option push
  .option norelax
  la gp, __global_pointer$
  .option pop
  csrr t0, mhartid
  bnez t0, secondary
  la sp, _estack
  la t0, th_trap
  csrw mtvec, t0
  la t0, _sbss
  la t1, _ebss
1:
  bgeu t0, t1, 2f
  sw zero, 0(t0)
  addi t0, t0, 4
  j 1b
2:
  call main
3:
  wfi
  j 3b

/* Hart h > 0: stack top = _ehart_stacks - (h - 1) * TH_HART_STACK. Harts beyond the reserved
 * stacks (TH_HARTS) park at once. */
secondary:
  li t1, TH_HARTS
  bgeu t0, t1, 3b
  la t1, th_trap
  csrw mtvec, t1
  la sp, _ehart_stacks
  addi t2, t0, -1
  li t1, TH_HART_STACK
  mul t2, t2, t1
  sub sp, sp, t2
  mv a0, t0
  call th_rv_secondary
  j 3b

/* Any trap is a fault (no interrupt is ever taken: mstatus.MIE stays off). The first hart to
 * trap takes the lock and reports on the fault stack (fault.c: FAULT frame, then reset); a hart
 * trapping after it parks. t0 and sp are the only registers lost: the frame reports ra and sp. */
  .align 2
th_trap:
  csrw mscratch, sp
  la t0, th_rv_fault_lock
  li sp, 1
  amoswap.w sp, sp, (t0)
  bnez sp, 4f
  la sp, th_rv_fault_stack_end
  mv a0, ra
  csrr a1, mscratch
  j th_rv_fault_c
4:
  wfi
  j 4b

  .section .data
  .align 2
th_rv_fault_lock:
  .word 0
  .section .bss
  .align 4
th_rv_fault_stack:
  .space 1024 /* th_rv_fault_c + th_fault_send: well under this */
th_rv_fault_stack_end:
