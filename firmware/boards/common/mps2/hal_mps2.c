/* hal_mps2.c - HAL for the QEMU MPS2 boards (mps2-an386 Cortex-M4, mps2-an500 Cortex-M7):
 * CMSDK UART0 polled, SysTick turned into an exact retired-instruction counter under -icount. */
#include <stdint.h>

#include "armv7m.h"
#include "hal.h"

/* ARM CMSDK APB UART (Cortex-M System Design Kit TRM, DDI 0479C, 4.3). UART0 on MPS2 at
 * 0x40004000 (AN385/AN386/AN500 application notes, "APB peripherals"); its RX interrupt is IRQ 0. */
#define UART0_BASE 0x40004000u
#define UART_DATA TH_REG32(UART0_BASE + 0x00u)
#define UART_STATE TH_REG32(UART0_BASE + 0x04u)
#define UART_CTRL TH_REG32(UART0_BASE + 0x08u)
#define UART_INTCLEAR TH_REG32(UART0_BASE + 0x0Cu)
#define UART_BAUDDIV TH_REG32(UART0_BASE + 0x10u)
#define UART_STATE_TXFULL (1u << 0)
#define UART_STATE_RXFULL (1u << 1)
#define UART_CTRL_TXEN (1u << 0)
#define UART_CTRL_RXEN (1u << 1)
#define UART_CTRL_RXINTEN (1u << 3)
#define UART_INT_RX (1u << 1)
#define UART0_RX_IRQ 0

/* MPS2 SYSCLK (QEMU hw/arm/mps2.c): 25 MHz, i.e. one SysTick tick = 40 ns of virtual time. */
#define TH_SYSCLK_HZ 25000000u
#define TH_NS_PER_TICK 40u
#ifndef TH_ICOUNT_SHIFT
#error "TH_ICOUNT_SHIFT must match QEMU's -icount shift (src/board/qemu.ts)"
#endif

/* Under -icount shift=N every instruction advances virtual time by 2^N ns, so one instruction
 * is 2^N / 40 ticks. With N >= 7 that is >= 3.2 ticks, so a tick count measured between two
 * reads (exact up to +-1 tick) rounds to the exact instruction count: counts are converted per
 * interval (between consecutive hal_counter calls) and accumulated, never per absolute sample. */
#if TH_ICOUNT_SHIFT < 7
#error "TH_ICOUNT_SHIFT below 7 cannot resolve single instructions with a 25 MHz SysTick"
#endif

static volatile uint32_t systick_wraps; /* SysTick periods of 2^24 ticks */
static uint64_t last_ticks, instr_acc;
static int initialised;

void SysTick_Handler(void) { systick_wraps++; }

/* Calibration (calib_main.c): every SysTick handler run is counted by the counter too. */
uint32_t hal_counter_isr_runs(void) { return systick_wraps; }

/* RX interrupt only wakes hal_idle's WFI; the byte stays in the UART for hal_getc. */
void IRQ0_Handler(void) { UART_INTCLEAR = UART_INT_RX; }

static uint64_t ticks_now(void) {
  uint32_t hi, cv;
  do {
    hi = systick_wraps;
    cv = SYST_CVR;
  } while (hi != systick_wraps);
  return ((uint64_t)hi << 24) + (0xFFFFFFu - cv);
}

void hal_init(void) {
  if (initialised) return;
  initialised = 1;
  UART_BAUDDIV = TH_SYSCLK_HZ / 115200u; /* QEMU refuses to send with a divisor below 16 */
  UART_CTRL = UART_CTRL_TXEN | UART_CTRL_RXEN | UART_CTRL_RXINTEN;
  NVIC_ISER(0) = 1u << UART0_RX_IRQ;
  SYST_RVR = 0xFFFFFFu;
  SYST_CVR = 0;
  SYST_CSR = SYST_CSR_ENABLE | SYST_CSR_TICKINT | SYST_CSR_CLKSOURCE;
  th_irq_enable();
  last_ticks = ticks_now();
}

int hal_getc(void) {
  if (!(UART_STATE & UART_STATE_RXFULL)) return -1;
  return (int)(UART_DATA & 0xFFu);
}

void hal_write(const uint8_t *buf, uint32_t len) {
  for (uint32_t i = 0; i < len; i++) {
    while (UART_STATE & UART_STATE_TXFULL) {
    }
    UART_DATA = buf[i];
  }
}

uint32_t hal_millis(void) { return (uint32_t)(ticks_now() / (TH_SYSCLK_HZ / 1000u)); }

/* Sleep until a byte or a tick arrives. PRIMASK closes the window between the check and WFI:
 * an interrupt pending while masked still ends WFI (ARMv7-M ARM B1.5.19). */
void hal_idle(void) {
  th_irq_disable();
  if (!(UART_STATE & UART_STATE_RXFULL)) th_wfi();
  th_irq_enable();
}

extern uint8_t __arena_start[], __arena_end[];
uint8_t *hal_arena(uint32_t *bytes) {
  if (bytes) *bytes = (uint32_t)(__arena_end - __arena_start);
  return __arena_start;
}

uint64_t hal_counter(void) {
  uint64_t t = ticks_now();
  uint64_t dt = t - last_ticks;
  last_ticks = t;
  /* instructions = dt * 40 / 2^shift, rounded to nearest */
  instr_acc += (dt * TH_NS_PER_TICK + (1u << (TH_ICOUNT_SHIFT - 1))) >> TH_ICOUNT_SHIFT;
  return instr_acc;
}

void hal_trigger(int level) { (void)level; /* no power monitor on an emulated board */ }
