/* armv7m.h - the few ARMv7-M system registers the boards touch (no CMSIS: addresses from the
 * ARMv7-M Architecture Reference Manual, DDI 0403E, chapter B3 "System Address Map"). */
#ifndef TH_ARMV7M_H
#define TH_ARMV7M_H

#include <stdint.h>

#define TH_REG32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

/* B3.3 SysTick: SYST_CSR / SYST_RVR / SYST_CVR. */
#define SYST_CSR TH_REG32(0xE000E010u)
#define SYST_RVR TH_REG32(0xE000E014u)
#define SYST_CVR TH_REG32(0xE000E018u)
#define SYST_CSR_ENABLE (1u << 0)
#define SYST_CSR_TICKINT (1u << 1)
#define SYST_CSR_CLKSOURCE (1u << 2) /* 1 = processor clock */
#define SYST_CSR_COUNTFLAG (1u << 16)

/* B3.2.2 System Control Block. */
#define SCB_ICSR TH_REG32(0xE000ED04u)
#define SCB_VTOR TH_REG32(0xE000ED08u)
#define SCB_AIRCR TH_REG32(0xE000ED0Cu)
#define SCB_CCR TH_REG32(0xE000ED14u)
#define SCB_CCR_IC (1u << 17) /* Cortex-M7 TRM 4.1.2: instruction cache enable */
#define SCB_CCR_DC (1u << 16) /* data cache enable */
#define SCB_CPACR TH_REG32(0xE000ED88u) /* B3.2.20: CP10/CP11 full access = 0xF << 20 */
#define SCB_DEMCR TH_REG32(0xE000EDFCu) /* C1.6.5 Debug Exception and Monitor Control */
#define SCB_DEMCR_TRCENA (1u << 24)

/* B3.4 NVIC: interrupt set-enable registers. */
#define NVIC_ISER(n) TH_REG32(0xE000E100u + 4u * (n))
#define NVIC_ICPR(n) TH_REG32(0xE000E280u + 4u * (n))

/* C1.8 DWT: cycle counter (absent in QEMU, present on STM32). */
#define DWT_CTRL TH_REG32(0xE0001000u)
#define DWT_CYCCNT TH_REG32(0xE0001004u)
#define DWT_LAR TH_REG32(0xE0001FB0u) /* CoreSight lock access: write 0xC5ACCE55 (Cortex-M7) */
#define DWT_CTRL_CYCCNTENA (1u << 0)

/* Cortex-M7 cache maintenance (ARMv7-M ARM B2.2.7, M7 TRM 4.1): SCB cache ops. */
#define SCB_CCSIDR TH_REG32(0xE000ED80u)
#define SCB_CSSELR TH_REG32(0xE000ED84u)
#define SCB_ICIALLU TH_REG32(0xE000EF50u)
#define SCB_DCISW TH_REG32(0xE000EF60u)

static inline void th_dsb(void) { __asm volatile("dsb 0xF" ::: "memory"); }
static inline void th_isb(void) { __asm volatile("isb 0xF" ::: "memory"); }
static inline void th_irq_disable(void) { __asm volatile("cpsid i" ::: "memory"); }
static inline void th_irq_enable(void) { __asm volatile("cpsie i" ::: "memory"); }
static inline void th_wfi(void) { __asm volatile("wfi" ::: "memory"); }

#endif /* TH_ARMV7M_H */
