/* calib_loop.S - th_calib_loop(n): exactly 2n + 2 instructions for n >= 1, 2 for n = 0 (RV32). */
  .text
  .global th_calib_loop
  .type th_calib_loop, @function
th_calib_loop:
  beqz a0, 2f
1:
  addi a0, a0, -1
  bnez a0, 1b
2:
  ret
  .size th_calib_loop, . - th_calib_loop
