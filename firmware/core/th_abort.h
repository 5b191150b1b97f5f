/* th_abort.h - ABORT of a long request (docs/protocol.md, "ABORT"): while a request runs, the
 * core reads the link between units of work (RUN repeats, GRAPH nodes) looking only for an
 * ABORT frame carrying that request's seq. Internal to the firmware core. */
#ifndef TH_ABORT_H
#define TH_ABORT_H

#include <stdint.h>

/* Called by th_fw before it dispatches a request with this seq: clears any earlier ABORT and
 * starts the side decoder on a fresh frame. */
void th_abort_arm(uint16_t seq);
/* Non-blocking: consumes every pending link byte (hal_getc until -1). Returns 1 once an ABORT
 * for the armed seq has arrived (and keeps returning 1 until the next th_abort_arm), else 0.
 * Every other byte is discarded: the host sends nothing but ABORT while a request runs.
 * Call it between units of work, never inside a kernel, and only on core 0. */
int th_abort_poll(void);
/* The ERROR ABORTED reply in th_out: "<TYPE> <what>: aborted after <done> of <total> <unit>"
 * (e.g. "RUN linear_qk: aborted after 3 of 1000000 repeats"), detail = done. For handlers that stop on th_abort_poll. */
void th_abort_fail(uint8_t req_type, const char *what, uint32_t done, uint32_t total, const char *unit);

#endif /* TH_ABORT_H */
