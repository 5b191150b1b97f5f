/* th_hal_defaults.c - defaults for the optional hal.h entries; a board overrides them by defining
 * the same function (these are weak). */
#include "hal.h"
#include "th_fault.h"

__attribute__((weak)) int32_t hal_cores(void) { return hal_board.n_cores; }

__attribute__((weak)) int hal_parallel_waits(uint64_t wait[], uint64_t *critical) {
  (void)wait;
  (void)critical;
  return 0;
}

__attribute__((weak)) void hal_timing(int on) { (void)on; }

__attribute__((weak)) int hal_calibrate(uint32_t n, uint64_t *d0, uint64_t *dn) {
  (void)n;
  *d0 = *dn = 0;
  return 0;
}

__attribute__((weak)) const char *hal_clock_source(uint32_t *hz) {
  *hz = 0;
  return 0;
}

__attribute__((weak)) int hal_stack(uint32_t *size, uint32_t *used) {
  *size = *used = 0;
  return 0;
}

#ifdef TH_TEST_FAULT
__attribute__((weak)) const char *hal_test_fault_refusal(uint32_t kind) {
  (void)kind;
  return 0;
}
#endif
