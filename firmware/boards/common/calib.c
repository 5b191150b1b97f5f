/* calib.c - hal_calibrate (CALIBRATE, firmware/core/th_calib.c) for the boards that have the
 * known-length loop of calib_loop.S (Cortex-M and RV32): th_calib_loop(n) retires 2n + 2
 * instructions for n >= 1 and 2 for n = 0, so dn - d0 = 2n instructions, and d0 - 2 is the fixed
 * cost of reading the counter. hal_timing brackets it as it brackets a kernel (STM32: no SysTick). */
#include "hal.h"

void th_calib_loop(uint32_t n);

int hal_calibrate(uint32_t n, uint64_t *d0, uint64_t *dn) {
  uint64_t c0, c1, c2;
  hal_timing(1);
  c0 = hal_counter();
  th_calib_loop(0);
  c1 = hal_counter();
  th_calib_loop(n);
  c2 = hal_counter();
  hal_timing(0);
  *d0 = c1 - c0;
  *dn = c2 - c1;
  return 1;
}
