/* clock.c - NUCLEO-H743ZI2 (STM32H743ZI) bring-up: LDO supply, VOS0 and 480 MHz on revision V
 * (400 MHz at VOS1 otherwise) from PLL1 on the 8 MHz ST-LINK MCO (HSE bypass) or HSI when HSE is
 * missing, timeouts on every ready flag, flash latency, I/D caches, USART3 on PD8/PD9, trigger PB0.
 * Register addresses and fields from RM0433 rev 8; section numbers in the comments. */
#include <stdint.h>

#include "armv7m.h"
#include "board_config.h"
#include "stm32_clock.h"
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

#define RCC_CR_HSION (1u << 0)
#define RCC_CR_HSIRDY (1u << 2)
/* 60.5.8 DBGMCU_IDC: REV_ID[31:16] = 0x2003 on revision V (480 MHz parts), 0x1003 on Y. */
#define DBGMCU_IDC TH_REG32(0x5C001000u)
#define REV_V 0x2003u

/* Runs from Reset_Handler before .data/.bss exist: no globals. Supply and caches only; the clock
 * tree is set in hal_init (th_stm32_clock_init), where it can record what it reached. */
void th_board_early_init(void) {
  /* 5.4.1 Power supply: the NUCLEO-H743ZI2 powers VCORE from the LDO. CR3 is write-once after
   * reset, so LDOEN is written with SCUEN cleared; ACTVOSRDY is checked in th_stm32_clock_init. */
  PWR_CR3 = (PWR_CR3 & ~PWR_CR3_SCUEN) | PWR_CR3_LDOEN;

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

/* SYSCLK and rcc_pclk1 read back from the clock tree (8.5: sys_ck from SWS; PLL1 = ref / DIVM1 *
 * (DIVN1 + 1) / (DIVP1 + 1); D1CPRE, HPRE, D2PPRE1 dividers of 8.7.8-8.7.9). */
static void read_back(void) {
  static const uint8_t ahb_shift[8] = {1, 2, 3, 4, 6, 7, 8, 9}; /* 1xxx: /2 /4 /8 /16 /64 /128 /256 /512 */
  uint32_t sws = (RCC_CFGR >> 3) & 7u, hsi = 64000000u >> ((RCC_CR >> 3) & 3u), sys = hsi;
  if (sws == 2u) sys = 8000000u; /* HSE: the ST-LINK's 8 MHz MCO */
  if (sws == 3u) {
    uint32_t sel = RCC_PLLCKSELR, src = (sel & 3u) == 2u ? 8000000u : hsi, m = (sel >> 4) & 0x3Fu;
    uint32_t div = RCC_PLL1DIVR, n = (div & 0x1FFu) + 1u, p = ((div >> 9) & 0x7Fu) + 1u;
    sys = m ? (uint32_t)((uint64_t)src / m * n / p) : 0u;
  }
  uint32_t d1 = RCC_D1CFGR, d1cpre = (d1 >> 8) & 0xFu, hpre = d1 & 0xFu, ppre1 = (RCC_D2CFGR >> 4) & 7u;
  uint32_t cpu = d1cpre & 8u ? sys >> ahb_shift[d1cpre & 7u] : sys;
  uint32_t hclk = hpre & 8u ? cpu >> ahb_shift[hpre & 7u] : cpu;
  th_stm32_clock.cpu_hz = cpu;
  th_stm32_clock.usart_hz = ppre1 & 4u ? hclk >> ((ppre1 & 3u) + 1u) : hclk; /* USART234578SEL = pclk1 */
}

/* 480 MHz on revision V (VOS0 = VOS1 + overdrive), else 400 MHz at VOS1 (rev Y's limit); PLL1 on
 * HSE bypass (8 MHz ST-LINK MCO), or on HSI 64 MHz / 8 when HSE does not start (solder bridge
 * SB45 open, ST-LINK MCO off). Every ready flag has a timeout; on a failure the board stays on
 * HSI 64 MHz, which always runs, and HELLO says why. */
void th_stm32_clock_init(void) {
  int rev_v = (DBGMCU_IDC >> 16) == REV_V, hse, vos0 = 0;
  th_stm32_clock.source = "HSI 64 MHz (supply not ready)";
  read_back();
  if (!th_wait_bits(&PWR_CSR1, PWR_CSR1_ACTVOSRDY, PWR_CSR1_ACTVOSRDY)) return;
  /* 6.6.2 Voltage scaling, raised before the clock: VOS1, then overdrive (VOS0) on rev V. */
  PWR_D3CR = PWR_D3CR_VOS_SCALE1;
  th_stm32_clock.source = "HSI 64 MHz (VOS1 not ready)";
  if (!th_wait_bits(&PWR_D3CR, PWR_D3CR_VOSRDY, PWR_D3CR_VOSRDY)) return;
  if (rev_v) {
    RCC_APB4ENR |= 1u << 1; /* SYSCFGEN */
    (void)RCC_APB4ENR;
    SYSCFG_PWRCR |= 1u; /* ODEN */
    vos0 = th_wait_bits(&PWR_D3CR, PWR_D3CR_VOSRDY, PWR_D3CR_VOSRDY);
  }
  /* Table 17 (4.3.8): 4 wait states + WRHIGHFREQ 2 cover AXI 240 MHz at VOS0 and 200 at VOS1.
   * Raised before the clock and read back (4.3.8). */
  FLASH_ACR = (2u << 4) | 4u;
  th_stm32_clock.source = "HSI 64 MHz (flash latency)";
  if (!th_wait_bits(&FLASH_ACR, 0xFu, 4u)) return;

  /* 8.5.2 HSE bypass: the ST-LINK's 8 MHz MCO drives PH0 (UM2407 6.7.1). */
  RCC_CR |= RCC_CR_HSEBYP | RCC_CR_HSEON;
  hse = th_wait_bits(&RCC_CR, RCC_CR_HSERDY, RCC_CR_HSERDY);
  if (!hse) {
    RCC_CR &= ~(RCC_CR_HSEON | RCC_CR_HSEBYP);
    RCC_CR |= RCC_CR_HSION;
    th_stm32_clock.source = "HSI 64 MHz (HSE and HSI failed)";
    if (!th_wait_bits(&RCC_CR, RCC_CR_HSIRDY, RCC_CR_HSIRDY)) return;
  }
  /* 8.5.5 PLL1: 8 MHz reference (HSE / 1 or HSI 64 / 8; PLL1RGE = 3: 8..16 MHz), wide VCO, N = 120
   * (960 MHz, rev V VCOH limit) or N = 100 (800 MHz), P = 2 -> 480 or 400 MHz, Q = R = 4 (unused). */
  RCC_PLLCKSELR = hse ? ((1u << 4) | 2u) : ((8u << 4) | 0u); /* DIVM1, PLLSRC = HSE (2) or HSI (0) */
  RCC_PLLCFGR = (RCC_PLLCFGR & ~0xFu) | (3u << 2) | (1u << 16) | (1u << 17) | (1u << 18);
  RCC_PLL1DIVR = ((vos0 ? 119u : 99u) << 0) | (1u << 9) | (3u << 16) | (3u << 24);
  RCC_CR |= RCC_CR_PLL1ON;
  if (!th_wait_bits(&RCC_CR, RCC_CR_PLL1RDY, RCC_CR_PLL1RDY)) {
    RCC_CR &= ~RCC_CR_PLL1ON;
    th_stm32_clock.source = hse ? "HSI 64 MHz (PLL1 did not lock)" : "HSI 64 MHz (no HSE, PLL1 no lock)";
    return;
  }
  /* 8.7.8-8.7.10 bus prescalers: CPU /1, HPRE /2 (AXI/AHB 240 or 200), APB1..4 /2 (120 or 100,
   * the maximum). Set before switching sys_ck. */
  RCC_D1CFGR = (0u << 8) | (4u << 4) | 8u;
  RCC_D2CFGR = (4u << 8) | (4u << 4);
  RCC_D3CFGR = (4u << 4);
  /* 8.7.7 RCC_CFGR.SW = 3 (PLL1), wait until SWS reports it. */
  RCC_CFGR = (RCC_CFGR & ~7u) | 3u;
  if (!th_wait_bits(&RCC_CFGR, 7u << 3, 3u << 3)) {
    RCC_CFGR &= ~7u; /* back to HSI */
    th_stm32_clock.source = "HSI (switch to PLL1 failed)";
  } else if (hse) {
    th_stm32_clock.source = vos0 ? "HSE 8 MHz bypass, PLL1, VOS0" : rev_v ? "HSE 8 MHz, PLL1, VOS0 failed" : "HSE 8 MHz, PLL1 (not rev V)";
  } else {
    th_stm32_clock.source = vos0 ? "HSI/8, PLL1, VOS0 (HSE failed)" : "HSI/8, PLL1 (HSE failed)";
  }
  read_back();
}

void th_stm32_board_init(void) {
  RCC_AHB4ENR |= (1u << 1) | (1u << 3); /* GPIOB, GPIOD */
  RCC_APB1LENR |= 1u << 18;             /* USART3EN */
  (void)RCC_APB1LENR;                   /* read back: the clock is on before the first access */
  RCC_D2CCIP2R &= ~7u;                  /* USART234578SEL = rcc_pclk1 */
  th_gpio_af(GPIOD_BASE, 8, 7);         /* PD8 USART3_TX, AF7 (datasheet DS12110 table 10) */
  th_gpio_af(GPIOD_BASE, 9, 7);         /* PD9 USART3_RX, AF7 */
}
