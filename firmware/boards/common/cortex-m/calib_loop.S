/* calib_loop.S - th_calib_loop(n): exactly 2n + 2 instructions for n >= 1, 2 for n = 0 (Thumb-2). */
  .syntax unified
  .thumb
  .text
  .global th_calib_loop
  .type th_calib_loop, %function
  .thumb_func
th_calib_loop:
  cbz r0, 2f
1:
  subs r0, r0, #1
  bne 1b
2:
  bx lr
  .size th_calib_loop, . - th_calib_loop
