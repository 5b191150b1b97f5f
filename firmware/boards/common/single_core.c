/* single_core.c - hal_parallel / hal_barrier for boards with one core: run core 0 inline. */
#include "hal.h"

void hal_parallel(int32_t n_cores, void (*fn)(int32_t core_id, void *arg), void *arg,
                  uint64_t per_core_counter[]) {
  /* The core refuses n_cores > hal_board.n_cores with BAD_CORES before getting here. */
  (void)n_cores;
  uint64_t c0 = hal_counter();
  fn(0, arg);
  uint64_t c1 = hal_counter();
  if (per_core_counter) per_core_counter[0] = c1 - c0;
}

void hal_barrier(void *arg) { (void)arg; }
