/* fake_hal.h - an in-memory board for tests and the fuzzer: byte queues, a guarded arena. */
#ifndef FAKE_HAL_H
#define FAKE_HAL_H

#include <stdint.h>
#include "hal.h"

#define FAKE_ARENA_MAX 65536u
#define FAKE_GUARD 64u        /* bytes of 0xA5 on each side of the arena (it ends where ASan redzones begin) */
#define FAKE_N_CORES 2

/* Resets queues and counters; arena of `bytes` (<= FAKE_ARENA_MAX), zeroed, guards filled. */
void fake_reset(uint32_t arena_bytes);
/* Queues bytes for hal_getc. */
void fake_feed(const uint8_t *p, uint32_t n);
/* Queues bytes for hal_getc once hal_parallel has been called `calls` times in all (a host
 * that sends while a RUN is under way). One pending delivery at a time. */
void fake_feed_after(uint32_t calls, const uint8_t *p, uint32_t n);
/* Bytes the core wrote since the last fake_take (pointer valid until the next write). */
const uint8_t *fake_output(uint32_t *n);
void fake_take(void);
/* 1 when every guard byte still holds 0xA5. */
int fake_guards_ok(void);
uint8_t *fake_arena(void);
uint32_t fake_parallel_calls(void);
/* Highest and current trigger level, and how many times it went high. */
int fake_trigger_level(void);
uint32_t fake_trigger_rises(void);

#endif /* FAKE_HAL_H */
