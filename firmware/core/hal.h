/* hal.h - what a board provides to the firmware core. One implementation per board
 * in firmware/boards/<board>/; the core (firmware/core/) never touches hardware. */
#ifndef TH_HAL_H
#define TH_HAL_H

#include <stdint.h>
#include "tinyhil.h"

typedef enum {
  HAL_COUNTER_CYCLES = 0,       /* CPU cycles (DWT CYCCNT, PMSIS perf counter) */
  HAL_COUNTER_INSTRUCTIONS = 1, /* retired instructions (QEMU -icount) */
  HAL_COUNTER_NANOSECONDS = 2   /* host wall-clock nanoseconds (host-sim) */
} hal_counter_kind;

typedef struct {
  const char *name;          /* "host-sim", "qemu-m4", "stm32h7", ... */
  const char *cpu;           /* "Cortex-M4", "x86_64 host", ... */
  uint32_t clock_hz;         /* 0 when not meaningful */
  hal_counter_kind counter;
  const char *counter_unit;  /* "ns (host)", "instructions (QEMU)", "cycles" */
  int32_t n_cores;           /* cores a kernel may be split over */
  uint32_t max_repeat;       /* largest RUN repeat (HELLO); 0 = TH_FW_MAX_REPEAT */
} hal_board_t;

extern const hal_board_t hal_board;

void hal_init(void);
/* Next received byte 0..255, or -1 when none is pending. Never blocks. */
int hal_getc(void);
/* Sends len bytes; returns when they are queued or sent. */
void hal_write(const uint8_t *buf, uint32_t len);
/* Monotonic milliseconds, for receive timeouts. */
uint32_t hal_millis(void);
/* Called when no byte is pending (sleep until an interrupt, or poll). */
void hal_idle(void);
/* The arena: one contiguous region where tensors and scratch live. */
uint8_t *hal_arena(uint32_t *bytes);
/* Free-running counter in the board's unit (see hal_board.counter). */
uint64_t hal_counter(void);
/* Power-monitor trigger pin: 1 around the measured kernel. No-op where absent. */
void hal_trigger(int level);
/* Runs fn(core_id, arg) on n_cores cores and returns when all are done; also gives
 * the barrier the kernels call between stages. Single-core boards run n_cores == 1 only.
 * per_core_counter[i] receives core i's counter delta (may equal the total). */
void hal_parallel(int32_t n_cores, void (*fn)(int32_t core_id, void *arg), void *arg,
                  uint64_t per_core_counter[]);
void hal_barrier(void *arg);
/* Cores a kernel may be split over, as found at start-up (qemu-rv32 counts the harts QEMU
 * started). Default (th_hal_defaults.c): hal_board.n_cores. */
int32_t hal_cores(void);
/* After hal_parallel: each core's wait at barriers and the run's critical path, in counter units
 * (firmware/boards/common/cluster/th_cluster.h defines them). Returns 1 when the board measures
 * them, 0 when it does not (the default); the RUN reply carries them only then. */
int hal_parallel_waits(uint64_t wait[], uint64_t *critical);
/* Around a timed region (on = 1 before the first counter read, 0 after the last): a board stops
 * what would add to the count (STM32: the SysTick interrupt). Default: nothing. */
void hal_timing(int on);
/* CALIBRATE: counter deltas around th_calib_loop(0) (*d0) and th_calib_loop(n) (*dn), the loop of
 * calib_loop.S (2n + 2 instructions, 2 for n = 0). Returns 0 where the board has no such loop
 * (the default). firmware/boards/common/calib.c implements it for the ARM and RISC-V boards. */
int hal_calibrate(uint32_t n, uint64_t *d0, uint64_t *dn);
/* Clock actually reached and where it comes from ("HSE 8 MHz bypass, PLL1"), for HELLO; NULL when
 * the board has nothing to say (the default; emulated boards). */
const char *hal_clock_source(uint32_t *hz);
/* Main stack size and its high-water mark in bytes (painted at start-up), for HELLO; 0 when not
 * measured (the default). */
int hal_stack(uint32_t *size, uint32_t *used);

#endif /* TH_HAL_H */
