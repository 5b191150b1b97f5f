/* th_hal_defaults.c - defaults for the optional hal.h entries; a board overrides them by defining
 * the same function (these are weak). */
#include "hal.h"

__attribute__((weak)) int32_t hal_cores(void) { return hal_board.n_cores; }

__attribute__((weak)) int hal_parallel_waits(uint64_t wait[], uint64_t *critical) {
  (void)wait;
  (void)critical;
  return 0;
}
