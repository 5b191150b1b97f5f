/* clock.c - NUCLEO-L476RG (STM32L476RG) bring-up: 80 MHz SYSCLK from the PLL on HSI16 (timeouts on
 * every ready flag, fallbacks that keep the board talking), 4 flash wait states, USART2 on PA2/PA3,
 * trigger PA8. Addresses and fields from RM0351 rev 9. */
#include <stdint.h>

#include "armv7m.h"
#include "board_config.h"
#include "stm32_clock.h"
#include "stm32_regs.h"

/* 6.4 RCC registers (base 0x40021000). */
#define RCC_BASE 0x40021000u
#define RCC_CR TH_REG32(RCC_BASE + 0x00u)
#define RCC_CFGR TH_REG32(RCC_BASE + 0x08u)
#define RCC_PLLCFGR TH_REG32(RCC_BASE + 0x0Cu)
#define RCC_AHB2ENR TH_REG32(RCC_BASE + 0x4Cu)
#define RCC_APB1ENR1 TH_REG32(RCC_BASE + 0x58u)
#define RCC_CCIPR TH_REG32(RCC_BASE + 0x88u)
#define RCC_CR_HSION (1u << 8)
#define RCC_CR_HSIRDY (1u << 10)
#define RCC_CR_PLLON (1u << 24)
#define RCC_CR_PLLRDY (1u << 25)

/* 3.7.1 FLASH_ACR: LATENCY[2:0], PRFTEN bit 8, ICEN bit 9, DCEN bit 10. */
#define FLASH_ACR TH_REG32(0x40022000u)

#define GPIOA_BASE 0x48000000u

#define RCC_CR_MSIRDY (1u << 1)

/* Called from hal_init (after .bss exists). The core stays in voltage range 1 (the reset default,
 * PWR_CR1.VOS = 01), which allows 80 MHz (5.1.8). The NUCLEO-L476RG has no HSE by default (SB54/55
 * open, UM1724 6.7.1): the PLL runs on HSI16; if HSI16 or the PLL does not come up the board stays
 * on what runs (HSI16 direct, else the 4 MHz MSI it reset on) and says so in HELLO. */
void th_stm32_clock_init(void) {
  th_stm32_clock.cpu_hz = th_stm32_clock.usart_hz = 4000000u; /* MSI range 6 after reset (6.2.3) */
  th_stm32_clock.source = "MSI 4 MHz (HSI16 did not start)";
  /* Table 12 (3.3.3): 64 < HCLK <= 80 MHz in range 1 needs 4 wait states; set before the clock. */
  FLASH_ACR = (1u << 10) | (1u << 9) | (1u << 8) | 4u;
  if (!th_wait_bits(&FLASH_ACR, 7u, 4u)) return; /* still on MSI with its reset latency */
  RCC_CR |= RCC_CR_HSION;
  if (!th_wait_bits(&RCC_CR, RCC_CR_HSIRDY, RCC_CR_HSIRDY)) return;
  /* 6.4.4 PLLCFGR: source HSI16 (PLLSRC = 2), M = 1 (PLLM = 0) -> 16 MHz VCO input, N = 10 ->
   * 160 MHz VCO, R = 2 (PLLR = 0) -> 80 MHz, PLLREN. */
  RCC_PLLCFGR = (1u << 24) | (0u << 25) | (10u << 8) | (0u << 4) | 2u;
  RCC_CR |= RCC_CR_PLLON;
  if (th_wait_bits(&RCC_CR, RCC_CR_PLLRDY, RCC_CR_PLLRDY)) {
    /* 6.4.3 CFGR: HPRE = PPRE1 = PPRE2 = /1, SW = 3 (PLL); wait for SWS = 3. */
    RCC_CFGR = (RCC_CFGR & ~0x3FF3u) | 3u;
    if (th_wait_bits(&RCC_CFGR, 3u << 2, 3u << 2)) {
      th_stm32_clock.source = "HSI16, PLL (M1 N10 R2)";
    } else {
      RCC_CFGR = (RCC_CFGR & ~3u) | 1u; /* back to HSI16 */
      th_stm32_clock.source = "HSI16 (switch to PLL failed)";
    }
  } else {
    RCC_CR &= ~RCC_CR_PLLON;
    RCC_CFGR = (RCC_CFGR & ~0x3FF3u) | 1u; /* SW = 1: HSI16 */
    th_stm32_clock.source = th_wait_bits(&RCC_CFGR, 3u << 2, 1u << 2) ? "HSI16 (PLL did not lock)" : "MSI 4 MHz (no clock switch)";
  }
  /* Read back: SWS says what drives SYSCLK; the PLL output from its own fields. */
  {
    uint32_t sws = (RCC_CFGR >> 2) & 3u, cfg = RCC_PLLCFGR, hz = 4000000u;
    if (sws == 1u) hz = 16000000u;
    if (sws == 3u) {
      uint32_t m = ((cfg >> 4) & 7u) + 1u, n = (cfg >> 8) & 0x7Fu, r = 2u * (((cfg >> 25) & 3u) + 1u);
      hz = 16000000u / m * n / r;
    }
    th_stm32_clock.cpu_hz = hz;  /* HPRE = /1 */
    th_stm32_clock.usart_hz = hz; /* PCLK1 = HCLK (PPRE1 = /1), USART2SEL = PCLK1 */
  }
}

void th_stm32_board_init(void) {
  RCC_AHB2ENR |= 1u << 0;       /* GPIOAEN */
  RCC_APB1ENR1 |= 1u << 17;     /* USART2EN */
  (void)RCC_APB1ENR1;           /* read back: the clock is on before the first access */
  RCC_CCIPR &= ~(3u << 2);      /* USART2SEL = PCLK1 */
  th_gpio_af(GPIOA_BASE, 2, 7); /* PA2 USART2_TX, AF7 (DS10198 table 17) */
  th_gpio_af(GPIOA_BASE, 3, 7); /* PA3 USART2_RX, AF7 */
}
