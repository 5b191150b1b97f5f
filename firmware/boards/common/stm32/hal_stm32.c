/* hal_stm32.c - HAL shared by the STM32 boards: polled USART, SysTick milliseconds, DWT CYCCNT
 * extended to 64 bits, trigger GPIO. The board file (stm32h7/, stm32l4/) sets clocks (recording
 * what it reached in th_stm32_clock: baud rate and SysTick follow it) and pins, and defines
 * TH_USART_BASE, TH_TRIGGER_GPIO, TH_TRIGGER_PIN in board_config.h. While a kernel is timed
 * (hal_timing) the SysTick interrupt is off, so only DWT counts: a kernel of more than 2^32
 * cycles (8.9 s at 480 MHz, 53 s at 80 MHz) would lose wraps; hal_counter folds them otherwise. */
#include <stdint.h>

#include "board_config.h"
#include "hal.h"
#include "stm32_clock.h"
#include "stm32_regs.h"

#ifndef TH_UART_BAUD
#define TH_UART_BAUD 115200u
#endif

/* Board part: clock tree is set in th_board_early_init (start-up); this enables the USART's and
 * the GPIO ports' clocks and routes the pins. */
void th_stm32_board_init(void);

th_stm32_clock_t th_stm32_clock;
static volatile uint32_t ms;
static volatile uint32_t cyc_hi, cyc_last; /* 64-bit extension of the 32-bit CYCCNT */
static int initialised;
static void trigger_pin(int high);

/* Folds CYCCNT into the 64-bit count; runs in SysTick (every 1 ms, far below the 2^32-cycle
 * wrap) and in hal_counter with interrupts masked, so no wrap is ever missed. */
static uint64_t cycles_update(void) {
  uint32_t now = DWT_CYCCNT;
  if (now < cyc_last) cyc_hi++;
  cyc_last = now;
  return ((uint64_t)cyc_hi << 32) | now;
}

void SysTick_Handler(void) {
  ms++;
  (void)cycles_update();
}

void hal_init(void) {
  if (initialised) return;
  initialised = 1;
  th_stm32_clock_init();
  th_stm32_board_init();
  /* Cycle counter (ARMv7-M ARM C1.8.6): trace enable, CoreSight unlock on M7, reset, enable. */
  SCB_DEMCR |= SCB_DEMCR_TRCENA;
#ifdef TH_DWT_UNLOCK
  DWT_LAR = 0xC5ACCE55u; /* Cortex-M7 TRM 3.3: the DWT is locked after reset */
#endif
  DWT_CYCCNT = 0;
  DWT_CTRL |= DWT_CTRL_CYCCNTENA;
  /* 1 kHz SysTick from the processor clock. */
  SYST_RVR = th_stm32_clock.cpu_hz / 1000u - 1u;
  SYST_CVR = 0;
  SYST_CSR = SYST_CSR_ENABLE | SYST_CSR_TICKINT | SYST_CSR_CLKSOURCE;
  /* USART: 8N1, oversampling by 16, from the kernel clock the bring-up reached. */
  USART_CR1(TH_USART_BASE) = 0;
  USART_BRR(TH_USART_BASE) = (th_stm32_clock.usart_hz + TH_UART_BAUD / 2u) / TH_UART_BAUD;
  USART_CR3(TH_USART_BASE) = USART_CR3_OVRDIS;
#ifdef TH_USART_FIFO
  /* FIFO mode, set while UE = 0 as RM0433 requires: RXNE/TXE (bits 5, 7) then read RXFNE/TXFNF,
   * and 16 bytes wait in the RX FIFO while a repeat runs, so an ABORT (9 bytes on the wire)
   * survives a repeat of any length. */
  USART_CR1(TH_USART_BASE) = USART_CR1_FIFOEN;
  USART_CR1(TH_USART_BASE) = USART_CR1_FIFOEN | USART_CR1_UE | USART_CR1_RE | USART_CR1_TE;
#else
  USART_CR1(TH_USART_BASE) = USART_CR1_UE | USART_CR1_RE | USART_CR1_TE;
#endif
  th_gpio_out(TH_TRIGGER_GPIO, TH_TRIGGER_PIN);
  trigger_pin(1); /* idle high: the window is marked by low pulses */
  th_irq_enable();
}

int hal_getc(void) {
  uint32_t isr = USART_ISR(TH_USART_BASE);
  if (isr & USART_ISR_ORE) USART_ICR(TH_USART_BASE) = USART_ICR_ORECF;
  if (!(isr & USART_ISR_RXNE)) return -1;
  return (int)(USART_RDR(TH_USART_BASE) & 0xFFu);
}

void hal_write(const uint8_t *buf, uint32_t len) {
  for (uint32_t i = 0; i < len; i++) {
    while (!(USART_ISR(TH_USART_BASE) & USART_ISR_TXE)) {
    }
    USART_TDR(TH_USART_BASE) = buf[i];
  }
}

uint32_t hal_millis(void) { return ms; }

/* Polling: at 115200 baud a byte arrives every ~87 us, and the core must not miss one. */
void hal_idle(void) {}

extern uint8_t __arena_start[], __arena_end[];
uint8_t *hal_arena(uint32_t *bytes) {
  if (bytes) *bytes = (uint32_t)(__arena_end - __arena_start);
  return __arena_start;
}

uint64_t hal_counter(void) {
  th_irq_disable();
  uint64_t c = cycles_update();
  th_irq_enable();
  return c;
}

/* Power-monitor window marks, MLPerf Tiny style: the pin idles high and each edge of the
 * window (start, end) is a low pulse of TH_TRIGGER_PULSE_US. The LPM01A (eventsrc .. fal) and the
 * PPK2 (trig=pulses) both find the window between the two falling edges. */
#ifndef TH_TRIGGER_PULSE_US
#define TH_TRIGGER_PULSE_US 20u
#endif
static void trigger_pin(int high) {
  GPIO_BSRR(TH_TRIGGER_GPIO) = high ? (1u << TH_TRIGGER_PIN) : (1u << (TH_TRIGGER_PIN + 16u));
}

void hal_trigger(int level) {
  (void)level;
  uint32_t start = DWT_CYCCNT, wait = (th_stm32_clock.cpu_hz / 1000000u) * TH_TRIGGER_PULSE_US;
  trigger_pin(0);
  while ((uint32_t)(DWT_CYCCNT - start) < wait) {
  }
  trigger_pin(1);
}

/* A timed kernel: the SysTick interrupt off (its ~20 cycles every millisecond would count), DWT
 * alone counts; the wraps are folded at both ends. Milliseconds pause meanwhile (nothing times out
 * during a run: the host waits for its reply). */
void hal_timing(int on) {
  th_irq_disable();
  (void)cycles_update();
  if (on) SYST_CSR &= ~SYST_CSR_TICKINT;
  else SYST_CSR |= SYST_CSR_TICKINT;
  th_irq_enable();
}

const char *hal_clock_source(uint32_t *hz) {
  *hz = th_stm32_clock.cpu_hz;
  return th_stm32_clock.source;
}
