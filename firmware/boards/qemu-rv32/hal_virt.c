/* hal_virt.c - HAL for QEMU `virt` riscv32: NS16550A UART0 polled, minstret as the counter
 * (exact retired instructions under -icount shift=0), CLINT mtime for milliseconds, and the
 * harts of `-smp N` (1..8) as cores: hart 0 runs the protocol, harts 1..N-1 wait for work in
 * th_cl_worker (firmware/boards/common/cluster/), woken by software interrupts (CLINT msip). */
#include <stdint.h>

#include "hal.h"
#include "th_cluster.h"

#define REG8(a) (*(volatile uint8_t *)(uintptr_t)(a))
#define REG32(a) (*(volatile uint32_t *)(uintptr_t)(a))

/* QEMU hw/riscv/virt.c memory map: UART0 (ns16550a, register shift 0) at 0x10000000 on PLIC
 * source 10; CLINT at 0x02000000 with mtime at +0xBFF8 ticking at 10 MHz; PLIC at 0x0C000000. */
#define UART_BASE 0x10000000u
#define UART_RBR REG8(UART_BASE + 0) /* PC16550D datasheet, table 2: register map */
#define UART_THR REG8(UART_BASE + 0)
#define UART_IER REG8(UART_BASE + 1)
#define UART_FCR REG8(UART_BASE + 2)
#define UART_LCR REG8(UART_BASE + 3)
#define UART_LSR REG8(UART_BASE + 5)
#define UART_DLL REG8(UART_BASE + 0) /* with LCR.DLAB = 1 */
#define UART_DLM REG8(UART_BASE + 1)
#define LSR_DR 0x01u
#define LSR_THRE 0x20u
#define UART_IRQ 10u
#define MTIME_LO REG32(0x0200BFF8u)
#define MTIME_HI REG32(0x0200BFFCu)
#define MTIME_HZ 10000000u
/* RISC-V PLIC spec 1.0: priority[src] at +4*src, enables of context 0 (hart 0 M-mode) at
 * +0x2000, threshold at +0x200000, claim/complete at +0x200004. */
#define PLIC_PRIORITY(s) REG32(0x0C000000u + 4u * (s))
#define PLIC_ENABLE0 REG32(0x0C002000u)
#define PLIC_THRESHOLD0 REG32(0x0C200000u)
#define PLIC_CLAIM0 REG32(0x0C200004u)
#define MIE_MEIE (1u << 11)
#define MIE_MTIE (1u << 7)
#define MIE_MSIE (1u << 3)
/* CLINT (SiFive layout, QEMU hw/intc/riscv_aclint.c): msip[h] at +4h, mtimecmp[h] at +0x4000+8h. */
#define CLINT_MSIP(h) REG32(0x02000000u + 4u * (h))
#define CLINT_MTIMECMP_LO(h) REG32(0x02004000u + 8u * (h))
#define CLINT_MTIMECMP_HI(h) REG32(0x02004004u + 8u * (h))

static int initialised;
static int32_t harts = 1;
/* Set by hart 0 once .bss is zeroed; in .data so that hart 0's zeroing cannot race with it. */
static volatile uint32_t harts_go __attribute__((section(".data"))) = 0;
static uint32_t harts_online; /* harts 1..7 that checked in */

static uint64_t mtime(void);
static void count_harts(void);
void th_rv_fault_init(void); /* firmware/boards/common/riscv/fault.c */
void th_rv_hart_guard(uint32_t hart);

void hal_init(void) {
  if (initialised) return;
  initialised = 1;
  th_rv_fault_init(); /* stack guard and paint */
  count_harts();
  /* Divisor 1: QEMU does not pace bytes by the line rate, but times the RX FIFO's character
   * timeout with it, and that timeout is what wakes us for the last bytes of a frame. */
  UART_LCR = 0x80; /* DLAB: divisor latch */
  UART_DLL = 1;
  UART_DLM = 0;
  UART_LCR = 0x03; /* 8N1 */
  /* FIFOs on and cleared, RX trigger at 14 bytes: QEMU offers the pty up to the trigger level
   * per read, so a trigger of 1 would move one byte per main-loop turn. */
  UART_FCR = 0xC7;
  UART_IER = 0x01; /* received-data interrupt: only used to end WFI in hal_idle */
  PLIC_PRIORITY(UART_IRQ) = 1;
  PLIC_ENABLE0 = 1u << UART_IRQ;
  PLIC_THRESHOLD0 = 0;
  /* mie.MEIE on, mstatus.MIE stays off: a pending interrupt ends WFI (privileged spec 3.3.3)
   * but is never taken, so no trap handler runs. */
  __asm volatile("csrs mie, %0" ::"r"(MIE_MEIE));
}

int hal_getc(void) {
  if (!(UART_LSR & LSR_DR)) return -1;
  return UART_RBR;
}

void hal_write(const uint8_t *buf, uint32_t len) {
  for (uint32_t i = 0; i < len; i++) {
    while (!(UART_LSR & LSR_THRE)) {
    }
    UART_THR = buf[i];
  }
}

static uint64_t mtime(void) {
  uint32_t hi, lo;
  do {
    hi = MTIME_HI;
    lo = MTIME_LO;
  } while (hi != MTIME_HI);
  return ((uint64_t)hi << 32) | lo;
}

uint32_t hal_millis(void) { return (uint32_t)(mtime() / (MTIME_HZ / 1000u)); }

void hal_idle(void) {
  if (UART_LSR & LSR_DR) return;
  __asm volatile("wfi");
  /* Acknowledge at the PLIC so the next WFI sleeps again; the source re-pends while data waits. */
  uint32_t id = PLIC_CLAIM0;
  if (id) PLIC_CLAIM0 = id;
}

extern uint8_t __arena_start[], __arena_end[];
uint8_t *hal_arena(uint32_t *bytes) {
  if (bytes) *bytes = (uint32_t)(__arena_end - __arena_start);
  return __arena_start;
}

/* minstret/minstreth (privileged spec 3.1.11); re-read the high half to catch a carry. */
uint64_t hal_counter(void) {
  uint32_t hi, lo, hi2;
  do {
    __asm volatile("csrr %0, minstreth" : "=r"(hi));
    __asm volatile("csrr %0, minstret" : "=r"(lo));
    __asm volatile("csrr %0, minstreth" : "=r"(hi2));
  } while (hi != hi2);
  return ((uint64_t)hi << 32) | lo;
}

void hal_trigger(int level) { (void)level; /* no power monitor on an emulated board */ }

/* ---- harts ---- */

/* Releases harts 1..7 and gives them 1 ms of virtual time to check in: hart 0 sleeps on its
 * timer, so under -icount's round-robin every other hart runs until it sleeps (WFI) too. */
static void count_harts(void) {
  uint64_t until;
  uint32_t h;
  __asm volatile("csrs mie, %0" ::"r"(MIE_MSIE));
  __atomic_store_n(&harts_go, 1u, __ATOMIC_RELEASE);
  for (h = 1; h < TH_MAX_CORES; h++) CLINT_MSIP(h) = 1; /* QEMU ignores harts it did not start */
  until = mtime() + MTIME_HZ / 1000u;
  CLINT_MTIMECMP_HI(0) = 0xFFFFFFFFu; /* no spurious match while the halves change */
  CLINT_MTIMECMP_LO(0) = (uint32_t)until;
  CLINT_MTIMECMP_HI(0) = (uint32_t)(until >> 32);
  __asm volatile("csrs mie, %0" ::"r"(MIE_MTIE));
  while (mtime() < until) __asm volatile("wfi");
  __asm volatile("csrc mie, %0" ::"r"(MIE_MTIE));
  CLINT_MTIMECMP_HI(0) = 0xFFFFFFFFu;
  CLINT_MSIP(0) = 0;
  harts = 1 + (int32_t)__atomic_load_n(&harts_online, __ATOMIC_ACQUIRE);
}

/* Entered by harts 1..7 from start.S with their own stack. */
void th_rv_secondary(uint32_t hart);
void th_rv_secondary(uint32_t hart) {
  th_rv_hart_guard(hart);
  __asm volatile("csrs mie, %0" ::"r"(MIE_MSIE));
  while (!__atomic_load_n(&harts_go, __ATOMIC_ACQUIRE)) th_cl_relax();
  __atomic_add_fetch(&harts_online, 1u, __ATOMIC_ACQ_REL);
  th_cl_worker((int32_t)hart);
}

int32_t hal_cores(void) { return harts; }

/* Under -icount QEMU's minstret is the one global instruction count of all harts
 * (target/riscv/csr.c, get_ticks), so the cluster code runs the harts in turns (TH_CL_TURNS,
 * board.cmake): while a hart's phase runs no other hart does, and its delta is its own. */
uint64_t th_cl_counter(void) { return hal_counter(); }

int32_t th_cl_core_id(void) {
  uint32_t h;
  __asm volatile("csrr %0, mhartid" : "=r"(h));
  return (int32_t)h;
}

/* WFI returns once this hart's msip is pending (mie.MSIE; mstatus.MIE stays off, so no trap);
 * clear it before the caller re-checks its condition, so a wake-up is never lost. */
void th_cl_relax(void) {
  __asm volatile("wfi");
  CLINT_MSIP(th_cl_core_id()) = 0;
}

void th_cl_wake(uint32_t mask) {
  for (uint32_t h = 0; h < TH_MAX_CORES; h++)
    if (mask & (1u << h)) CLINT_MSIP(h) = 1;
}

void hal_parallel(int32_t n_cores, void (*fn)(int32_t core_id, void *arg), void *arg,
                  uint64_t per_core_counter[]) {
  /* The UART interrupt stays pending while a frame's bytes wait; it must not end hart 0's WFIs
   * during the run (hart 0 would spin and, under round-robin, hold the emulation). */
  __asm volatile("csrc mie, %0" ::"r"(MIE_MEIE));
  th_cl_parallel(n_cores, fn, arg, per_core_counter);
  __asm volatile("csrs mie, %0" ::"r"(MIE_MEIE));
}

void hal_barrier(void *arg) {
  (void)arg;
  th_cl_barrier();
}

int hal_parallel_waits(uint64_t wait[], uint64_t *critical) {
  th_cl_last(wait, critical);
  return 1;
}

const hal_board_t hal_board = {
    .name = "qemu-rv32",
    .cpu = "RV32IMC (QEMU virt)",
    .clock_hz = 0, /* no modelled clock: the counter counts instructions */
    .counter = HAL_COUNTER_INSTRUCTIONS,
    .counter_unit = "instructions (QEMU)",
    .n_cores = TH_MAX_CORES, /* at most; hal_cores() says how many QEMU started */
};
