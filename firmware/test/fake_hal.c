/* fake_hal.c - hal.h for tests: queues instead of a UART, real threads for multi-core runs. */
#define _POSIX_C_SOURCE 200809L /* pthread barriers under -std=c99 */
#include "fake_hal.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const hal_board_t hal_board = {"fake", "test host", 0, HAL_COUNTER_CYCLES, "ticks (fake)", FAKE_N_CORES, 0};

/* The arena sits at the end of mem, between two guards: past the last guard is ASan's redzone. */
static uint8_t mem[FAKE_GUARD + FAKE_ARENA_MAX + FAKE_GUARD];
static uint32_t arena_bytes;
static uint8_t *arena_at; /* mem + FAKE_GUARD + FAKE_ARENA_MAX - arena_bytes */
static uint8_t in_q[1u << 20];
static uint32_t in_head, in_tail;
static uint8_t out_q[1u << 20];
static uint32_t out_len;
static uint64_t ticks;
static uint32_t parallel_calls, trigger_rises;
static int trigger;
static pthread_barrier_t barrier;
static uint8_t later_q[256];
static uint32_t later_n, later_at;

void fake_reset(uint32_t bytes) {
  arena_bytes = bytes > FAKE_ARENA_MAX ? FAKE_ARENA_MAX : bytes;
  arena_at = mem + FAKE_GUARD + FAKE_ARENA_MAX - arena_bytes;
  memset(arena_at - FAKE_GUARD, 0xA5, FAKE_GUARD);
  memset(arena_at, 0, arena_bytes);
  memset(arena_at + arena_bytes, 0xA5, FAKE_GUARD);
  in_head = in_tail = out_len = 0;
  ticks = 0;
  parallel_calls = trigger_rises = 0;
  trigger = 0;
  later_n = 0;
}

void fake_feed(const uint8_t *p, uint32_t n) {
  if (in_tail == in_head) in_head = in_tail = 0;
  if (n > sizeof in_q - in_tail) { fprintf(stderr, "fake_feed: queue full\n"); abort(); }
  memcpy(in_q + in_tail, p, n);
  in_tail += n;
}

void fake_feed_after(uint32_t calls, const uint8_t *p, uint32_t n) {
  if (n > sizeof later_q) { fprintf(stderr, "fake_feed_after: %u bytes\n", (unsigned)n); abort(); }
  memcpy(later_q, p, n);
  later_n = n;
  later_at = calls;
}

const uint8_t *fake_output(uint32_t *n) { *n = out_len; return out_q; }
void fake_take(void) { out_len = 0; }

int fake_guards_ok(void) {
  uint32_t i;
  for (i = 0; i < FAKE_GUARD; i++)
    if (arena_at[-1 - (int32_t)i] != 0xA5 || arena_at[arena_bytes + i] != 0xA5) return 0;
  return 1;
}

uint8_t *fake_arena(void) { return arena_at; }
uint32_t fake_parallel_calls(void) { return parallel_calls; }
int fake_trigger_level(void) { return trigger; }
uint32_t fake_trigger_rises(void) { return trigger_rises; }

void hal_init(void) {}
int hal_getc(void) { return in_head < in_tail ? in_q[in_head++] : -1; }
void hal_write(const uint8_t *buf, uint32_t len) {
  if (len > sizeof out_q - out_len) { fprintf(stderr, "hal_write: output queue full\n"); abort(); }
  memcpy(out_q + out_len, buf, len);
  out_len += len;
}
uint32_t hal_millis(void) { return (uint32_t)(ticks / 1000u); }
void hal_idle(void) {}
uint8_t *hal_arena(uint32_t *bytes) { *bytes = arena_bytes; return arena_at; }
uint64_t hal_counter(void) { return ticks += 1000u; }
void hal_trigger(int level) {
  if (level && !trigger) trigger_rises++;
  trigger = level;
}

typedef struct {
  void (*fn)(int32_t, void *);
  void *arg;
  int32_t id;
} core_arg;

static void *core_main(void *p) {
  core_arg *c = (core_arg *)p;
  c->fn(c->id, c->arg);
  return NULL;
}

void hal_parallel(int32_t n, void (*fn)(int32_t, void *), void *arg, uint64_t per_core[]) {
  pthread_t th[FAKE_N_CORES];
  core_arg ca[FAKE_N_CORES];
  int32_t i;
  parallel_calls++;
  if (later_n && parallel_calls == later_at) {
    fake_feed(later_q, later_n);
    later_n = 0;
  }
  if (n < 1 || n > FAKE_N_CORES) { fprintf(stderr, "hal_parallel: n_cores %d\n", (int)n); abort(); }
  if (n == 1) {
    fn(0, arg);
    per_core[0] = 7;
    return;
  }
  pthread_barrier_init(&barrier, NULL, (unsigned)n);
  for (i = 0; i < n; i++) {
    ca[i].fn = fn;
    ca[i].arg = arg;
    ca[i].id = i;
    if (i > 0 && pthread_create(&th[i], NULL, core_main, &ca[i]) != 0) abort();
  }
  fn(0, arg);
  for (i = 1; i < n; i++) pthread_join(th[i], NULL);
  pthread_barrier_destroy(&barrier);
  for (i = 0; i < n; i++) per_core[i] = 7u + (uint64_t)i;
}

void hal_barrier(void *arg) {
  (void)arg;
  pthread_barrier_wait(&barrier);
}
