/* stm32_clock.h - what a STM32 board's clock bring-up reached (clock.c fills it in hal_init, after
 * .bss exists); hal_stm32.c times SysTick, the USART baud rate and trigger pulses from it, and
 * HELLO reports it (extension CLOCK). Every ready flag is waited for with a timeout, and a failure
 * falls back to a slower clock that still works instead of hanging. */
#ifndef TH_STM32_CLOCK_H
#define TH_STM32_CLOCK_H

#include <stdint.h>

typedef struct {
  uint32_t cpu_hz;   /* read back from the clock tree's registers, not the one asked for */
  uint32_t usart_hz; /* the console USART's kernel clock */
  const char *source;
} th_stm32_clock_t;

extern th_stm32_clock_t th_stm32_clock;

/* Board part (stm32h7/clock.c, stm32l4/clock.c). */
void th_stm32_clock_init(void);

/* Polls (*reg & mask) == want for at most TH_CLOCK_POLLS reads; 1 when it got there. */
#define TH_CLOCK_POLLS 1000000u
static inline int th_wait_bits(volatile uint32_t *reg, uint32_t mask, uint32_t want) {
  for (uint32_t i = 0; i < TH_CLOCK_POLLS; i++)
    if ((*reg & mask) == want) return 1;
  return 0;
}

#endif /* TH_STM32_CLOCK_H */
