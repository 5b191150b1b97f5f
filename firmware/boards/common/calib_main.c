/* calib_main.c - counter calibration firmware: times loops of a known instruction count with
 * hal_counter() and prints one line per measurement, so a host test can check the counter.
 *
 * th_calib_loop(n) retires exactly 2n + 2 instructions for n >= 1 and 2 for n = 0 (see
 * calib_loop_*.S), so delta(n) - delta(0) must equal 2n: the fixed cost of the two
 * hal_counter() calls cancels. Waits for any received byte first, so the host is listening. */
#include <stdint.h>

#include "hal.h"

void th_calib_loop(uint32_t n);

/* Runs of interrupt handlers that the counter counts (the MPS2 SysTick wrap handler); boards
 * whose counter sees no handler keep this 0. Printed per window so the host test can be exact:
 * delta(n) - delta(0) = 2n + isr * (instructions of one handler run). */
__attribute__((weak)) uint32_t hal_counter_isr_runs(void) { return 0; }

static void put_str(const char *s) {
  uint32_t n = 0;
  while (s[n]) n++;
  hal_write((const uint8_t *)s, n);
}

static void put_u64(uint64_t v) {
  char buf[21];
  int i = 20;
  buf[i] = 0;
  do {
    buf[--i] = (char)('0' + (int)(v % 10u));
    v /= 10u;
  } while (v);
  put_str(&buf[i]);
}

static const uint32_t loops[] = {0, 1, 2, 3, 10, 100, 1000, 10000, 100000, 3000000};

int main(void) {
  hal_init();
  while (hal_getc() < 0) hal_idle();
  put_str("CALIB board=");
  put_str(hal_board.name);
  put_str(" unit=");
  put_str(hal_board.counter_unit);
  put_str("\n");
  for (int rep = 0; rep < 2; rep++) {
    for (uint32_t i = 0; i < sizeof loops / sizeof loops[0]; i++) {
      uint32_t r0 = hal_counter_isr_runs();
      uint64_t c0 = hal_counter();
      th_calib_loop(loops[i]);
      uint64_t c1 = hal_counter();
      uint32_t r1 = hal_counter_isr_runs();
      put_str("CAL n=");
      put_u64(loops[i]);
      put_str(" delta=");
      put_u64(c1 - c0);
      put_str(" isr=");
      put_u64(r1 - r0);
      put_str("\n");
    }
  }
  put_str("CAL END\n");
  for (;;) hal_idle();
}
