/* hal_gap9.c - GAP9 EVK HAL on PMSIS (GreenWaves GAP SDK).
 *
 * STATUS: NOT COMPILED, NOT RUN. No GAP SDK is installed on the machines this repository is
 * built on, and no GAP9 board was available. The PMSIS calls below were checked by name against
 * the public gap_sdk sources (GreenWaves-Technologies/gap_sdk, rtos/pmsis/api/include/pmsis/...,
 * files named next to each use); signatures may differ between SDK versions. What IS compiled and
 * run in CI is the dispatch logic this file shares with qemu-rv32: fork/barrier counting in
 * firmware/boards/common/cluster/th_cluster.c (test/qemu-cluster.test.ts).
 *
 * Structure: main() -> pmsis_kickoff(fw_task): only the kickoff starts the OS scheduler; PMSIS calls
 * that block (UART, cluster) would hang without it. The fabric controller (FC) runs the protocol;
 * hal_parallel sends one cluster task; its entry runs on the cluster master (not one of the 8
 * workers on GAP9), which times the fork with the cluster timer (PI_PERF_CYCLES: "the time, as it is
 * a shared resource within the cluster", drivers/perf.h - only the master resets/starts it) and
 * forks th_cl_body over n workers with pi_cl_team_fork (cluster/cl_pmsis_api.h). Each worker counts
 * its own work with an event its own counter can count (PI_PERF_ACTIVE_CYCLES, one HW counter per
 * core, drivers/perf.h); barriers are pi_cl_team_barrier (TH_CL_BOARD_SYNC). */
#include <stdint.h>

#include "hal.h"
#include "pmsis.h"
#include "th_cluster.h"

#ifndef TH_GAP9_HZ
#define TH_GAP9_HZ 370000000u /* FC and cluster clock asked for in hal_init */
#endif
#ifndef TH_GAP9_MV
#define TH_GAP9_MV 800u /* core voltage needed above 240 MHz (GAP9 datasheet operating points); set first */
#endif
#ifndef TH_GAP9_ARENA_BYTES
#define TH_GAP9_ARENA_BYTES (1024u * 1024u) /* in L2 (1.5 MiB on GAP9), read by the cluster directly */
#endif
#ifndef TH_UART_BAUD
#define TH_UART_BAUD 115200u
#endif
#define RX_RING 1024u /* power of two; > one max frame, so a late poll loses nothing */

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
static uint32_t fc_hz, cl_hz; /* read back with pi_freq_get (os_frontend_api/freq.h) */
static char clock_text[40];
static int initialised;

/* ---- UART RX: two uDMA buffers in flight, drained into a ring by the callback ----
 * A single re-armed 1-byte read loses bytes whenever the callback runs late (the uDMA has nowhere to
 * put them); with two chunk reads queued (drivers/uart.h: pi_uart_read_async enqueues), the uDMA
 * always has a buffer while the callback copies the other one. */
#define RX_CHUNK 1u /* bytes per transfer: a read completes only when full, so 1 keeps latency low */
static PI_L2 uint8_t rx_buf[2][RX_CHUNK];
static pi_task_t rx_task[2];
static volatile uint8_t ring[RX_RING];
static volatile uint32_t ring_head, ring_tail, ring_lost;

static void rx_done(void *arg) {
  uint32_t i = (uint32_t)(uintptr_t)arg;
  for (uint32_t k = 0; k < RX_CHUNK; k++) {
    if (ring_head - ring_tail < RX_RING) ring[ring_head++ & (RX_RING - 1u)] = rx_buf[i][k];
    else ring_lost++; /* the host resends: a frame with a lost byte fails its CRC */
  }
  pi_uart_read_async(&uart, rx_buf[i], RX_CHUNK, pi_task_callback(&rx_task[i], rx_done, arg));
}

void hal_init(void) {
  if (initialised) return;
  initialised = 1;
  /* Voltage first, then frequency (raising the clock at the low voltage is out of spec). */
  pi_pmu_voltage_set(PI_PMU_DOMAIN_FC, TH_GAP9_MV); /* domains: chips/vega/pmu.h (GAP9's predecessor) */
  pi_freq_set(PI_FREQ_DOMAIN_FC, TH_GAP9_HZ);
  pi_freq_set(PI_FREQ_DOMAIN_CL, TH_GAP9_HZ);
  fc_hz = pi_freq_get(PI_FREQ_DOMAIN_FC);
  cl_hz = pi_freq_get(PI_FREQ_DOMAIN_CL);
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
  pi_perf_conf(1 << PI_PERF_CYCLES); /* FC's own counter for hal_counter */
  pi_perf_reset();
  pi_perf_start();
  for (uint32_t i = 0; i < 2; i++)
    pi_uart_read_async(&uart, rx_buf[i], RX_CHUNK, pi_task_callback(&rx_task[i], rx_done, (void *)(uintptr_t)i));
}

static uint32_t put_mhz(char *out, uint32_t n, const char *label, uint32_t hz) {
  char d[10];
  int k = 0;
  uint32_t mhz = hz / 1000000u;
  while (*label) out[n++] = *label++;
  do d[k++] = (char)('0' + mhz % 10u); while ((mhz /= 10u) && k < 10);
  while (k) out[n++] = d[--k];
  out[n++] = ' ', out[n++] = 'M', out[n++] = 'H', out[n++] = 'z';
  return n;
}

/* "FC 370 MHz, CL 370 MHz": what pi_freq_get reads back, not what was asked for. */
const char *hal_clock_source(uint32_t *hz) {
  uint32_t n = put_mhz(clock_text, 0, "FC ", fc_hz);
  n = put_mhz(clock_text, n, ", CL ", cl_hz);
  clock_text[n] = 0;
  *hz = fc_hz;
  return clock_text;
}

int hal_getc(void) {
  int c = -1;
  int irq = pi_irq_disable();
  if (ring_tail != ring_head) c = ring[ring_tail++ & (RX_RING - 1u)];
  pi_irq_restore(irq);
  return c;
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

/* Lets the event kernel run the RX callbacks. */
void hal_idle(void) { pi_yield(); }

uint8_t *hal_arena(uint32_t *bytes) {
  if (bytes) *bytes = TH_GAP9_ARENA_BYTES;
  return arena;
}

/* FC cycles in 64 bits. The 32-bit counter wraps every 2^32 / 370 MHz = 11.6 s, and a RUN may last
 * 30 s between two reads: the number of wraps since the last read comes from the microsecond clock
 * (pi_time_get_us, os_frontend_api/pmsis_time.h), coarse but far finer than a wrap. */
uint64_t hal_counter(void) {
  static uint32_t last, last_us;
  static uint64_t acc;
  uint32_t now = pi_perf_read(PI_PERF_CYCLES), us = pi_time_get_us();
  uint32_t delta = now - last;
  uint64_t coarse = (uint64_t)(uint32_t)(us - last_us) * (fc_hz ? fc_hz : TH_GAP9_HZ) / 1000000u;
  uint64_t wraps = coarse > delta ? (coarse - delta + 0x80000000u) >> 32 : 0;
  acc += delta + (wraps << 32);
  last = now;
  last_us = us;
  return acc;
}

/* No power-monitor pin wired by default on the EVK; boards with one set it here. */
void hal_trigger(int level) { (void)level; }

/* ---- cluster: the portable counting of th_cluster.c over PMSIS ---- */

uint64_t th_cl_counter(void) { return pi_perf_read(PI_PERF_ACTIVE_CYCLES); }
int32_t th_cl_core_id(void) { return (int32_t)pi_core_id(); }
void th_cl_relax(void) {}
void th_cl_wake(uint32_t mask) { (void)mask; }
void th_cl_sync(int32_t core_id, int32_t n_cores) {
  (void)core_id;
  (void)n_cores;
  pi_cl_team_barrier();
}

static struct {
  int32_t n;
  uint64_t per_core[TH_MAX_CORES], wait[TH_MAX_CORES], critical;
  uint32_t fork_cycles;
} fork_out;

static void worker_entry(void *arg) {
  (void)arg;
  pi_perf_conf(1 << PI_PERF_ACTIVE_CYCLES); /* this core's own counter */
  pi_perf_reset();
  pi_perf_start();
  th_cl_body((int32_t)pi_core_id());
}

/* Runs on the cluster master: times the whole fork with the cluster timer it alone may reset. */
static void master_entry(void *arg) {
  (void)arg;
  pi_perf_conf(1 << PI_PERF_CYCLES);
  pi_perf_reset();
  pi_perf_start();
  uint32_t t0 = pi_perf_read(PI_PERF_CYCLES);
  pi_cl_team_fork(fork_out.n, worker_entry, 0);
  fork_out.fork_cycles = pi_perf_read(PI_PERF_CYCLES) - t0;
  th_cl_end(fork_out.per_core);
  th_cl_last(fork_out.wait, &fork_out.critical);
}

void hal_parallel(int32_t n_cores, void (*fn)(int32_t core_id, void *arg), void *arg,
                  uint64_t per_core_counter[]) {
  struct pi_cluster_task task;
  fork_out.n = n_cores;
  th_cl_begin(n_cores, fn, arg);
  pi_cluster_task(&task, master_entry, 0);
  pi_cluster_send_task_to_cl(&cluster, &task); /* blocks until the master returns */
  for (int32_t i = 0; i < n_cores; i++) per_core_counter[i] = fork_out.per_core[i];
}

int hal_parallel_waits(uint64_t wait[], uint64_t *critical) {
  for (int32_t i = 0; i < fork_out.n; i++) wait[i] = fork_out.wait[i];
  *critical = fork_out.critical;
  return 1;
}

/* Kernels call this between stages on every core of the team. */
void hal_barrier(void *arg) {
  (void)arg;
  th_cl_barrier();
}

/* ---- start-up: PMSIS starts the OS only through pmsis_kickoff ---- */
void th_fw_main(void);
static void fw_task(void) {
  th_fw_main(); /* hal_init, protocol loop: never returns */
  pmsis_exit(0);
}

int main(void) { return pmsis_kickoff((void *)fw_task); }
