/* th_run.h - the RUN request handler of the firmware core, and the checked node it is built on
 * (GRAPH runs a list of them). Internal. */
#ifndef TH_RUN_H
#define TH_RUN_H

#include <stdint.h>

#include "tinyhil.h"

/* One kernel run as a RUN payload describes it, after every field and region was checked. */
typedef struct {
  int32_t id, n_cores;
  uint32_t n_in, repeat;
  th_params params;
  uint32_t in_off[TH_MAX_INPUTS], out_off, out_len, scr_off, scr_len;
} th_node;

/* Checks a RUN payload p[0..n) (docs/protocol.md, RUN request) against an arena of arena_bytes
 * and fills *nd. On failure returns 1 with an ERROR in th_out whose request type (and message
 * prefix) is `type`; else 0. Touches no arena byte. */
int th_run_check(uint8_t type, const uint8_t *p, uint32_t n, uint32_t arena_bytes, th_node *nd);
/* Points the kernel job at a checked node's regions; *nd must stay in place until the node ran. */
void th_node_bind(const th_node *nd, uint8_t *arena);
/* The kernel library's own checks of the bound node (th_kernel_check), made before a counter
 * starts so that counters hold the kernel alone; TH_OK or the library's status. */
th_status th_node_check(void);
/* Runs the bound, checked node once on its cores; per_core[i] gets core i's counter delta. */
void th_node_exec(uint64_t per_core[TH_MAX_CORES]);

/* Checks the RUN payload p[0..n) against the arena and runs it; builds the reply (or ERROR)
 * in th_out. */
void th_run(const uint8_t *p, uint32_t n, uint8_t *arena, uint32_t arena_bytes);
/* The last successful RUN reply's payload (COUNTERS), and forgetting it (RESET). */
const uint8_t *th_run_last(uint32_t *len);
void th_run_forget(void);

#endif /* TH_RUN_H */
