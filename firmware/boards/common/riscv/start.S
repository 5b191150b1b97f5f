/* start.S - RV32 machine-mode entry: global pointer, stack, trap vector, zero .bss, main(). */
  .section .text.start, "ax"
  .global _start
_start:
  .option push
  .option norelax
  la gp, __global_pointer$
  .option pop
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

/* Any trap (we enable none): stay here where a debugger can see mcause/mepc. */
  .align 2
th_trap:
  j th_trap
