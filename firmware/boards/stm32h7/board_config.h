/* board_config.h - NUCLEO-H743ZI2: clock, console USART and trigger pin used by hal_stm32.c. */
#ifndef TH_BOARD_CONFIG_H
#define TH_BOARD_CONFIG_H

#define TH_CPU_HZ 480000000u   /* nominal (HELLO clock_hz); the clock reached is th_stm32_clock */
/* USART kernel clock: read back at start-up (clock.c), 120 MHz at 480 MHz */
#define TH_USART_BASE 0x40004800u /* USART3 (RM0433 2.3.2 memory map), ST-LINK VCP on PD8/PD9 */
#define TH_TRIGGER_GPIO 0x58020400u /* GPIOB; PB0 drives LD1 (UM2407), free on CN11 for a monitor */
#define TH_TRIGGER_PIN 0u
#define TH_DWT_UNLOCK 1
#define TH_USART_FIFO 1 /* USART3 has 16-byte FIFOs (RM0433 48.4); the L476's USART has none */

#endif
