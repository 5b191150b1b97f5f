/* stm32_regs.h - USART and GPIO registers common to STM32H7 and STM32L4 (same IP blocks):
 * USART per RM0433 48.7 / RM0351 40.8, GPIO per RM0433 11.4 / RM0351 8.5. No ST headers. */
#ifndef TH_STM32_REGS_H
#define TH_STM32_REGS_H

#include "armv7m.h"

/* USART (offsets identical on H7 and L4). */
#define USART_CR1(b) TH_REG32((b) + 0x00u)
#define USART_CR3(b) TH_REG32((b) + 0x08u)
#define USART_BRR(b) TH_REG32((b) + 0x0Cu)
#define USART_ISR(b) TH_REG32((b) + 0x1Cu)
#define USART_ICR(b) TH_REG32((b) + 0x20u)
#define USART_RDR(b) TH_REG32((b) + 0x24u)
#define USART_TDR(b) TH_REG32((b) + 0x28u)
#define USART_CR1_UE (1u << 0)
#define USART_CR1_RE (1u << 2)
#define USART_CR1_TE (1u << 3)
#define USART_CR1_FIFOEN (1u << 29) /* RM0433 48.7.1 (H7 only): RX/TX FIFOs of 16 bytes */
#define USART_CR3_OVRDIS (1u << 12) /* a missed byte must not stop reception: the host resends */
#define USART_ISR_ORE (1u << 3)
#define USART_ISR_RXNE (1u << 5)
#define USART_ISR_TXE (1u << 7)
#define USART_ICR_ORECF (1u << 3)

/* GPIO. */
#define GPIO_MODER(b) TH_REG32((b) + 0x00u)
#define GPIO_OSPEEDR(b) TH_REG32((b) + 0x08u)
#define GPIO_BSRR(b) TH_REG32((b) + 0x18u)
#define GPIO_AFR(b, pin) TH_REG32((b) + 0x20u + 4u * ((pin) >> 3))

/* Pin as alternate function `af` (MODER = 0b10), high speed. */
static inline void th_gpio_af(uint32_t base, uint32_t pin, uint32_t af) {
  uint32_t sh = (pin & 7u) * 4u;
  GPIO_AFR(base, pin) = (GPIO_AFR(base, pin) & ~(0xFu << sh)) | (af << sh);
  GPIO_OSPEEDR(base) |= 3u << (2u * pin);
  GPIO_MODER(base) = (GPIO_MODER(base) & ~(3u << (2u * pin))) | (2u << (2u * pin));
}

/* Pin as push-pull output (MODER = 0b01), driven low. */
static inline void th_gpio_out(uint32_t base, uint32_t pin) {
  GPIO_BSRR(base) = 1u << (pin + 16u);
  GPIO_OSPEEDR(base) |= 3u << (2u * pin);
  GPIO_MODER(base) = (GPIO_MODER(base) & ~(3u << (2u * pin))) | (1u << (2u * pin));
}

#endif /* TH_STM32_REGS_H */
