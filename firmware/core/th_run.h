/* th_run.h - the RUN request handler of the firmware core (internal). */
#ifndef TH_RUN_H
#define TH_RUN_H

#include <stdint.h>

/* Checks the RUN payload p[0..n) against the arena and runs it; builds the reply (or ERROR)
 * in th_out. */
void th_run(const uint8_t *p, uint32_t n, uint8_t *arena, uint32_t arena_bytes);
/* The last successful RUN reply's payload (COUNTERS), and forgetting it (RESET). */
const uint8_t *th_run_last(uint32_t *len);
void th_run_forget(void);

#endif /* TH_RUN_H */
