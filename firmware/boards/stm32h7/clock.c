/* clock.c - NUCLEO-H743ZI2 (STM32H743ZI rev V) bring-up: LDO supply, VOS0, 480 MHz from PLL1 on
 * the 8 MHz ST-LINK MCO (HSE bypass), flash latency, I/D caches, USART3 on PD8/PD9, trigger PB0.
 * Register addresses and fields from RM0433 rev 8; section numbers in the comments. */
#include <stdint.h>

#include "armv7m.h"
#include "board_config.h"
#include "stm32_regs.h"

/* 8.7 RCC registers (base 0x58024400). */
#define RCC_BASE 0x58024400u
#define RCC_CR TH_REG32(RCC_BASE + 0x000u)
#define RCC_CFGR TH_REG32(RCC_BASE + 0x010u)
#define RCC_D1CFGR TH_REG32(RCC_BASE + 0x018u)
#define RCC_D2CFGR TH_REG32(RCC_BASE + 0x01Cu)
#define RCC_D3CFGR TH_REG32(RCC_BASE + 0x020u)
#define RCC_PLLCKSELR TH_REG32(RCC_BASE + 0x028u)
#define RCC_PLLCFGR TH_REG32(RCC_BASE + 0x02Cu)
#define RCC_PLL1DIVR TH_REG32(RCC_BASE + 0x030u)
#define RCC_D2CCIP2R TH_REG32(RCC_BASE + 0x054u)
#define RCC_AHB4ENR TH_REG32(RCC_BASE + 0x0E0u)
#define RCC_APB1LENR TH_REG32(RCC_BASE + 0x0E8u)
#define RCC_APB4ENR TH_REG32(RCC_BASE + 0x0F4u)
#define RCC_CR_HSEON (1u << 16)
#define RCC_CR_HSERDY (1u << 17)
#define RCC_CR_HSEBYP (1u << 18)
#define RCC_CR_PLL1ON (1u << 24)
#define RCC_CR_PLL1RDY (1u << 25)

/* 6.8 PWR registers (base 0x58024800). */
#define PWR_BASE 0x58024800u
#define PWR_CSR1 TH_REG32(PWR_BASE + 0x04u)
#define PWR_CR3 TH_REG32(PWR_BASE + 0x0Cu)
#define PWR_D3CR TH_REG32(PWR_BASE + 0x18u)
#define PWR_CR3_LDOEN (1u << 1)
#define PWR_CR3_SCUEN (1u << 2)
#define PWR_CSR1_ACTVOSRDY (1u << 13)
#define PWR_D3CR_VOSRDY (1u << 13)
#define PWR_D3CR_VOS_SCALE1 (3u << 14)

/* 12.3.1 SYSCFG_PWRCR: ODEN (overdrive) turns VOS1 into VOS0. */
#define SYSCFG_PWRCR TH_REG32(0x58000400u + 0x2Cu)

/* 4.9.1 FLASH_ACR: LATENCY[3:0], WRHIGHFREQ[5:4]. */
#define FLASH_ACR TH_REG32(0x52002000u)

#define GPIOB_BASE 0x58020400u
#define GPIOD_BASE 0x58020C00u

static void wait_set(volatile uint32_t *reg, uint32_t mask) {
  while ((*reg & mask) != mask) {
  }
}

/* Runs from Reset_Handler before .data/.bss exist: no globals here. */
void th_board_early_init(void) {
  /* 5.4.1 Power supply: the NUCLEO-H743ZI2 powers VCORE from the LDO. CR3 is write-once after
   * reset, so LDOEN is written with SCUEN cleared, then ACTVOSRDY says the supply is valid. */
  PWR_CR3 = (PWR_CR3 & ~PWR_CR3_SCUEN) | PWR_CR3_LDOEN;
  wait_set(&PWR_CSR1, PWR_CSR1_ACTVOSRDY);
  /* 6.6.2 Voltage scaling: 480 MHz needs VOS0 = VOS1 + overdrive (rev V silicon; rev Y parts
   * stop at 400 MHz and must not run this image). */
  PWR_D3CR = PWR_D3CR_VOS_SCALE1;
  wait_set(&PWR_D3CR, PWR_D3CR_VOSRDY);
  RCC_APB4ENR |= 1u << 1; /* SYSCFGEN */
  (void)RCC_APB4ENR;
  SYSCFG_PWRCR |= 1u; /* ODEN */
  wait_set(&PWR_D3CR, PWR_D3CR_VOSRDY);

  /* Table 17 (4.3.8): AXI clock 240 MHz at VOS0 needs 4 wait states, WRHIGHFREQ = 2. Raised
   * before the clock, and read back (4.3.8: check the new latency is taken). */
  FLASH_ACR = (2u << 4) | 4u;
  while ((FLASH_ACR & 0xFu) != 4u) {
  }

  /* 8.5.2 HSE bypass: the ST-LINK's 8 MHz MCO drives PH0 (UM2407 6.7.1). */
  RCC_CR |= RCC_CR_HSEBYP | RCC_CR_HSEON;
  wait_set(&RCC_CR, RCC_CR_HSERDY);
  /* 8.5.5 PLL1: 8 MHz / M=1 = 8 MHz reference (PLL1RGE = 3: 8..16 MHz), wide VCO (VCOSEL = 0),
   * N = 120 -> 960 MHz (the rev V VCOH limit), P = 2 -> 480 MHz sys_ck, Q = R = 4 (unused). */
  RCC_PLLCKSELR = (1u << 4) | 2u; /* DIVM1 = 1, PLLSRC = HSE */
  RCC_PLLCFGR = (RCC_PLLCFGR & ~0xFu) | (3u << 2) | (1u << 16) | (1u << 17) | (1u << 18);
  RCC_PLL1DIVR = (119u << 0) | (1u << 9) | (3u << 16) | (3u << 24);
  RCC_CR |= RCC_CR_PLL1ON;
  wait_set(&RCC_CR, RCC_CR_PLL1RDY);
  /* 8.7.8-8.7.10 bus prescalers: CPU /1 (480), HPRE /2 (AXI/AHB 240), APB3 /2, APB1/2 /2, APB4 /2
   * (120 MHz each, the maximum). Set before switching sys_ck. */
  RCC_D1CFGR = (0u << 8) | (4u << 4) | 8u;
  RCC_D2CFGR = (4u << 8) | (4u << 4);
  RCC_D3CFGR = (4u << 4);
  /* 8.7.7 RCC_CFGR.SW = 3 (PLL1), wait until SWS reports it. */
  RCC_CFGR = (RCC_CFGR & ~7u) | 3u;
  while (((RCC_CFGR >> 3) & 7u) != 3u) {
  }

  /* Caches (ARMv7-M ARM B2.2.7, Cortex-M7 TRM 4.1): invalidate, then enable. */
  th_dsb();
  th_isb();
  SCB_ICIALLU = 0;
  th_dsb();
  th_isb();
  SCB_CCR |= SCB_CCR_IC;
  th_dsb();
  th_isb();
  SCB_CSSELR = 0; /* level 1 data cache */
  th_dsb();
  uint32_t ccsidr = SCB_CCSIDR;
  uint32_t sets = (ccsidr >> 13) & 0x7FFFu, ways = (ccsidr >> 3) & 0x3FFu;
  for (uint32_t s = 0; s <= sets; s++)
    for (uint32_t w = 0; w <= ways; w++) SCB_DCISW = (s << 5) | (w << 30);
  th_dsb();
  SCB_CCR |= SCB_CCR_DC;
  th_dsb();
  th_isb();
}

void th_stm32_board_init(void) {
  RCC_AHB4ENR |= (1u << 1) | (1u << 3); /* GPIOB, GPIOD */
  RCC_APB1LENR |= 1u << 18;             /* USART3EN */
  (void)RCC_APB1LENR;                   /* read back: the clock is on before the first access */
  RCC_D2CCIP2R &= ~7u;                  /* USART234578SEL = rcc_pclk1 */
  th_gpio_af(GPIOD_BASE, 8, 7);         /* PD8 USART3_TX, AF7 (datasheet DS12110 table 10) */
  th_gpio_af(GPIOD_BASE, 9, 7);         /* PD9 USART3_RX, AF7 */
}
