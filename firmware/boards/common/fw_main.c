/* fw_main.c - main() of the protocol firmware: board init, then the core's loop (never returns). */
#include "hal.h"

void th_fw_main(void);

int main(void) {
  hal_init(); /* idempotent: the core may call it again */
  th_fw_main();
  for (;;) hal_idle();
}
