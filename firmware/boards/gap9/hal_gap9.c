/* hal_gap9.c - GAP9 EVK HAL on PMSIS: the fabric controller runs th_fw_main(); hal_parallel forks
 * kernels over the 8-core cluster (pi_cl_team_fork) with per-core perf counters; UART0 at 115200
 * through the EVK's USB bridge, RX by a re-armed 1-byte async read into a ring buffer. */
#include <stdint.h>

#include "hal.h"
#include "pmsis.h"

#ifndef TH_GAP9_HZ
#define TH_GAP9_HZ 370000000u /* FC and cluster clock set in hal_init */
#endif
#ifndef TH_GAP9_ARENA_BYTES
#define TH_GAP9_ARENA_BYTES (1024u * 1024u) /* in L2 (1.5 MiB on GAP9), read by the cluster directly */
#endif
#ifndef TH_UART_BAUD
#define TH_UART_BAUD 115200u
#endif

const hal_board_t hal_board = {
    .name = "gap9",
    .cpu = "GAP9 (RV32IMC-XpulpV2, FC + 8-core cluster)",
    .clock_hz = TH_GAP9_HZ,
    .counter = HAL_COUNTER_CYCLES,
    .counter_unit = "cycles",
    .n_cores = 8,
};

static PI_L2 uint8_t arena[TH_GAP9_ARENA_BYTES] __attribute__((aligned(16)));
static struct pi_device uart, cluster;
static pi_task_t rx_task;
static PI_L2 uint8_t rx_byte;
static volatile uint8_t ring[256];
static volatile uint32_t ring_head, ring_tail; /* head written by the RX callback, tail by hal_getc */
static int initialised;

static void rx_done(void *arg) {
  (void)arg;
  if (ring_head - ring_tail < sizeof ring) ring[ring_head++ & 0xFFu] = rx_byte;
  pi_uart_read_async(&uart, &rx_byte, 1, pi_task_callback(&rx_task, rx_done, NULL));
}

void hal_init(void) {
  if (initialised) return;
  initialised = 1;
  pi_freq_set(PI_FREQ_DOMAIN_FC, TH_GAP9_HZ);
  pi_freq_set(PI_FREQ_DOMAIN_CL, TH_GAP9_HZ);
  struct pi_uart_conf uc;
  pi_uart_conf_init(&uc);
  uc.baudrate_bps = TH_UART_BAUD;
  uc.enable_rx = 1;
  uc.enable_tx = 1;
  pi_open_from_conf(&uart, &uc);
  if (pi_uart_open(&uart)) pmsis_exit(-1);
  struct pi_cluster_conf cc;
  pi_cluster_conf_init(&cc);
  cc.id = 0;
  pi_open_from_conf(&cluster, &cc);
  if (pi_cluster_open(&cluster)) pmsis_exit(-2);
  pi_perf_conf(1 << PI_PERF_CYCLES);
  pi_perf_reset();
  pi_perf_start();
  pi_uart_read_async(&uart, &rx_byte, 1, pi_task_callback(&rx_task, rx_done, NULL));
}

int hal_getc(void) {
  if (ring_tail == ring_head) return -1;
  return ring[ring_tail++ & 0xFFu];
}

void hal_write(const uint8_t *buf, uint32_t len) {
  static PI_L2 uint8_t tx[256]; /* the uDMA reads L2 only */
  while (len) {
    uint32_t n = len < sizeof tx ? len : sizeof tx;
    for (uint32_t i = 0; i < n; i++) tx[i] = buf[i];
    pi_uart_write(&uart, tx, n);
    buf += n;
    len -= n;
  }
}

uint32_t hal_millis(void) { return (uint32_t)(pi_time_get_us() / 1000u); }

/* Lets the event kernel run the RX callback. */
void hal_idle(void) { pi_yield(); }

uint8_t *hal_arena(uint32_t *bytes) {
  if (bytes) *bytes = TH_GAP9_ARENA_BYTES;
  return arena;
}

/* FC perf counter: 32 bits, wraps after ~11.6 s at 370 MHz; extended on every read. */
uint64_t hal_counter(void) {
  static uint32_t last, hi;
  uint32_t now = pi_perf_read(PI_PERF_CYCLES);
  if (now < last) hi++;
  last = now;
  return ((uint64_t)hi << 32) | now;
}

/* No power-monitor pin wired by default on the EVK; boards with one set it here. */
void hal_trigger(int level) { (void)level; }

struct fork_job {
  void (*fn)(int32_t, void *);
  void *arg;
  int32_t n_cores;
  uint32_t cycles[8];
};

static void core_entry(void *p) {
  struct fork_job *job = (struct fork_job *)p;
  int32_t id = (int32_t)pi_core_id();
  pi_perf_conf(1 << PI_PERF_CYCLES);
  pi_perf_reset();
  pi_perf_start();
  job->fn(id, job->arg);
  pi_perf_stop();
  job->cycles[id] = pi_perf_read(PI_PERF_CYCLES);
}

static void cluster_entry(void *p) {
  struct fork_job *job = (struct fork_job *)p;
  pi_cl_team_fork(job->n_cores, core_entry, job);
}

void hal_parallel(int32_t n_cores, void (*fn)(int32_t core_id, void *arg), void *arg,
                  uint64_t per_core_counter[]) {
  static PI_L2 struct fork_job job;
  struct pi_cluster_task task;
  job.fn = fn;
  job.arg = arg;
  job.n_cores = n_cores;
  pi_cluster_task(&task, cluster_entry, &job);
  pi_cluster_send_task_to_cl(&cluster, &task);
  for (int32_t i = 0; i < n_cores; i++) per_core_counter[i] = job.cycles[i];
}

/* Kernels call this between stages on every core of the team. */
void hal_barrier(void *arg) {
  (void)arg;
  pi_cl_team_barrier();
}
